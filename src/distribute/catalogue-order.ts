/**
 * Which signed announcements are news (SPEC.md §1, "Relayed announcements"):
 * a relay cannot forge an announcement, but it can replay an old one. Every
 * announcement carries its seeder's sequence number `seq`; per trusted seeder
 * a peer keeps
 *
 * - the seq of the last catalogue it applied: a catalogue is applied only if
 *   it is newer than that one and not older than any announcement already
 *   applied (a catalogue that predates a `cache` it crossed could otherwise
 *   withdraw that image);
 * - per image, the seq of the last cache/withdraw applied: an announcement
 *   about an image is applied only if it is newer than both that and the
 *   last catalogue (which already says everything older).
 *
 * Memory is bounded: at most `maxImages` per-image entries per seeder; when
 * one is forgotten the floor rises to its seq, so forgetting can only make
 * the peer refuse an old announcement, never accept a replay.
 */

/** Per-image entries remembered per seeder between two catalogues. @default 4096 */
export const DEFAULT_MAX_ORDER_IMAGES = 4096

export type Verdict = 'apply' | 'stale'

export interface AnnouncementOrder {
  /** decides whether an announcement from `seeder` is news, and if so records it */
  check: (seeder: string, a: { type: string, seq: number, imageId?: string }) => Verdict
  /** the seq of the newest catalogue applied from `seeder` (0: none) */
  catalogueSeq: (seeder: string) => number
  /** the newest seq applied from `seeder`, any type (0: none) */
  newest: (seeder: string) => number
}

interface SeederOrder { catalogue: number, floor: number, max: number, images: Map<string, number> }

export function createAnnouncementOrder (init: { maxImages?: number } = {}): AnnouncementOrder {
  const maxImages = init.maxImages ?? DEFAULT_MAX_ORDER_IMAGES
  const seeders = new Map<string, SeederOrder>()
  const of = (seeder: string): SeederOrder => {
    let s = seeders.get(seeder)
    if (s == null) { s = { catalogue: 0, floor: 0, max: 0, images: new Map() }; seeders.set(seeder, s) }
    return s
  }
  return {
    check (seeder, a) {
      const s = of(seeder)
      if (a.type === 'catalogue') {
        if (a.seq <= s.catalogue || a.seq <= s.floor || a.seq < s.max) return 'stale'
        s.catalogue = s.floor = s.max = a.seq
        s.images.clear()
        return 'apply'
      }
      const id = a.imageId ?? ''
      if (a.seq <= s.floor || a.seq <= (s.images.get(id) ?? 0)) return 'stale'
      s.images.delete(id)
      s.images.set(id, a.seq)
      s.max = Math.max(s.max, a.seq)
      while (s.images.size > maxImages) {
        const [oldest, seq] = s.images.entries().next().value as [string, number]
        s.images.delete(oldest)
        s.floor = Math.max(s.floor, seq)
      }
      return 'apply'
    },
    catalogueSeq: (seeder) => seeders.get(seeder)?.catalogue ?? 0,
    newest: (seeder) => seeders.get(seeder)?.max ?? 0
  }
}
