/**
 * Reading JSON (or YAML) that came from outside: values are `unknown` until a
 * field is checked, never `any`.
 */

/**
 * UTF-8 JSON of at most `max` bytes that came from the network, not yet
 * checked; `fail` (which throws the caller's decode error) for anything else
 */
export function parseJsonBytes (bytes: Uint8Array, max: number, fail: (why: string) => never): unknown {
  if (bytes.length > max) fail('too large')
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    return fail('not UTF-8 JSON')
  }
}

/** A parsed JSON object whose fields are not yet checked */
export type JsonRecord = Readonly<Record<string, unknown>>

/** `v` as an object whose fields can be read (an empty one when `v` is not an object) */
export function asRecord (v: unknown): JsonRecord {
  return v != null && typeof v === 'object' && !Array.isArray(v) ? v as JsonRecord : {}
}

/** True when `v` is a whole number from `min` up to Number.MAX_SAFE_INTEGER */
export function isWholeNumber (v: unknown, min = 0): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= min
}

/** `v` when it is a string, else undefined */
export function optionalString (v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined
}
