// Left-aligned text columns as nodetool prints them: each column as wide as its widest cell, cells
// separated by `gap` spaces, trailing spaces trimmed.

export function formatColumns(rows: ReadonlyArray<readonly string[]>, gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]! + gap))).join('').trimEnd());
}
