// Splits a partition range (as the CQL layer asks for it: never wrapping, positions with optional
// keys) at the ring's tokens, so each piece lies in one ring range and has one replica set
// (StorageProxy's range iterator). Pieces come in ring order, cover exactly the requested range,
// and each names the ring token whose range holds it (`ringToken`, for the replica lookup).
import type { Token, TokenMetadata } from '../cluster/index.ts';
import { assert } from '../lib/index.ts';
import type { PartitionPosition } from '../storage/index.ts';

export interface RangePiece {
  readonly start: PartitionPosition;
  readonly startInclusive: boolean;
  readonly end: PartitionPosition;
  readonly endInclusive: boolean;
  /** The ring token ending the ring range that holds this piece. */
  readonly ringToken: bigint;
}

export interface RangeSelector {
  readonly start: PartitionPosition;
  readonly startInclusive: boolean;
  readonly end: PartitionPosition;
  readonly endInclusive: boolean;
}

/** Pieces at most: one per ring range plus the wrap-around one. */
export function splitAtRingTokens(range: RangeSelector, ring: TokenMetadata): RangePiece[] {
  const tokens = ring.sortedTokens;
  assert(tokens.length > 0, 'a range read needs a ring with tokens');
  const out: RangePiece[] = [];
  let start = range.start;
  let startInclusive = range.startInclusive;
  const end = range.end;
  for (let guard = 0; guard <= tokens.length + 1; guard++) {
    // The ring range holding the first position of the piece: (prev, T] with T >= that token, or
    // the wrap-around range past the last token (it ends at tokens[0]).
    let index = ring.firstTokenIndex(start.token as Token);
    const t = tokens[index]!;
    if (t === start.token && start.key === null && !startInclusive) {
      // Starting after every key of token T: the piece begins in the next ring range.
      if (index + 1 < tokens.length) index++;
      else index = -1; // past the last token: wrap-around range
    } else if (t < start.token) {
      index = -1;
    }
    const ringToken = index < 0 ? tokens[0]! : tokens[index]!;
    const pieceEndToken = index < 0 ? null : tokens[index]!;
    if (pieceEndToken === null || pieceEndToken >= end.token) {
      out.push({ start, startInclusive, end, endInclusive: range.endInclusive, ringToken });
      return out;
    }
    const pieceEnd: PartitionPosition = { token: pieceEndToken, key: null };
    out.push({ start, startInclusive, end: pieceEnd, endInclusive: true, ringToken });
    start = pieceEnd;
    startInclusive = false;
  }
  assert(false, 'range split did not terminate');
  return out;
}
