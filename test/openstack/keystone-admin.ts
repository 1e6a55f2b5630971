/** Keystone admin calls for tests: projects, users, roles, catalogue entries */
export async function token (keystone: string, user: string, password: string, project: string): Promise<string> {
  const res = await fetch(`${keystone}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password } } }, scope: { project: { name: project, domain: { id: 'default' } } } } })
  })
  if (res.status !== 201) throw new Error(`token for ${user}: ${res.status} ${await res.text()}`)
  return res.headers.get('x-subject-token') ?? ''
}

export async function call (keystone: string, tok: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${keystone}/${path}`, { method, headers: { 'x-auth-token': tok, 'content-type': 'application/json' }, body: body != null ? JSON.stringify(body) : undefined })
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return res.status === 204 ? undefined : await res.json()
}

export interface KeystoneWorld {
  adminToken: string
  projectId: string
  userId: string
  roles: Record<string, string>
}

/** project "images" with user "precache" (member), project "service" with user "glance" (admin), and the image service */
export async function setUp (keystone: string, adminPassword: string, glanceUrl: string, glancePassword: string): Promise<KeystoneWorld> {
  const admin = await token(keystone, 'admin', adminPassword, 'admin')
  const roles: Record<string, string> = {}
  for (const r of (await call(keystone, admin, 'GET', 'roles')).roles) roles[r.name] = r.id
  const service = (await call(keystone, admin, 'POST', 'projects', { project: { name: 'service', domain_id: 'default' } })).project
  const images = (await call(keystone, admin, 'POST', 'projects', { project: { name: 'images', domain_id: 'default' } })).project
  const glance = (await call(keystone, admin, 'POST', 'users', { user: { name: 'glance', domain_id: 'default', password: glancePassword } })).user
  const precache = (await call(keystone, admin, 'POST', 'users', { user: { name: 'precache', domain_id: 'default', password: 'pc-pass' } })).user
  await call(keystone, admin, 'PUT', `projects/${service.id as string}/users/${glance.id as string}/roles/${roles.admin}`)
  await call(keystone, admin, 'PUT', `projects/${images.id as string}/users/${precache.id as string}/roles/${roles.member}`)
  const svc = (await call(keystone, admin, 'POST', 'services', { service: { type: 'image', name: 'glance' } })).service
  for (const iface of ['public', 'internal']) {
    await call(keystone, admin, 'POST', 'endpoints', { endpoint: { service_id: svc.id, interface: iface, url: glanceUrl, region_id: 'RegionOne' } })
  }
  return { adminToken: admin, projectId: images.id, userId: precache.id, roles }
}
