// Raw token ownership (nodetool status "Owns" without a keyspace): each token owns the range from
// the previous token (exclusive) to itself (inclusive), wrapping around; an endpoint owns the sum
// of its tokens' ranges as a fraction of the 2^64 ring. Fractions of all endpoints sum to 1.
import { assert } from '../../lib/index.ts';

const RING_WIDTH = 1n << 64n;

export interface OwnedToken {
  readonly token: bigint;
  readonly address: string;
}

/** Sorted by token (signed order), as the contract's Ring.tokens. */
export function sortTokens<T extends OwnedToken>(tokens: readonly T[]): T[] {
  return [...tokens].sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
}

/** Fraction of the ring (0..1) each address owns; empty when there are no tokens. */
export function tokenOwnership(tokens: readonly OwnedToken[]): Map<string, number> {
  const sorted = sortTokens(tokens);
  const owned = new Map<string, bigint>();
  for (let i = 0; i < sorted.length; i++) {
    const current = sorted[i]!;
    const previous = sorted[(i - 1 + sorted.length) % sorted.length]!;
    // A single token owns the whole ring; otherwise the gap to the previous token, modulo 2^64.
    const width = sorted.length === 1 ? RING_WIDTH : (((current.token - previous.token) % RING_WIDTH) + RING_WIDTH) % RING_WIDTH;
    owned.set(current.address, (owned.get(current.address) ?? 0n) + width);
  }
  const out = new Map<string, number>();
  let total = 0n;
  for (const [address, width] of owned) {
    total += width;
    out.set(address, Math.min(1, Number(width) / Number(RING_WIDTH)));
  }
  assert(sorted.length === 0 || total === RING_WIDTH, 'token ranges cover the ring exactly once');
  return out;
}
