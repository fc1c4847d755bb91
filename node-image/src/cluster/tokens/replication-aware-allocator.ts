// Replication-aware token allocation for a joining node, in the spirit of Cassandra's
// ReplicationAwareTokenAllocator (spec 2.5) but our own method. Within the node's datacenter:
//  - ownership is the replicated ownership NetworkTopologyStrategy gives for the target RF, computed
//    exactly with its single-DC placement rule (racks first, then rack repeats);
//  - ideal ownership is RF/nodes per node, or, with at least RF racks, an equal share per rack split
//    evenly among its nodes;
//  - each new token goes, greedily, to the candidate split point (1/4, 1/2 or 3/4 of an existing
//    range) minimising a score: squared relative deviation of every node's ownership from ideal
//    (deviations later tokens cannot undo, an old node below ideal or the new node above it, weigh
//    more) plus a small term for uneven per-token replicated spans, which keeps later joins
//    balanceable; then a few refinement passes move each new token to its best position.
// Until the DC has RF nodes every node replicates everything: tokens split the largest ranges (the
// first node spaces its tokens evenly from a random offset). Cost per token: O(C x T x RF) for
// T tokens in the DC and C = 3T candidates.
import { assert } from '../../lib/index.ts';
import type { Random } from '../../io/index.ts';
import type { EndpointAddress } from '../endpoint.ts';
import type { TokenMetadata } from '../token-metadata.ts';
import { MIN_TOKEN, RING_WIDTH, type Token, compareTokens } from '../token-range.ts';

/** Tokens in one DC beyond which the search is refused (callers fall back to random tokens). */
export const ALLOCATION_DC_TOKENS_MAX = 2048;
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

/** Weight of deviations later tokens cannot undo, relative to those they can. */
const IRREVERSIBLE_WEIGHT = 10;
/** Weight of the per-token span term relative to the per-node term. */
const TOKEN_WEIGHT = 0.1;
/** The same, once the node has all its tokens (refinement): mostly node balance. */
const FINAL_TOKEN_WEIGHT = 0.02;
/**
 * Split points tried in every range, as quarters of its width. Midpoints only: trying 1/4 and 3/4
 * as well tripled the cost for no measurable gain (spread within 1%).
 */
const SPLIT_QUARTERS = [2n] as const;
const RING = Number(RING_WIDTH);

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
  const scorer = new Scorer(rackOfUnit, replicationFactor, newUnit);
  for (let k = 0; k < numTokens; k++) {
    if (new Set([...ring.units, newUnit]).size <= replicationFactor) {
      const i = largestRange(ring);
      assert(i >= 0, 'no range left to split');
      insert(ring, splitPoint(ring, i, 2n), newUnit);
    } else {
      const best = scorer.bestCandidate(ring, false);
      assert(best !== null, 'no range left to split');
      insert(ring, best.offset, newUnit);
    }
  }
  refine(ring, scorer, newUnit);
  const tokens: Token[] = [];
  for (let i = 0; i < ring.offsets.length; i++) if (ring.units[i] === newUnit) tokens.push(toToken(ring.offsets[i]!));
  assert(tokens.length === numTokens, 'allocated token count mismatch');
  return tokens.sort(compareTokens);
}

