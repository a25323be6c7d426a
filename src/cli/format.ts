/** Small text helpers for the CLI's human-readable reports. */

/** Bytes as "1.5 MB" (powers of 1000, as file managers show). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

/** Rows of cells as left-aligned columns separated by two spaces. */
export function formatTable(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** An operator as the reports write it: `Op` in the default domain, `domain::Op` otherwise. */
export function formatOp(domain: string, opType: string): string {
  return domain ? `${domain}::${opType}` : opType;
}

/** A shape as "[1, 3, 'height', ?]". */
export function formatShape(shape: readonly (number | string | null)[] | null): string {
  if (shape === null) return 'unknown rank';
  return `[${shape.map((d) => (d === null ? '?' : typeof d === 'string' ? d || '?' : String(d))).join(', ')}]`;
}
