/**
 * Registers every built-in backend by name. Import this once before picking
 * backends from the registries; each implementation file registers itself.
 */
import './list/directory.js'
import './fetch/file.js'
import './cache/directory.js'
import './list/glance.js'
import './fetch/glance.js'
import './fetch/swift.js'
import './fetch/http.js'
import './cache/nova.js'
