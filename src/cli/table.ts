/** Plain-text tables for the CLI: columns padded to their widest cell, two spaces apart */
export function formatRows (rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map(r => (r[c] ?? '').length)))
  return rows.map(r => r.map((cell, c) => c === r.length - 1 ? cell : cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n') + '\n'
}
