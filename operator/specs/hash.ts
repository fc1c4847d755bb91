// Stable hashing and equality of plain data: keys sorted (or compared as sets), so equal data is
// equal whatever the key order; keys whose value is undefined do not count.
import { createHash } from 'node:crypto';

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

/** First `chars` hex characters of sha256 over the stable form. */
export function hashOf(value: unknown, chars = 10): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, chars);
}

/** Structural equality of JSON-like data without serialising it (short-circuits on the first difference). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let countX = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    countX++;
    if (!deepEqual(x[k], y[k])) return false;
  }
  let countY = 0;
  for (const k in y) if (y[k] !== undefined) countY++;
  return countX === countY;
}
