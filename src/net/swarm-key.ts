import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { userName } from '../util/user.js'
import { InputFileError, errorCode, errorMessage } from '../errors.js'

/** Length of the secret in a swarm key */
export const SWARM_KEY_LENGTH = 32

/**
 * Makes a swarm key in the libp2p private network v1 text format:
 * `/key/swarm/psk/1.0.0/`, `/base16/`, 64 hex digits.
 */
export function generateSwarmKey (): string {
  return `/key/swarm/psk/1.0.0/\n/base16/\n${randomBytes(SWARM_KEY_LENGTH).toString('hex')}\n`
}

/** Decodes a swarm key file's text into its 32-byte secret */
export function decodeSwarmKey (text: string, file = 'swarm key'): Uint8Array {
  const lines = text.split(/\r?\n/).map(l => l.trim()).filter(l => l !== '')
  if (lines.length !== 3 || lines[0] !== '/key/swarm/psk/1.0.0/' || lines[1] !== '/base16/' || !/^[0-9a-fA-F]{64}$/.test(lines[2])) {
    throw new InputFileError(`${file} is not a swarm key: expected the 3-line /key/swarm/psk/1.0.0/ format; ${MISSING_KEY_HINT}`)
  }
  return Uint8Array.from(Buffer.from(lines[2], 'hex'))
}

/** What to do about a missing or invalid swarm key: every node of a cloud needs the same one */
export const MISSING_KEY_HINT = 'every node of a cloud needs the same swarm key: copy the cloud\'s key from the seeder (mode 0600); ' +
  'only for a new cloud make one with "precache keygen --swarm-key FILE"'

/** Reads and decodes a swarm key file, with an operator-friendly error */
export async function readSwarmKey (file: string): Promise<Uint8Array> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    const fix = (err as NodeJS.ErrnoException).code === 'ENOENT' ? MISSING_KEY_HINT : `make it readable by user ${userName()} (mode 0600, owned by that user)`
    throw new InputFileError(`cannot read swarm key ${file}: ${errorCode(err)}; ${fix}`)
  }
  return decodeSwarmKey(text, file)
}

/**
 * The noise prologue bound to a swarm secret (SPEC.md §0). Both sides mix it
 * into the handshake hash, so a node with another secret fails the handshake.
 * Derived, so the secret itself never feeds anything but this hash.
 */
export function swarmPrologue (secret: Uint8Array): Uint8Array {
  return createHash('sha256').update('precache/swarm-key/1\n').update(secret).digest()
}

/**
 * Explains a failed dial to an operator: a noise handshake that fails to
 * decrypt almost always means the two nodes hold different swarm keys.
 */
export function explainDialError (err: unknown): string {
  if (/handshake/i.test(errorMessage(err)) && /decrypt/i.test(errorMessage(err))) {
    return `the connection handshake failed (${errorMessage(err)}): check that both nodes use the same swarm key file`
  }
  return errorMessage(err)
}
