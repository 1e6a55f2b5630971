/**
 * Typed errors. Each failure condition has its own class with a stable `.name`
 * (js-libp2p style) and a message that tells the operator what to do.
 */

export class PrecacheError extends Error {
  override readonly name: string = 'PrecacheError'
  /** process exit code the CLI uses when this error reaches the top */
  readonly exitCode: number = 1
}

function define (name: string, exitCode = 1): new (message: string, options?: ErrorOptions) => PrecacheError {
  const cls = class extends PrecacheError {
    static override readonly name = name
    override readonly name = name
    override readonly exitCode = exitCode
  }
  Object.defineProperty(cls, 'name', { value: name })
  return cls
}

/** Bad configuration or command-line input (exit code 2) */
export const ConfigError = define('ConfigError', 2)
/** A file or folder the operator named cannot be used */
export const InputFileError = define('InputFileError', 2)
/** A wire message or manifest could not be decoded: the remote sent garbage */
export const WireDecodeError = define('WireDecodeError')
/** A block's bytes do not hash to the value in the manifest */
export const BlockHashMismatchError = define('BlockHashMismatchError')
/** Our own stored copy of a block (a served source file, a placed image, a `.part`) no longer matches the manifest */
export const CorruptCopyError = define('CorruptCopyError')
/** The assembled image does not hash to the manifest's whole-image hash */
export const ImageHashMismatchError = define('ImageHashMismatchError')
/** A manifest's signature is missing, invalid, or from a seeder we do not trust */
export const UntrustedManifestError = define('UntrustedManifestError')
/** A downloaded image does not match the checksum its source published */
export const ChecksumMismatchError = define('ChecksumMismatchError')
/** A remote service (Glance, Swift, Keystone, HTTP) answered with an error */
export const RemoteServiceError = define('RemoteServiceError')
/** A remote service rejected our credentials */
export const AuthenticationError = define('AuthenticationError')
/** A remote service could not be reached at all */
export const UnreachableError = define('UnreachableError')
/** An image is in a form the cache driver refuses (e.g. qcow2 with a backing file) */
export const UnsupportedImageError = define('UnsupportedImageError')
/** Another precache process holds the state folder's lock (exit code 2) */
export const StateDirLockedError = define('StateDirLockedError', 2)
/** A listen address cannot be bound: port in use, privileged port, address not on this host (exit code 2) */
export const ListenError = define('ListenError', 2)
/** A name given for a plug-in (lister, fetcher, cache driver) is unknown */
export const UnknownBackendError = define('UnknownBackendError', 2)
/** The operation was aborted by the caller's AbortSignal */
export const AbortedError = define('AbortError')
/** A seeder did not answer a catalogue request in time (the peer retries on the next connection or announcement) */
export const CatalogueTimeoutError = define('CatalogueTimeoutError')
/** An announcement or catalogue is not signed by a trusted seeder, or its signature is bad (a relay cannot forge one) */
export const UntrustedAnnouncementError = define('UntrustedAnnouncementError')
/** A bulk data channel sent bytes that break its framing (SPEC.md, bulk channel) */
export const BulkDecodeError = define('BulkDecodeError')
/** A bulk data channel could not be opened or was refused (block data then goes over the libp2p stream) */
export const BulkChannelError = define('BulkChannelError')
/** Two nodes have different `[swarm] data_encryption` settings: they cannot exchange blocks */
export const DataEncryptionMismatchError = define('DataEncryptionMismatchError', 2)
/** Not enough disk space to place an image */
export const NoSpaceError = define('NoSpaceError')

/** An OS error's code (ENOENT, EACCES, …), else the message: short enough for an operator-facing line */
export function errorCode (err: unknown): string {
  const e = err as { code?: unknown, message?: unknown } | null | undefined
  if (typeof e?.code === 'string') return e.code
  return errorMessage(err)
}

/** Anything thrown, as an Error (for APIs such as stream.abort that take one) */
export function asError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/** The `name` of anything thrown ('AbortError', 'AuthenticationError', …), or undefined */
export function errorName (err: unknown): string | undefined {
  const n = (err as { name?: unknown } | null | undefined)?.name
  return typeof n === 'string' ? n : undefined
}

/** The `cause` of anything thrown (fetch puts the socket error there) */
export function errorCause (err: unknown): unknown {
  return (err as { cause?: unknown } | null | undefined)?.cause
}

/** The message of anything thrown */
export function errorMessage (err: unknown): string {
  const m = (err as { message?: unknown } | null | undefined)?.message
  return typeof m === 'string' ? m : String(err)
}

/** Throws the signal's reason as an AbortedError when it has been aborted */
export function throwIfAborted (signal?: AbortSignal): void {
  if (signal?.aborted === true) {
    throw new AbortedError('operation aborted', { cause: signal.reason })
  }
}
