import test from 'ava'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import { createLogger } from '../../src/log.js'
import '../../src/backends.js'
import { listers } from '../../src/list/lister.js'
import { fetchers } from '../../src/fetch/fetcher.js'
import { resolveCredentials } from '../../src/openstack/credentials.js'
import { keystoneSession } from '../../src/openstack/keystone.js'
import { cleanupTemps, freePorts, startGlance, startKeystone, tempDir } from './services.js'
import type { Service } from './services.js'
import { bytes, createImage } from './glance-client.js'
import { call, setUp, token } from './keystone-admin.js'
import type { KeystoneWorld } from './keystone-admin.js'

const log = createLogger('test')
let keystone: Service
let glance: Service
let ks: string
let world: KeystoneWorld
let image: any
let cloudsFile: string
let appCred: { id: string, secret: string }

test.before(async () => {
  keystone = await startKeystone()
  ks = keystone.vars.KEYSTONE_URL
  const port = await freePorts(1)
  const glanceUrl = `http://127.0.0.1:${port}`
  world = await setUp(ks, keystone.vars.KEYSTONE_ADMIN_PASSWORD, glanceUrl, 'glance-pass')
  glance = await startGlance({ url: ks, password: 'glance-pass', port })
  const userToken = await token(ks, 'precache', 'pc-pass', 'images')
  image = await createImage(glanceUrl, world.projectId, { name: 'behind-keystone', tags: ['precache'] }, bytes(200_000, 77), { 'x-auth-token': userToken })
  const ac = await call(ks, userToken, 'POST', `users/${world.userId}/application_credentials`, { application_credential: { name: 'precache-test' } })
  appCred = { id: ac.application_credential.id, secret: ac.application_credential.secret }
  const dir = await tempDir('pc-clouds-')
  cloudsFile = join(dir, 'clouds.yaml')
  await writeFile(cloudsFile, [
    'clouds:',
    '  test:',
    '    region_name: RegionOne',
    '    auth:',
    `      auth_url: ${ks}`,
    '      username: precache',
    '      password: pc-pass',
    '      project_name: images',
    '      user_domain_name: Default',
    '      project_domain_name: Default',
    '  wrong:',
    '    auth:',
    `      auth_url: ${ks}`,
    '      username: precache',
    '      password: not-the-password',
    '      project_name: images',
    ''
  ].join('\n'))
})

test.after.always(async () => {
  await glance?.stop()
  await keystone?.stop()
  await cleanupTemps()
})

const cfg = (flags: Record<string, string | string[]>): any => loadConfig({ command: 'seeder', flags: { lister: 'glance', 'os-clouds-file': cloudsFile, ...flags } })

test.serial('keystone: password auth from clouds.yaml, Glance found in the catalogue, image listed and fetched', async t => {
  const config = cfg({ 'os-cloud': 'test', 'glance-tag': 'precache', 'staging-dir': await tempDir('pc-staging-') })
  const refs = await listers.get('glance')({ config, log }).list()
  t.deepEqual(refs.map(r => r.id), [image.id])
  const got = await fetchers.get('glance')({ config, log }).fetch(refs[0])
  t.is(got.verified.sha512, image.os_hash_value)
})

test.serial('keystone: application credential from OS_* variables', async t => {
  const saved = { ...process.env }
  Object.assign(process.env, { OS_AUTH_URL: ks, OS_APPLICATION_CREDENTIAL_ID: appCred.id, OS_APPLICATION_CREDENTIAL_SECRET: appCred.secret, OS_INTERFACE: 'internal' })
  try {
    const refs = await listers.get('glance')({ config: cfg({ 'glance-tag': 'precache' }), log }).list()
    t.deepEqual(refs.map(r => r.id), [image.id])
  } finally {
    for (const k of ['OS_AUTH_URL', 'OS_APPLICATION_CREDENTIAL_ID', 'OS_APPLICATION_CREDENTIAL_SECRET', 'OS_INTERFACE']) {
      if (saved[k] == null) Reflect.deleteProperty(process.env, k); else process.env[k] = saved[k]
    }
  }
})

test.serial('keystone: a wrong password is an AuthenticationError; faked identity headers are rejected', async t => {
  await t.throwsAsync(listers.get('glance')({ config: cfg({ 'os-cloud': 'wrong' }), log }).list(), { name: 'AuthenticationError', message: /Keystone token/ })
  const glanceUrl = glance.vars.GLANCE_URL
  const config = loadConfig({ command: 'list', flags: { lister: 'glance', 'glance-endpoint': glanceUrl, 'os-project-id': world.projectId, 'os-auth-type': 'noauth' } })
  await t.throwsAsync(listers.get('glance')({ config, log }).list(), { name: 'AuthenticationError' })
})

test.serial('keystone: a token is renewed before it expires, and after the service rejects it', async t => {
  let now = Date.now()
  const creds = resolveCredentials(cfg({ 'os-cloud': 'test' }), {})
  const session = keystoneSession({ credentials: creds, now: () => now })
  const first = (await session.headers())['x-auth-token']
  t.is((await session.headers())['x-auth-token'], first, 'a valid token is reused')
  t.is(await session.endpoint('image'), glance.vars.GLANCE_URL)
  now += 56 * 60_000 // within 5 minutes of the default 1 h expiry
  const second = (await session.headers())['x-auth-token']
  t.not(second, first, 'renewed near expiry')

  // a lister whose token was revoked re-authenticates once and succeeds
  const config = cfg({ 'os-cloud': 'test', 'glance-tag': 'precache' })
  const lister = listers.get('glance')({ config, log })
  t.is((await lister.list()).length, 1)
  const { sessionFromConfig } = await import('../../src/openstack/auth-session.js')
  const used = (await sessionFromConfig(config).headers())['x-auth-token']
  const revoke = await fetch(`${ks}/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': world.adminToken, 'x-subject-token': used } })
  t.is(revoke.status, 204)
  t.is((await lister.list()).length, 1)
  t.not((await sessionFromConfig(config).headers())['x-auth-token'], used, 'a new token was issued')
})
