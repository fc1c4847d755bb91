// Byte counts as nodetool prints them (Cassandra's FileUtils.stringifyFileSize): binary units,
// at most two decimals, no trailing zeros, e.g. "70.69 KiB", "1 MiB", "512 bytes".

const UNITS: ReadonlyArray<[number, string]> = [
  [1024 ** 4, 'TiB'],
  [1024 ** 3, 'GiB'],
  [1024 ** 2, 'MiB'],
  [1024, 'KiB'],
];

/** Two decimals at most, trailing zeros dropped (DecimalFormat "#.##"). */
export function decimal2(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export function formatBytes(bytes: number): string {
  for (const [size, unit] of UNITS) if (bytes >= size) return `${decimal2(bytes / size)} ${unit}`;
  return `${decimal2(bytes)} bytes`;
}
