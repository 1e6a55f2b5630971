import test from 'ava'
import fc from 'fast-check'
import { imageIdFromName, isImageId, MAX_IMAGE_ID_LENGTH } from '../../src/image/id.js'

test('the image-id rule', t => {
  for (const ok of ['a', 'ubuntu-24.04', '.hidden', '..a', 'a..', '_', 'x'.repeat(MAX_IMAGE_ID_LENGTH), '3f0b9c0e-1d2a-4c5e-9f00-123456789abc']) t.true(isImageId(ok), ok)
  for (const bad of ['', '.', '..', 'a/b', '../etc', 'a b', 'é', 'x'.repeat(MAX_IMAGE_ID_LENGTH + 1), 'a\n', 'a\0']) t.false(isImageId(bad), JSON.stringify(bad))
  t.false(isImageId(42))
  t.false(isImageId(undefined))
})

test('property: an id from a file name has only safe characters and, short and not dots, passes the rule', t => {
  fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 300 }), name => {
    const id = imageIdFromName(name)
    if (!/^[A-Za-z0-9._-]*$/.test(id)) return false
    const ok = id.length <= MAX_IMAGE_ID_LENGTH && id !== '.' && id !== '..'
    return isImageId(id) === ok
  }), { numRuns: 2000 })
  t.is(imageIdFromName('my image (1).qcow2'), 'my_image__1_.qcow2')
})
