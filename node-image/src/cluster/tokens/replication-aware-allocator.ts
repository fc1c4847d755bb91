// Replication-aware token allocation for a joining node, in the spirit of Cassandra's
// ReplicationAwareTokenAllocator (spec 2.5) but our own method. Within the node's datacenter:
//  - ownership is the replicated ownership NetworkTopologyStrategy gives for the target RF, computed
//    exactly with its single-DC placement rule (racks first, then rack repeats);
//  - ideal ownership is RF/nodes per node, or, with at least RF racks, an equal share per rack split
//    evenly among its nodes;
//  - each new token goes, greedily, to the range midpoint minimising a score (allocation-scorer.ts):
//    squared relative deviation of every node's ownership from ideal (deviations later tokens
//    cannot undo, an old node below ideal or the new node above it, weigh more) plus a small term
//    for uneven per-token replicated spans, which keeps later joins balanceable; then a few
//    refinement passes move each new token to its best midpoint. (Trying 1/4 and 3/4 split points
//    as well tripled the cost for no measurable gain.)
//  - a token lands at its midpoint moved by a random amount of at most 1/1024 of the range: nodes
//    that allocate at the same time from the same view of the ring (a cluster whose nodes start
//    together) then choose distinct tokens instead of identical ones, which the ring's collision
//    rule would resolve by leaving one of them out of every ring for good.
// Until the DC has RF nodes every node replicates everything: tokens split the largest ranges (the
// first node spaces its tokens evenly from a random offset). Cost per token: T candidates, each
// scored incrementally from the few ranges whose replica walk crosses it, plus O(T x walk) per
// base ring: about O(T x (walk + nodes)) for T tokens in the DC.
import { assert } from '../../lib/index.ts';
import type { Random } from '../../io/index.ts';
import type { EndpointAddress } from '../endpoint.ts';
import type { TokenMetadata } from '../token-metadata.ts';
import { MIN_TOKEN, RING_WIDTH, type Token, compareTokens } from '../token-range.ts';
import { IncrementalScorer } from './allocation-scorer.ts';

/** Tokens in one DC beyond which the search is refused (callers fall back to random tokens). */
export const ALLOCATION_DC_TOKENS_MAX = 4096;
/** Refinement passes over the new node's tokens after the greedy placement. */
export const ALLOCATION_REFINE_PASSES_MAX = 3;

export interface AllocationRequest {
  /** The ring the node joins; the node must be registered (dc, rack) but own no tokens. */
  readonly metadata: TokenMetadata;
  readonly endpoint: EndpointAddress;
  readonly numTokens: number;
  /** allocate_tokens_for_local_replication_factor: the RF to balance for in the node's DC. */
  readonly replicationFactor: number;
  readonly random: Random;
}

const RING = Number(RING_WIDTH);
/** A token goes at most width >> SPLIT_JITTER_SHIFT away from its range's midpoint (1/1024 of it). */
export const SPLIT_JITTER_SHIFT = 10n;
/** Narrowest range (ring fraction, about 2^24 tokens) the allocator still splits. */
const MIN_SCORED_WIDTH = 2 ** -40;

/** The DC's tokens as parallel arrays sorted by offset (token - MIN, unsigned). */
interface Ring {
  offsets: bigint[];
  /** offsets as fractions of the ring, kept in step (scoring works on floats). */
  positions: number[];
  units: number[];
}

export function allocateTokens(request: AllocationRequest): Token[] {
  const { metadata, endpoint, numTokens, replicationFactor } = request;
  assert(Number.isInteger(numTokens) && numTokens >= 1, `num_tokens must be >= 1: ${numTokens}`);
  assert(Number.isInteger(replicationFactor) && replicationFactor >= 1, `bad replication factor ${replicationFactor}`);
  const self = metadata.endpoint(endpoint);
  assert(self !== undefined, `${endpoint} must be registered before allocating its tokens`);
  assert(!metadata.isMember(endpoint), `${endpoint} already owns tokens`);

  // The DC's members become units 0..n-1; the new node is unit n.
  const members = metadata.topology().endpointsByDc.get(self.dc) ?? [];
  const unitIndex = new Map<EndpointAddress, number>(members.map((m, i) => [m, i]));
  const newUnit = members.length;
  const rackIds = new Map<string, number>();
  const rackOfUnit: number[] = [];
  for (const m of [...members, endpoint]) {
    const rack = metadata.endpoint(m)!.rack;
    if (!rackIds.has(rack)) rackIds.set(rack, rackIds.size);
    rackOfUnit.push(rackIds.get(rack)!);
  }
  const ring: Ring = { offsets: [], positions: [], units: [] };
  for (const t of metadata.sortedTokens) {
    const unit = unitIndex.get(metadata.ownerOf(t)!);
    if (unit !== undefined) insert(ring, t - MIN_TOKEN, unit);
  }
  assert(ring.offsets.length + numTokens <= ALLOCATION_DC_TOKENS_MAX, 'too many tokens in the DC for the allocator');

  if (ring.offsets.length === 0) {
    // First node of the DC: evenly spaced from a random offset.
    const start = (BigInt(request.random.nextUint32()) << 32n) | BigInt(request.random.nextUint32());
    const tokens: Token[] = [];
    for (let i = 0; i < numTokens; i++) tokens.push(toToken((start + (RING_WIDTH * BigInt(i)) / BigInt(numTokens)) % RING_WIDTH));
    return tokens.sort(compareTokens);
  }
  const scorer = new IncrementalScorer({ rackOfUnit, rf: replicationFactor, newUnit });
  for (let k = 0; k < numTokens; k++) {
    let index: number;
    if (new Set([...ring.units, newUnit]).size <= replicationFactor) {
      index = largestRange(ring);
    } else {
      index = bestCandidate(ring, scorer, false)?.index ?? -1;
    }
    assert(index >= 0, 'no range left to split');
    insert(ring, jitteredMidpoint(ring, index, request.random), newUnit);
  }
  refine(ring, scorer, replicationFactor, newUnit, request.random);
  const tokens: Token[] = [];
  for (let i = 0; i < ring.offsets.length; i++) if (ring.units[i] === newUnit) tokens.push(toToken(ring.offsets[i]!));
  assert(tokens.length === numTokens, 'allocated token count mismatch');
  return tokens.sort(compareTokens);
}

