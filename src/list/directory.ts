import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { InputFileError } from '../errors.js'
import { requireOption } from '../config/load.js'
import { imageIdFromName } from '../image/id.js'
import { listers } from './lister.js'
import type { ImageLister, ImageRef, ListerComponents } from './lister.js'

/**
 * The directory lister: every regular file in a folder is an image whose id
 * is its file name (characters other than letters, digits, `.`, `_` and `-`
 * become `_`). Hidden files and `.part` files are skipped.
 */
export function directoryLister (init: { dir: string }): ImageLister {
  return {
    async validate () {
      const s = await stat(init.dir).catch((err: any) => {
        throw new InputFileError(`images folder ${init.dir} cannot be used: ${err.code ?? err.message}; set --images to a readable folder`)
      })
      if (!s.isDirectory()) throw new InputFileError(`images folder ${init.dir} is not a folder; set --images to a readable folder`)
      await readdir(init.dir).catch((err: any) => {
        throw new InputFileError(`images folder ${init.dir} cannot be read: ${err.code ?? err.message}`)
      })
    },
    async list (): Promise<ImageRef[]> {
      let names: string[]
      try {
        names = await readdir(init.dir)
      } catch (err: any) {
        throw new InputFileError(`cannot read images folder ${init.dir}: ${err.code ?? err.message}`)
      }
      const refs: ImageRef[] = []
      for (const name of names.sort()) {
        if (name.startsWith('.') || name.endsWith('.part')) continue
        const s = await stat(join(init.dir, name)).catch(() => undefined)
        if (s?.isFile() !== true) continue
        refs.push({ id: imageIdFromName(name), name, size: s.size })
      }
      return refs
    }
  }
}

listers.register('directory', (c: ListerComponents) => directoryLister({ dir: requireOption(c.config, 'seeder', 'images_dir') }))