/** Moves each of the new node's tokens to its best position while that improves the final score. */
function refine(ring: Ring, scorer: Scorer, newUnit: number): void {
  if (new Set(ring.units).size <= scorer.rf) return;
  for (let pass = 0; pass < ALLOCATION_REFINE_PASSES_MAX; pass++) {
    let improved = false;
    const mine = ring.offsets.filter((_, i) => ring.units[i] === newUnit);
    for (const offset of mine) {
      const before = scorer.score(ring, null, true);
      const at = ring.offsets.indexOf(offset);
      ring.offsets.splice(at, 1);
      ring.positions.splice(at, 1);
      ring.units.splice(at, 1);
      const best = scorer.bestCandidate(ring, true);
      if (best !== null && best.score < before - 1e-12) {
        insert(ring, best.offset, newUnit);
        improved = true;
      } else {
        insert(ring, offset, newUnit);
      }
    }
    if (!improved) return;
  }
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

interface Candidate {
  readonly offset: bigint;
  readonly score: number;
}

/** Scores layouts; reuses its buffers across evaluations. */
class Scorer {
  readonly rf: number;
  private readonly rackOfUnit: readonly number[];
  private readonly newUnit: number;
  private readonly ownership: Float64Array;
  private readonly unitStamp: Int32Array;
  private readonly rackStamp: Int32Array;
  private stamp = 0;
  private positions = new Float64Array(0);
  private units = new Int32Array(0);
  private tokenOwnership = new Float64Array(0);

  constructor(rackOfUnit: readonly number[], rf: number, newUnit: number) {
    this.rackOfUnit = rackOfUnit;
    this.rf = rf;
    this.newUnit = newUnit;
    this.ownership = new Float64Array(rackOfUnit.length);
    this.unitStamp = new Int32Array(rackOfUnit.length);
    this.rackStamp = new Int32Array(rackOfUnit.length);
  }

  /** The best split point over every range, for a token of the new unit. */
  bestCandidate(ring: Ring, final: boolean): Candidate | null {
    let best: Candidate | null = null;
    for (let i = 0; i < ring.offsets.length; i++) {
      if (widthAt(ring, i) < 4n) continue;
      for (const q of SPLIT_QUARTERS) {
        const offset = splitPoint(ring, i, q);
        const score = this.score(ring, offset, final);
        if (best === null || score < best.score) best = { offset, score };
      }
    }
    return best;
  }

  /** Score of the ring with an extra new-unit token at `extra` (null: as is). */
  score(ring: Ring, extra: bigint | null, final: boolean): number {
    const n = ring.offsets.length + (extra === null ? 0 : 1);
    if (this.positions.length < n) {
      this.positions = new Float64Array(2 * n);
      this.units = new Int32Array(2 * n);
      this.tokenOwnership = new Float64Array(2 * n);
    }
    const positions = this.positions;
    const units = this.units;
    let w = 0;
    let pending = extra === null ? Number.NaN : Number(extra) / RING;
    for (let j = 0; j < ring.positions.length; j++) {
      const p = ring.positions[j]!;
      if (pending < p) { positions[w] = pending; units[w++] = this.newUnit; pending = Number.NaN; }
      positions[w] = p;
      units[w++] = ring.units[j]!;
    }
    if (!Number.isNaN(pending)) { positions[w] = pending; units[w++] = this.newUnit; }
    return this.evaluate(n, final);
  }

  private evaluate(n: number, final: boolean): number {
    const { positions, units, ownership: own, tokenOwnership: tokenOwn, rackOfUnit } = this;
    own.fill(0);
    tokenOwn.fill(0, 0, n);
    const present = new Set<number>();
    for (let j = 0; j < n; j++) present.add(units[j]!);
    const unitsPerRack = new Map<number, number>();
    for (const u of present) unitsPerRack.set(rackOfUnit[u]!, (unitsPerRack.get(rackOfUnit[u]!) ?? 0) + 1);
    const nodes = present.size;
    const racks = unitsPerRack.size;
    const rfLeftInitial = Math.min(this.rf, nodes);
    const repeatsInitial = this.rf - racks;
    for (let i = 0; i < n; i++) {
      let size = positions[i]! - positions[(i + n - 1) % n]!;
      if (size <= 0) size += 1;
      const stamp = ++this.stamp;
      let left = rfLeftInitial;
      let repeats = repeatsInitial;
      for (let step = 0, j = i; left > 0 && step < n; step++, j = j + 1 === n ? 0 : j + 1) {
        const unit = units[j]!;
        if (this.unitStamp[unit] === stamp) continue;
        const rack = rackOfUnit[unit]!;
        if (this.rackStamp[rack] !== stamp) this.rackStamp[rack] = stamp;
        else if (repeats > 0) repeats--;
        else continue;
        this.unitStamp[unit] = stamp;
        own[unit] = own[unit]! + size;
        tokenOwn[j] = tokenOwn[j]! + size;
        left--;
      }
    }
    let score = 0;
    for (const u of present) {
      const ideal = racks >= this.rf ? this.rf / racks / unitsPerRack.get(rackOfUnit[u]!)! : this.rf / nodes;
      const d = (own[u]! - ideal) / ideal;
      // Old nodes only lose ownership as tokens are added and the new node only gains, so before
      // the last token an old node below ideal, or the new node above it, cannot be repaired.
      const irreversible = !final && (u === this.newUnit ? d > 0 : d < 0);
      score += (irreversible ? IRREVERSIBLE_WEIGHT : 1) * d * d;
    }
    const tokenIdeal = rfLeftInitial / n;
    let tokenScore = 0;
    for (let j = 0; j < n; j++) {
      const d = (tokenOwn[j]! - tokenIdeal) / tokenIdeal;
      tokenScore += d * d;
    }
    return score + ((final ? FINAL_TOKEN_WEIGHT : TOKEN_WEIGHT) * tokenScore * nodes) / n;
  }
}
