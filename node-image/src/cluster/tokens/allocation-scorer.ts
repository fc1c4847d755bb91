// Scoring of token layouts for the replication-aware allocator, on one datacenter's ring given as
// ring fractions and unit (node) ids. Replicated ownership follows NetworkTopologyStrategy's
// single-DC rule exactly (rfLeft = min(rf, nodes), rack repeats = rf - racks). The score is the
// squared relative deviation of every node's ownership from ideal (weighted more where later
// tokens cannot repair it) plus a small per-token span term. `scoreFull` evaluates a layout from
// scratch in O(T x walk); IncrementalScorer scores "base ring + one new token" by recomputing only
// the ranges whose replica walk passes the new token, which is what makes allocation affordable on
// large rings. Both must agree (allocation-scorer.test.ts checks it).
import { assert } from '../../lib/index.ts';

/** Weight of deviations later tokens cannot undo, relative to those they can. */
export const IRREVERSIBLE_WEIGHT = 10;
/** Weight of the per-token span term while the node still gets tokens. */
export const TOKEN_WEIGHT = 0.1;
/** The same once the node has all its tokens (refinement): mostly node balance. */
export const FINAL_TOKEN_WEIGHT = 0.02;

export interface ScoringSetup {
  /** Rack id of every unit, units numbered 0..count-1. */
  readonly rackOfUnit: readonly number[];
  readonly rf: number;
  /** The joining unit: it only gains ownership, every other unit only loses. */
  readonly newUnit: number;
}

interface Params {
  readonly present: readonly number[];
  readonly ideal: Float64Array;
  readonly rfLeft: number;
  readonly repeats: number;
}

function params(setup: ScoringSetup, units: ArrayLike<number>, n: number, withNew: boolean): Params {
  const seen = new Set<number>();
  for (let j = 0; j < n; j++) seen.add(units[j]!);
  if (withNew) seen.add(setup.newUnit);
  const present = [...seen];
  const perRack = new Map<number, number>();
  for (const u of present) perRack.set(setup.rackOfUnit[u]!, (perRack.get(setup.rackOfUnit[u]!) ?? 0) + 1);
  const racks = perRack.size;
  const ideal = new Float64Array(setup.rackOfUnit.length);
  for (const u of present) {
    ideal[u] = racks >= setup.rf ? setup.rf / racks / perRack.get(setup.rackOfUnit[u]!)! : setup.rf / present.length;
  }
  return { present, ideal, rfLeft: Math.min(setup.rf, present.length), repeats: setup.rf - racks };
}

function unitTerm(setup: ScoringSetup, p: Params, ownOf: (u: number) => number, final: boolean): number {
  let score = 0;
  for (const u of p.present) {
    const ideal = p.ideal[u]!;
    const d = (ownOf(u) - ideal) / ideal;
    // Old nodes only lose ownership as tokens are added and the new node only gains, so before
    // the last token an old node below ideal, or the new node above it, cannot be repaired.
    const irreversible = !final && (u === setup.newUnit ? d > 0 : d < 0);
    score += (irreversible ? IRREVERSIBLE_WEIGHT : 1) * d * d;
  }
  return score;
}

function tokenTerm(p: Params, n: number, sum: number, sumSquares: number, final: boolean): number {
  const ideal = p.rfLeft / n;
  // sum over tokens of ((t - ideal) / ideal)^2, from the sums of t and t^2
  const relative = (sumSquares - 2 * ideal * sum + n * ideal * ideal) / (ideal * ideal);
  return ((final ? FINAL_TOKEN_WEIGHT : TOKEN_WEIGHT) * Math.max(0, relative) * p.present.length) / n;
}

/** Walk state shared by both scorers: per-walk stamps avoid clearing sets. */
class WalkScratch {
  private readonly unitStamp: Int32Array;
  private readonly rackStamp: Int32Array;
  private stamp = 0;

  constructor(units: number) {
    this.unitStamp = new Int32Array(units);
    this.rackStamp = new Int32Array(units);
  }

  /**
   * Accepts replicas clockwise from ring index `start` over a ring of `m` tokens whose units come
   * from `unitAt`; calls `accept(index)` for each accepted token. Returns tokens scanned, negated
   * when the walk ended without filling rfLeft.
   */
  walk(start: number, m: number, unitAt: (index: number) => number, rackOfUnit: readonly number[], p: Params, accept: (index: number) => void): number {
    const stamp = ++this.stamp;
    let left = p.rfLeft;
    let repeats = p.repeats;
    let scanned = 0;
    for (let j = start; left > 0 && scanned < m; j = j + 1 === m ? 0 : j + 1) {
      scanned++;
      const unit = unitAt(j);
      if (this.unitStamp[unit] === stamp) continue;
      const rack = rackOfUnit[unit]!;
      if (this.rackStamp[rack] !== stamp) this.rackStamp[rack] = stamp;
      else if (repeats > 0) repeats--;
      else continue;
      this.unitStamp[unit] = stamp;
      accept(j);
      left--;
    }
    return left === 0 ? scanned : -scanned;
  }
}

