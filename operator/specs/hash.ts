// Stable hashing of plain data: keys sorted, so equal data hashes equal whatever the key order.
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
