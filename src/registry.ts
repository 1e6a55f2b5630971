import { UnknownBackendError } from './errors.js'

/**
 * A registry of named backends (Kraken style): implementations register a
 * factory under a name and configuration picks one by that name.
 */
export interface Registry<Factory> {
  register: (name: string, factory: Factory) => void
  get: (name: string) => Factory
  names: () => string[]
}

export function createRegistry<Factory> (kind: string): Registry<Factory> {
  const factories = new Map<string, Factory>()
  return {
    register (name, factory) {
      factories.set(name, factory)
    },
    get (name) {
      const factory = factories.get(name)
      if (factory == null) {
        throw new UnknownBackendError(`unknown ${kind} "${name}": choose one of ${[...factories.keys()].sort().join(', ')}`)
      }
      return factory
    },
    names () {
      return [...factories.keys()].sort()
    }
  }
}