/** Span of the range ending at token j of an ascending ring of m tokens (index 0 wraps). */
function sizeBefore(positions: ArrayLike<number>, m: number, j: number): number {
  if (m === 1) return 1;
  return j === 0 ? positions[0]! - positions[m - 1]! + 1 : positions[j]! - positions[j - 1]!;
}

/** Score of a whole layout: `n` tokens at `positions` (ascending ring fractions in [0, 1)) owned by `units`. */
export function scoreFull(setup: ScoringSetup, positions: ArrayLike<number>, units: ArrayLike<number>, n: number, final: boolean): number {
  const p = params(setup, units, n, false);
  const own = new Float64Array(setup.rackOfUnit.length);
  const tokenOwn = new Float64Array(n);
  const scratch = new WalkScratch(setup.rackOfUnit.length);
  const unitAt = (j: number): number => units[j]!;
  for (let i = 0; i < n; i++) {
    const size = sizeBefore(positions, n, i);
    scratch.walk(i, n, unitAt, setup.rackOfUnit, p, (j) => {
      own[units[j]!] = own[units[j]!]! + size;
      tokenOwn[j] = tokenOwn[j]! + size;
    });
  }
  let sum = 0;
  let sumSquares = 0;
  for (let j = 0; j < n; j++) { sum += tokenOwn[j]!; sumSquares += tokenOwn[j]! * tokenOwn[j]!; }
  return unitTerm(setup, p, (u) => own[u]!, final) + tokenTerm(p, n, sum, sumSquares, final);
}

/**
 * Scores "base ring + one token of the new unit" without recomputing unaffected ranges. Call
 * setBase after every change of the base ring.
 */
export class IncrementalScorer {
  private readonly setup: ScoringSetup;
  private readonly scratch: WalkScratch;
  private n = 0;
  private positions: readonly number[] = [];
  private units: readonly number[] = [];
  private baseParams: Params | null = null;
  private insertParams: Params | null = null;
  private own = new Float64Array(0);
  private tokenOwn = new Float64Array(0);
  private sizes = new Float64Array(0);
  private sum = 0;
  private sumSquares = 0;
  /** Tokens accepted by each range's walk: accepted[k * rf + a]. */
  private accepted = new Int32Array(0);
  private acceptedCount = new Int32Array(0);
  /** gapRanges[i]: ranges whose walk passes the gap just before token i. */
  private gapRanges: number[][] = [];
  private incremental = false;
  // Per-candidate scratch.
  private readonly unitDelta: Float64Array;
  private tokenDelta = new Float64Array(0);
  private touchedTokens: number[] = [];

  constructor(setup: ScoringSetup) {
    this.setup = setup;
    this.scratch = new WalkScratch(setup.rackOfUnit.length);
    this.unitDelta = new Float64Array(setup.rackOfUnit.length);
  }

  setBase(positions: readonly number[], units: readonly number[]): void {
    const n = positions.length;
    const rf = this.setup.rf;
    this.n = n;
    this.positions = positions;
    this.units = units;
    const base = params(this.setup, units, n, false);
    const withNew = params(this.setup, units, n, true);
    this.baseParams = base;
    this.insertParams = withNew;
    // Adding the new unit must not change the walk rules, and every base walk must complete;
    // otherwise candidates are scored from scratch.
    this.incremental = n > 0 && base.rfLeft === withNew.rfLeft && base.repeats === withNew.repeats;
    this.own = new Float64Array(this.setup.rackOfUnit.length);
    this.tokenOwn = new Float64Array(n);
    this.tokenDelta = new Float64Array(n);
    this.sizes = new Float64Array(n);
    this.accepted = new Int32Array(n * rf);
    this.acceptedCount = new Int32Array(n);
    this.gapRanges = Array.from({ length: n }, () => []);
    const unitAt = (j: number): number => units[j]!;
    for (let k = 0; k < n; k++) {
      const size = sizeBefore(positions, n, k);
      this.sizes[k] = size;
      const scanned = this.scratch.walk(k, n, unitAt, this.setup.rackOfUnit, base, (j) => {
        this.own[units[j]!] = this.own[units[j]!]! + size;
        this.tokenOwn[j] = this.tokenOwn[j]! + size;
        this.accepted[k * rf + this.acceptedCount[k]!] = j;
        this.acceptedCount[k] = this.acceptedCount[k]! + 1;
      });
      if (scanned < 0) this.incremental = false;
      // The walk scanned tokens k .. k + scanned - 1: it passes the gaps before k+1 .. k+scanned-1.
      for (let d = 1; d < Math.abs(scanned); d++) this.gapRanges[(k + d) % n]!.push(k);
    }
    this.sum = 0;
    this.sumSquares = 0;
    for (let j = 0; j < n; j++) { this.sum += this.tokenOwn[j]!; this.sumSquares += this.tokenOwn[j]! * this.tokenOwn[j]!; }
  }

