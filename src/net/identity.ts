import { statSync } from 'node:fs'
import { chmod, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { userName } from '../util/user.js'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { InputFileError, errorCode } from '../errors.js'
import { atomicWrite } from '../util/atomic-write.js'

const HEADER = '# precache node identity (libp2p Ed25519 private key, base64 protobuf). Keep secret.\n'

/** Makes a new Ed25519 identity and writes it (mode 0600); returns its peer id */
export async function writeIdentity (file: string): Promise<string> {
  const key = await generateKeyPair('Ed25519')
  const text = HEADER + Buffer.from(privateKeyToProtobuf(key)).toString('base64') + '\n'
  await atomicWrite(file, text, { mode: 0o600 })
  await chmod(file, 0o600)
  return peerIdFromPrivateKey(key).toString()
}

/** File name of the identity a node makes in its state folder when no --identity is given */
export const DEFAULT_IDENTITY_FILE = 'identity'

/**
 * The node's identity: the `--identity` file (which must exist), or else
 * `<state_dir>/identity`, made at first start (mode 0600) so that a node keeps
 * its peer id across restarts.
 */
export async function loadIdentity (explicit: string | undefined, stateDir: string): Promise<{ privateKey: PrivateKey, file: string, created: boolean }> {
  if (explicit != null) return { privateKey: await readIdentity(explicit), file: explicit, created: false }
  const file = join(stateDir, DEFAULT_IDENTITY_FILE)
  let created = false
  try {
    statSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new InputFileError(`cannot read identity ${file}: ${errorCode(err)}; make it readable by this user or set --identity`)
    await writeIdentity(file).catch((err: unknown) => {
      throw new InputFileError(`cannot write identity ${file}: ${errorCode(err)}; make the state folder writable or set --identity`)
    })
    created = true
  }
  return { privateKey: await readIdentity(file), file, created }
}

/** Warns when a secret file (swarm key, identity) can be read by group or others */
export function warnIfShared (file: string, what: string, log: { warn: (msg: string) => void }): void {
  try {
    const mode = statSync(file).mode & 0o777
    if ((mode & 0o077) !== 0) {
      log.warn(`${what} ${file} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}): run "chmod 600 ${file}"`)
    }
  } catch {}
}

/** Reads an identity file written by `precache keygen` */
export async function readIdentity (file: string): Promise<PrivateKey> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const fix = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `make one with "precache keygen --identity ${file}", or leave --identity out to use the state folder's` : `make it readable by user ${userName()} (mode 0600, owned by that user)`
    throw new InputFileError(`cannot read identity ${file}: ${errorCode(err)}; ${fix}`)
  }
  const b64 = text.split('\n').filter(l => !l.startsWith('#') && l.trim() !== '').join('')
  try {
    return privateKeyFromProtobuf(Buffer.from(b64, 'base64'))
  } catch {
    throw new InputFileError(`${file} is not a precache identity file; make one with "precache keygen --identity ${file}"`)
  }
}
