/**
 * The one image-id rule. An image id travels in announcements and manifests
 * and becomes a file name on every host (staging folder, cache folder), so it
 * is 1–255 characters from `[A-Za-z0-9._-]` and never `.` or `..`.
 */

/** Longest image id accepted */
export const MAX_IMAGE_ID_LENGTH = 255

const ID_CHARS = /^[A-Za-z0-9._-]+$/

/** True when `id` is a usable image id (see the module header) */
export function isImageId (id: unknown): id is string {
  return typeof id === 'string' && id.length >= 1 && id.length <= MAX_IMAGE_ID_LENGTH &&
    ID_CHARS.test(id) && id !== '.' && id !== '..'
}

/**
 * The image id for a file name: characters other than letters, digits, `.`,
 * `_` and `-` become `_`. The result may still break the rule (too long, or
 * `.`/`..`); callers check it with isImageId.
 */
export function imageIdFromName (name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_')
}