  /** Score of the base ring itself. */
  scoreBase(final: boolean): number {
    const p = this.baseParams!;
    return unitTerm(this.setup, p, (u) => this.own[u]!, final) + tokenTerm(p, this.n, this.sum, this.sumSquares, final);
  }

  /** Score with a new-unit token at ring fraction `x`, placed just before base token `i`. */
  scoreInsert(i: number, x: number, final: boolean): number {
    const n = this.n;
    assert(i >= 0 && i < n, 'insertion index out of range');
    if (!this.incremental) return this.scoreInsertFull(i, x, final);
    const { rackOfUnit, newUnit, rf } = this.setup;
    const p = this.insertParams!;
    const m = n + 1;
    // Virtual ring: index i is the new token, base token j sits at j (< i) or j + 1 (>= i).
    const unitAt = (v: number): number => (v === i ? newUnit : this.units[v < i ? v : v - 1]!);
    let newTokenOwn = 0;
    const addToken = (v: number, amount: number): void => {
      if (v === i) { newTokenOwn += amount; this.unitDelta[newUnit] = this.unitDelta[newUnit]! + amount; return; }
      const j = v < i ? v : v - 1;
      if (this.tokenDelta[j] === 0) this.touchedTokens.push(j);
      this.tokenDelta[j] = this.tokenDelta[j]! + amount;
      this.unitDelta[this.units[j]!] = this.unitDelta[this.units[j]!]! + amount;
    };
    const removeRange = (k: number, amount: number): void => {
      for (let a = 0; a < this.acceptedCount[k]!; a++) {
        const j = this.accepted[k * rf + a]!;
        if (this.tokenDelta[j] === 0) this.touchedTokens.push(j);
        this.tokenDelta[j] = this.tokenDelta[j]! - amount;
        this.unitDelta[this.units[j]!] = this.unitDelta[this.units[j]!]! - amount;
      }
    };
    // 1. Ranges whose walk passes the new token: replace their replicas.
    for (const k of this.gapRanges[i]!) {
      const size = this.sizes[k]!;
      removeRange(k, size);
      this.scratch.walk(k < i ? k : k + 1, m, unitAt, rackOfUnit, p, (v) => addToken(v, size));
    }
    // 2. The split range keeps its replicas on a smaller span; 3. the new range before it.
    // With i = 0 the new token either tops the ring (x above the last token) or starts it.
    const previous = this.positions[(i + n - 1) % n]!;
    const newSize = i === 0 && x < previous ? x - previous + 1 : x - previous;
    assert(newSize >= 0 && newSize <= this.sizes[i]!, 'the new token must split the range before token i');
    removeRange(i, newSize);
    this.scratch.walk(i, m, unitAt, rackOfUnit, p, (v) => addToken(v, newSize));

    let sum = this.sum + newTokenOwn;
    let sumSquares = this.sumSquares + newTokenOwn * newTokenOwn;
    for (const j of this.touchedTokens) {
      const before = this.tokenOwn[j]!;
      const after = before + this.tokenDelta[j]!;
      sum += after - before;
      sumSquares += after * after - before * before;
      this.tokenDelta[j] = 0;
    }
    this.touchedTokens.length = 0;
    const score = unitTerm(this.setup, p, (u) => this.own[u]! + this.unitDelta[u]!, final) + tokenTerm(p, m, sum, sumSquares, final);
    this.unitDelta.fill(0);
    return score;
  }

  private scoreInsertFull(i: number, x: number, final: boolean): number {
    const n = this.n;
    const positions = new Float64Array(n + 1);
    const units = new Int32Array(n + 1);
    // Ascending order: the new token goes before token i, or last when it tops the ring.
    const at = i === 0 && x >= (this.positions[n - 1] ?? 1) ? n : i;
    for (let v = 0; v <= n; v++) {
      if (v === at) { positions[v] = x; units[v] = this.setup.newUnit; continue; }
      const j = v < at ? v : v - 1;
      positions[v] = this.positions[j]!;
      units[v] = this.units[j]!;
    }
    return scoreFull(this.setup, positions, units, n + 1, final);
  }
}
