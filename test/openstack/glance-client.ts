/** A tiny Glance v2 admin client for tests (header identity, no Keystone) */
export function identity (project: string, roles = 'admin'): Record<string, string> {
  return { 'x-identity-status': 'Confirmed', 'x-project-id': project, 'x-roles': roles }
}

export async function createImage (glance: string, project: string, fields: Record<string, unknown>, data?: Uint8Array, headers?: Record<string, string>): Promise<any> {
  const h = headers ?? identity(project)
  const res = await fetch(`${glance}/v2/images`, {
    method: 'POST',
    headers: { ...h, 'content-type': 'application/json' },
    body: JSON.stringify({ disk_format: 'raw', container_format: 'bare', ...fields })
  })
  if (res.status !== 201) throw new Error(`create image: ${res.status} ${await res.text()}`)
  const img = await res.json()
  if (data != null) {
    const up = await fetch(`${glance}/v2/images/${img.id as string}/file`, {
      method: 'PUT',
      headers: { ...h, 'content-type': 'application/octet-stream' },
      body: Buffer.from(data)
    })
    if (up.status !== 204) throw new Error(`upload image: ${up.status} ${await up.text()}`)
  }
  return await (await fetch(`${glance}/v2/images/${img.id as string}`, { headers: h })).json()
}

export async function addTag (glance: string, project: string, id: string, tag: string): Promise<void> {
  const res = await fetch(`${glance}/v2/images/${id}/tags/${tag}`, { method: 'PUT', headers: identity(project) })
  if (res.status !== 204) throw new Error(`add tag: ${res.status}`)
}

export async function deleteTag (glance: string, project: string, id: string, tag: string): Promise<void> {
  const res = await fetch(`${glance}/v2/images/${id}/tags/${tag}`, { method: 'DELETE', headers: identity(project) })
  if (res.status !== 204) throw new Error(`delete tag: ${res.status}`)
}

/** deterministic pseudo-random bytes */
export function bytes (n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  let x = seed >>> 0 || 1
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}
