/**
 * Where OpenStack credentials come from, the way the openstack client finds
 * them: a cloud in clouds.yaml (`--os-cloud`, OS_CLOUD), else OS_* variables,
 * with options of the `[openstack]` section overriding both.
 */
import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { ConfigError, errorCode } from '../errors.js'
import type { Config } from '../config/load.js'
import { asRecord, optionalString } from '../util/json.js'
import type { JsonRecord } from '../util/json.js'

export type AuthType = 'password' | 'v3applicationcredential' | 'noauth'

export interface Credentials {
  authType: AuthType
  authUrl?: string
  username?: string
  userId?: string
  password?: string
  userDomainName?: string
  userDomainId?: string
  projectName?: string
  projectId?: string
  projectDomainName?: string
  projectDomainId?: string
  applicationCredentialId?: string
  applicationCredentialSecret?: string
  applicationCredentialName?: string
  regionName?: string
  /** catalogue interface: public, internal or admin */
  interface: string
  /** noauth: roles sent as X-Roles */
  roles: string[]
  /** where the credentials came from, for messages */
  source: string
}

const ENV_KEYS: Record<string, string> = {
  auth_url: 'OS_AUTH_URL',
  username: 'OS_USERNAME',
  user_id: 'OS_USER_ID',
  password: 'OS_PASSWORD',
  user_domain_name: 'OS_USER_DOMAIN_NAME',
  user_domain_id: 'OS_USER_DOMAIN_ID',
  project_name: 'OS_PROJECT_NAME',
  project_id: 'OS_PROJECT_ID',
  project_domain_name: 'OS_PROJECT_DOMAIN_NAME',
  project_domain_id: 'OS_PROJECT_DOMAIN_ID',
  application_credential_id: 'OS_APPLICATION_CREDENTIAL_ID',
  application_credential_secret: 'OS_APPLICATION_CREDENTIAL_SECRET',
  application_credential_name: 'OS_APPLICATION_CREDENTIAL_NAME'
}

/** clouds.yaml search path of openstacksdk */
export function cloudsFileCandidates (env: NodeJS.ProcessEnv): string[] {
  return [
    env.OS_CLIENT_CONFIG_FILE,
    join(process.cwd(), 'clouds.yaml'),
    join(homedir(), '.config', 'openstack', 'clouds.yaml'),
    '/etc/openstack/clouds.yaml'
  ].filter((p): p is string => p != null && p !== '')
}

function readCloud (name: string, file: string | undefined, env: NodeJS.ProcessEnv): { auth: Record<string, string>, top: JsonRecord, source: string } {
  const path = file ?? cloudsFileCandidates(env).find(p => existsSync(p))
  if (path == null) throw new ConfigError(`cloud "${name}" requested but no clouds.yaml found (looked in ${cloudsFileCandidates(env).join(', ')}); set [openstack] clouds_file`)
  let doc: JsonRecord
  try {
    doc = asRecord(parseYaml(readFileSync(path, 'utf8')))
  } catch (err) {
    throw new ConfigError(`cannot read ${path}: ${errorCode(err)}`)
  }
  const clouds = asRecord(doc.clouds)
  const cloud = clouds[name]
  if (cloud == null || typeof cloud !== 'object') {
    throw new ConfigError(`${path} has no cloud "${name}" (clouds: ${Object.keys(clouds).join(', ') || 'none'})`)
  }
  const top = asRecord(cloud)
  const auth: Record<string, string> = {}
  for (const [k, v] of Object.entries(asRecord(top.auth))) auth[k] = String(v)
  return { auth, top, source: `${path} cloud ${name}` }
}

/** Resolves credentials from config, clouds.yaml and the environment */
export function resolveCredentials (config: Config, env: NodeJS.ProcessEnv = process.env): Credentials {
  const os = config.openstack ?? {}
  const cloudName: string | undefined = os.cloud ?? env.OS_CLOUD
  let auth: Record<string, string> = {}
  let top: JsonRecord = {}
  let source = 'OS_* environment variables'
  if (cloudName != null && cloudName !== '') {
    ({ auth, top, source } = readCloud(cloudName, os.clouds_file, env))
  } else {
    for (const [k, e] of Object.entries(ENV_KEYS)) if (env[e] != null && env[e] !== '') auth[k] = env[e]
    top = { auth_type: env.OS_AUTH_TYPE, region_name: env.OS_REGION_NAME, interface: env.OS_INTERFACE }
  }
  let authType = (os.auth_type ?? optionalString(top.auth_type) ?? (auth.application_credential_id != null || auth.application_credential_name != null ? 'v3applicationcredential' : undefined) ?? (auth.auth_url == null && config.glance?.endpoint != null ? 'noauth' : 'password')) as string
  if (authType === 'v3password') authType = 'password'
  if (authType === 'none') authType = 'noauth'
  if (!['password', 'v3applicationcredential', 'noauth'].includes(authType)) {
    throw new ConfigError(`[openstack] auth_type "${authType}" (from ${source}) is not supported: use password, v3applicationcredential or noauth`)
  }
  const creds: Credentials = {
    authType: authType as AuthType,
    authUrl: auth.auth_url,
    username: auth.username,
    userId: auth.user_id,
    password: auth.password,
    userDomainName: auth.user_domain_name ?? (auth.user_domain_id == null ? 'Default' : undefined),
    userDomainId: auth.user_domain_id,
    projectName: auth.project_name,
    projectId: os.project_id ?? auth.project_id,
    projectDomainName: auth.project_domain_name ?? (auth.project_domain_id == null ? 'Default' : undefined),
    projectDomainId: auth.project_domain_id,
    applicationCredentialId: auth.application_credential_id,
    applicationCredentialSecret: auth.application_credential_secret,
    applicationCredentialName: auth.application_credential_name,
    regionName: os.region_name ?? optionalString(top.region_name),
    interface: String(os.interface ?? optionalString(top.interface) ?? 'public').replace(/URL$/, ''),
    roles: os.roles ?? ['admin'],
    source
  }
  if (creds.authType !== 'noauth' && (creds.authUrl == null || creds.authUrl === '')) {
    throw new ConfigError(`no Keystone auth_url in ${source}: set --os-cloud (clouds.yaml), OS_AUTH_URL, or use [openstack] auth_type = noauth with [glance] endpoint`)
  }
  if (creds.authType === 'password' && (creds.password == null || (creds.username == null && creds.userId == null))) {
    throw new ConfigError(`password authentication needs a username and password (${source})`)
  }
  if (creds.authType === 'v3applicationcredential' && creds.applicationCredentialSecret == null) {
    throw new ConfigError(`application credential authentication needs application_credential_secret (${source})`)
  }
  return creds
}
