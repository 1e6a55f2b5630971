/** Runs `qemu-img` (info, convert) as Nova does, with an AbortSignal */
import { execFile } from 'node:child_process'
import { AbortedError, InputFileError, UnsupportedImageError, errorMessage } from '../errors.js'
import { asRecord } from '../util/json.js'

export interface ImageInfo {
  format: string
  virtualSize: number
  backingFile?: string
}

/**
 * Largest output read from qemu-img (the JSON of a long backing chain fits)
 *
 * @default 16 MiB
 */
export const MAX_QEMU_IMG_OUTPUT = 16 * 1024 * 1024

async function run (args: string[], signal?: AbortSignal): Promise<string> {
  return await new Promise((resolve, reject) => {
    execFile('qemu-img', args, { signal, maxBuffer: MAX_QEMU_IMG_OUTPUT }, (err, stdout, stderr) => {
      if (err == null) { resolve(stdout); return }
      if (signal?.aborted === true) { reject(new AbortedError('qemu-img aborted', { cause: err })); return }
      if (err.code === 'ENOENT') { reject(new InputFileError('qemu-img is not installed: install qemu-utils (the nova cache driver needs it)')); return }
      reject(new UnsupportedImageError(`qemu-img ${args[0]} failed: ${String(stderr).trim().split('\n').pop() ?? errorMessage(err)}`))
    })
  })
}

/** `qemu-img info --output=json`: the real format of a file, whatever its name says */
export async function qemuImgInfo (path: string, signal?: AbortSignal): Promise<ImageInfo> {
  const out = asRecord(JSON.parse(await run(['info', '--output=json', path], signal)))
  const backing = out['backing-filename'] ?? out['full-backing-filename']
  return { format: String(out.format), virtualSize: Number(out['virtual-size']), backingFile: backing != null ? String(backing) : undefined }
}

/** `qemu-img convert -f <from> -O raw src dst` */
export async function qemuImgConvertRaw (src: string, from: string, dst: string, signal?: AbortSignal): Promise<void> {
  await run(['convert', '-f', from, '-O', 'raw', src, dst], signal)
}

/**
 * `qemu-img info --backing-chain --force-share`: every file the image at
 * `path` reads through, resolved to absolute paths (works while a VM runs on it)
 */
export async function qemuImgBackingChain (path: string, signal?: AbortSignal): Promise<string[]> {
  const out: unknown = JSON.parse(await run(['info', '--backing-chain', '--force-share', '--output=json', path], signal))
  const chain: unknown[] = Array.isArray(out) ? out : [out]
  return chain.map(i => { const r = asRecord(i); return r['full-backing-filename'] ?? r['backing-filename'] }).filter((f): f is string => typeof f === 'string')
}
