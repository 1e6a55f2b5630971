/**
 * Is a Nova base file in use? Nova's instance disks are files under
 * `<instances_path>/<instance uuid>/` (`disk`, `disk.local`, …), usually qcow2
 * overlays whose backing chain ends in a base file of `_base/`. Deleting a
 * base file that a chain uses breaks that instance, so before removing one the
 * nova driver asks this module which instance folders use it.
 */
import { open, readdir, realpath } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import { qemuImgBackingChain } from './qemu-img.js'
import { errorMessage } from '../errors.js'

/** first bytes of image formats that can have a backing file: qcow/qcow2, QED, VMDK */
const OVERLAY_MAGIC = [Buffer.from('QFI\xfb', 'latin1'), Buffer.from('QED\0', 'latin1'), Buffer.from('KDMV', 'latin1')]

async function mayHaveBacking (path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => undefined)
  if (fh == null) return false
  try {
    const head = Buffer.alloc(4)
    const { bytesRead } = await fh.read(head, 0, 4, 0)
    return bytesRead === 4 && OVERLAY_MAGIC.some(m => m.equals(head))
  } finally {
    await fh.close()
  }
}

/** the backing file named in a qcow2 header: a path, null for none, undefined when not a readable qcow2 */
async function qcow2BackingFile (path: string): Promise<string | null | undefined> {
  const fh = await open(path, 'r').catch(() => undefined)
  if (fh == null) return undefined
  try {
    const head = Buffer.alloc(20)
    if ((await fh.read(head, 0, 20, 0)).bytesRead !== 20 || !head.subarray(0, 4).equals(OVERLAY_MAGIC[0])) return undefined
    const offset = Number(head.readBigUInt64BE(8))
    const size = head.readUInt32BE(16)
    if (offset === 0 || size === 0) return null
    if (size > 1023) return undefined
    const name = Buffer.alloc(size)
    if ((await fh.read(name, 0, size, offset)).bytesRead !== size) return undefined
    return name.toString('utf8')
  } finally {
    await fh.close()
  }
}

export interface InstanceUse {
  /** instance folders whose disks read through the base file */
  users: string[]
  /** disks whose chain could not be read (counted as users: we cannot prove they do not use it) */
  unreadable: Array<{ disk: string, error: string }>
}

/** The instance folders under `instancesPath` whose disks' backing chains include `baseFile` */
export async function instancesUsing (instancesPath: string, baseFile: string, signal?: AbortSignal): Promise<InstanceUse> {
  const target = await realpath(baseFile).catch(() => resolve(baseFile))
  const users = new Set<string>()
  const unreadable: InstanceUse['unreadable'] = []
  const entries = await readdir(instancesPath, { withFileTypes: true }).catch(() => [])
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('_') || e.name.startsWith('.') || e.name === 'locks') continue
    const folder = join(instancesPath, e.name)
    for (const f of await readdir(folder, { withFileTypes: true }).catch(() => [])) {
      if (!f.isFile()) continue
      const disk = join(folder, f.name)
      if (!await mayHaveBacking(disk)) continue
      try {
        for (const b of await qemuImgBackingChain(disk, signal)) {
          const abs = isAbsolute(b) ? b : resolve(folder, b)
          if (abs === target || await realpath(abs).catch(() => abs) === target) users.add(folder)
        }
      } catch (err) {
        // a broken chain further down (e.g. a missing file): the direct backing
        // file from the qcow2 header still tells whether it is this base file
        const direct = await qcow2BackingFile(disk)
        if (direct !== undefined) {
          if (direct != null && resolve(folder, direct) === target) users.add(folder)
          continue
        }
        unreadable.push({ disk, error: errorMessage(err) })
        users.add(folder)
      }
    }
  }
  return { users: [...users], unreadable }
}
