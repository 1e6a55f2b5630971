import { chmod, readFile, rename, writeFile } from 'node:fs/promises'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { InputFileError, errorCode } from '../errors.js'

const HEADER = '# precache node identity (libp2p Ed25519 private key, base64 protobuf). Keep secret.\n'

/** Makes a new Ed25519 identity and writes it (mode 0600); returns its peer id */
export async function writeIdentity (file: string): Promise<string> {
  const key = await generateKeyPair('Ed25519')
  const text = HEADER + Buffer.from(privateKeyToProtobuf(key)).toString('base64') + '\n'
  await writeFile(file + '.tmp', text, { mode: 0o600 })
  await rename(file + '.tmp', file)
  await chmod(file, 0o600)
  return peerIdFromPrivateKey(key).toString()
}

/** Reads an identity file written by `precache keygen` */
export async function readIdentity (file: string): Promise<PrivateKey> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new InputFileError(`cannot read identity ${file}: ${errorCode(err)}; make one with "precache keygen --identity ${file}"`)
  }
  const b64 = text.split('\n').filter(l => !l.startsWith('#') && l.trim() !== '').join('')
  try {
    return privateKeyFromProtobuf(Buffer.from(b64, 'base64'))
  } catch {
    throw new InputFileError(`${file} is not a precache identity file; make one with "precache keygen --identity ${file}"`)
  }
}