/** Moves each of the new node's tokens to its best position while that improves the final score. */
function refine(ring: Ring, scorer: IncrementalScorer, rf: number, newUnit: number, random: Random): void {
  if (new Set(ring.units).size <= rf) return;
  for (let pass = 0; pass < ALLOCATION_REFINE_PASSES_MAX; pass++) {
    let improved = false;
    const mine = ring.offsets.filter((_, i) => ring.units[i] === newUnit);
    for (const offset of mine) {
      scorer.setBase(ring.positions, ring.units);
      const before = scorer.scoreBase(true);
      const at = ring.offsets.indexOf(offset);
      ring.offsets.splice(at, 1);
      ring.positions.splice(at, 1);
      ring.units.splice(at, 1);
      const best = bestCandidate(ring, scorer, true);
      if (best !== null && best.score < before - 1e-12) {
        insert(ring, jitteredMidpoint(ring, best.index, random), newUnit);
        improved = true;
      } else {
        insert(ring, offset, newUnit);
      }
    }
    if (!improved) return;
  }
}

interface Candidate {
  /** Split the range ending at this ring index at its midpoint. */
  readonly index: number;
  readonly score: number;
}

/** The range whose midpoint is the best place for a token of the new unit. */
function bestCandidate(ring: Ring, scorer: IncrementalScorer, final: boolean): Candidate | null {
  scorer.setBase(ring.positions, ring.units);
  const n = ring.positions.length;
  let best: Candidate | null = null;
  for (let i = 0; i < n; i++) {
    if (widthAt(ring, i) < 4n) continue;
    const previous = ring.positions[(i + n - 1) % n]!;
    let width = n === 1 ? 1 : ring.positions[i]! - previous;
    if (width <= 0) width += 1;
    // Ranges narrower than float resolution cannot be scored apart: leave them alone.
    if (width < MIN_SCORED_WIDTH) continue;
    let x = previous + width / 2;
    if (x >= 1) x -= 1;
    const score = scorer.scoreInsert(i, x, final);
    if (best === null || score < best.score) best = { index: i, score };
  }
  return best;
}

function toToken(offset: bigint): Token {
  return (offset + MIN_TOKEN) as Token;
}

/** Width of the range ending at ring index i (the full ring when there is one token). */
function widthAt(ring: Ring, i: number): bigint {
  const n = ring.offsets.length;
  if (n === 1) return RING_WIDTH;
  return (ring.offsets[i]! - ring.offsets[(i + n - 1) % n]! + RING_WIDTH) % RING_WIDTH;
}

/** The offset `quarters`/4 of the way through the range ending at index i. */
function splitPoint(ring: Ring, i: number, quarters: bigint): bigint {
  const n = ring.offsets.length;
  return (ring.offsets[(i + n - 1) % n]! + (widthAt(ring, i) * quarters) / 4n) % RING_WIDTH;
}

/**
 * The midpoint of the range ending at index i, moved by a uniform amount in [-j, j] with
 * j = width >> SPLIT_JITTER_SHIFT (0 for ranges under 1024 tokens): strictly inside the range.
 */
function jitteredMidpoint(ring: Ring, i: number, random: Random): bigint {
  const middle = splitPoint(ring, i, 2n);
  const bound = widthAt(ring, i) >> SPLIT_JITTER_SHIFT;
  if (bound === 0n) return middle;
  const draw = (BigInt(random.nextUint32()) << 32n) | BigInt(random.nextUint32());
  const shift = (draw % (2n * bound + 1n)) - bound;
  return (middle + shift + RING_WIDTH) % RING_WIDTH;
}

function largestRange(ring: Ring): number {
  let best = -1;
  let bestWidth = 1n;
  for (let i = 0; i < ring.offsets.length; i++) {
    const w = widthAt(ring, i);
    if (w > bestWidth) { bestWidth = w; best = i; }
  }
  return best;
}

function insert(ring: Ring, offset: bigint, unit: number): void {
  let lo = 0;
  let hi = ring.offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ring.offsets[mid]! < offset) lo = mid + 1;
    else hi = mid;
  }
  assert(ring.offsets[lo] !== offset, 'token collision in allocation');
  ring.offsets.splice(lo, 0, offset);
  ring.positions.splice(lo, 0, Number(offset) / RING);
  ring.units.splice(lo, 0, unit);
}
