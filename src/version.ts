/** precache's version (package.json), reported in metrics and fleet reports */
export const VERSION = '0.1.0'
