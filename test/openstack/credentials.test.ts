import test from 'ava'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import { resolveCredentials } from '../../src/openstack/credentials.js'
import { v3Url } from '../../src/openstack/keystone.js'
import { cleanupTemps, tempDir } from './services.js'

test.after.always(async () => { await cleanupTemps() })

const cfg = (flags: Record<string, string | string[]> = {}): any => loadConfig({ command: 'list', flags })

test('credentials: a cloud from clouds.yaml, with region and interface', async t => {
  const dir = await tempDir('pc-clouds-')
  const file = join(dir, 'clouds.yaml')
  await writeFile(file, [
    'clouds:',
    '  prod:',
    '    region_name: RegionTwo',
    '    interface: internal',
    '    auth:',
    '      auth_url: https://keystone.example:5000/v3',
    '      username: precache',
    '      password: s3cret',
    '      project_name: images',
    '      user_domain_name: Default',
    '      project_domain_name: Default',
    '  appcred:',
    '    auth_type: v3applicationcredential',
    '    auth:',
    '      auth_url: https://keystone.example:5000',
    '      application_credential_id: abc',
    '      application_credential_secret: xyz',
    ''
  ].join('\n'))
  const c = resolveCredentials(cfg({ 'os-cloud': 'prod', 'os-clouds-file': file }), {})
  t.is(c.authType, 'password')
  t.is(c.username, 'precache')
  t.is(c.projectName, 'images')
  t.is(c.regionName, 'RegionTwo')
  t.is(c.interface, 'internal')
  const a = resolveCredentials(cfg({ 'os-cloud': 'appcred', 'os-clouds-file': file, 'os-interface': 'admin' }), {})
  t.is(a.authType, 'v3applicationcredential')
  t.is(a.applicationCredentialId, 'abc')
  t.is(a.interface, 'admin', 'the option overrides clouds.yaml')
  t.throws(() => resolveCredentials(cfg({ 'os-cloud': 'nope', 'os-clouds-file': file }), {}), { name: 'ConfigError', message: /no cloud "nope".*prod, appcred/ })
  // OS_CLOUD selects the cloud too
  t.is(resolveCredentials(cfg({ 'os-clouds-file': file }), { OS_CLOUD: 'prod' }).username, 'precache')
})

test('credentials: OS_* environment variables, password and application credential', t => {
  const env = { OS_AUTH_URL: 'http://ks:5000/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_PROJECT_NAME: 'pr', OS_REGION_NAME: 'R1', OS_INTERFACE: 'internal' }
  const c = resolveCredentials(cfg(), env)
  t.is(c.authType, 'password')
  t.is(c.userDomainName, 'Default')
  t.is(c.regionName, 'R1')
  t.is(c.interface, 'internal')
  const a = resolveCredentials(cfg(), { OS_AUTH_URL: 'http://ks:5000', OS_APPLICATION_CREDENTIAL_ID: 'i', OS_APPLICATION_CREDENTIAL_SECRET: 's' })
  t.is(a.authType, 'v3applicationcredential')
  t.throws(() => resolveCredentials(cfg(), { OS_AUTH_URL: 'http://ks:5000', OS_USERNAME: 'u' }), { name: 'ConfigError', message: /username and password/ })
  t.throws(() => resolveCredentials(cfg(), {}), { name: 'ConfigError', message: /no Keystone auth_url/ })
})

test('credentials: noauth with an explicit Glance endpoint', t => {
  const c = resolveCredentials(cfg({ 'glance-endpoint': 'http://127.0.0.1:9292', 'os-project-id': 'p1' }), {})
  t.is(c.authType, 'noauth')
  t.is(c.projectId, 'p1')
  t.deepEqual(c.roles, ['admin'])
})

test('keystone: v3 URL with or without /v3', t => {
  t.is(v3Url('http://ks:5000'), 'http://ks:5000/v3')
  t.is(v3Url('http://ks:5000/v3/'), 'http://ks:5000/v3')
  t.is(v3Url('http://ks/identity'), 'http://ks/identity/v3')
})
