// The table option speculative_retry (cassandra-internals.md 4.4): NONE, ALWAYS, a percentile of
// this coordinator's recent read latency for the table ('99p', '95PERCENTILE'), a fixed delay
// ('50ms'), or MIN/MAX of two such thresholds. A read still missing answers when the threshold
// elapses sends one extra request to the next candidate. Latencies are kept per table in a ring of
// the last LATENCY_SAMPLES_MAX reads; percentiles are recomputed at most once per
// PERCENTILE_REFRESH_MS. Before a table has LATENCY_SAMPLES_MIN samples a percentile policy (and a
// MIN/MAX holding one) uses the caller's default threshold, as Cassandra 4 does: its threshold
// starts at read_request_timeout / 2 and is only replaced once the latency histogram has samples.
import type { Clock } from '../io/index.ts';

export const LATENCY_SAMPLES_MAX = 256;
export const LATENCY_SAMPLES_MIN = 16;
export const PERCENTILE_REFRESH_MS = 1000;
/** Tables with a latency tracker at most (more: the oldest trackers are dropped). */
export const LATENCY_TRACKERS_MAX = 4096;

export type SpeculativeRetryPolicy =
  | { readonly kind: 'none' }
  | { readonly kind: 'always' }
  | { readonly kind: 'percentile'; readonly percentile: number }
  | { readonly kind: 'fixed'; readonly delayMs: number }
  | { readonly kind: 'min' | 'max'; readonly a: SpeculativeRetryPolicy; readonly b: SpeculativeRetryPolicy };

const DEFAULT_POLICY: SpeculativeRetryPolicy = { kind: 'percentile', percentile: 99 };

/** Parses the option text; unknown text falls back to the default (99p), as the option was validated at DDL time. */
export function parseSpeculativeRetry(text: string): SpeculativeRetryPolicy {
  return parse(text.trim().toUpperCase()) ?? DEFAULT_POLICY;
}

function parse(t: string): SpeculativeRetryPolicy | null {
  if (t === 'NONE') return { kind: 'none' };
  if (t === 'ALWAYS') return { kind: 'always' };
  let m = /^(\d+(?:\.\d+)?)\s*(P|PERCENTILE)$/.exec(t);
  if (m !== null) {
    const percentile = Number(m[1]);
    return percentile > 0 && percentile < 100 ? { kind: 'percentile', percentile } : null;
  }
  m = /^(\d+(?:\.\d+)?)\s*MS$/.exec(t);
  if (m !== null) return { kind: 'fixed', delayMs: Number(m[1]) };
  m = /^(MIN|MAX)\s*\(\s*([^,]+?)\s*,\s*([^,]+?)\s*\)$/.exec(t);
  if (m !== null) {
    const a = parse(m[2]!);
    const b = parse(m[3]!);
    if (a === null || b === null) return null;
    return { kind: m[1] === 'MIN' ? 'min' : 'max', a, b };
  }
  return null;
}

/** Recent read latencies of one table. */
export class LatencyTracker {
  private readonly samples = new Float64Array(LATENCY_SAMPLES_MAX);
  private count = 0;
  private next = 0;
  private cache = new Map<number, number>();
  private cachedAtMs = -Infinity;

  record(latencyMs: number): void {
    this.samples[this.next] = latencyMs;
    this.next = (this.next + 1) % LATENCY_SAMPLES_MAX;
    if (this.count < LATENCY_SAMPLES_MAX) this.count++;
  }

  /** The percentile of recent samples, or null with too few samples. */
  percentile(p: number, nowMs: number): number | null {
    if (this.count < LATENCY_SAMPLES_MIN) return null;
    if (nowMs - this.cachedAtMs > PERCENTILE_REFRESH_MS) {
      this.cache = new Map();
      this.cachedAtMs = nowMs;
    }
    const cached = this.cache.get(p);
    if (cached !== undefined) return cached;
    const sorted = Array.from(this.samples.subarray(0, this.count)).sort((x, y) => x - y);
    const value = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
    this.cache.set(p, value);
    return value;
  }
}

/** Cassandra's starting threshold (ColumnFamilyStore.sampleReadLatencyNanos): half the read timeout. */
export function defaultSpeculationThresholdMs(readRequestTimeoutMs: number): number {
  return readRequestTimeoutMs / 2;
}

/**
 * How long to wait before speculating: 0 for ALWAYS (the extra request goes out at once), null
 * for never (NONE). A policy that needs a percentile the tracker cannot give yet (fewer than
 * LATENCY_SAMPLES_MIN samples) waits `defaultMs`: for MIN/MAX the whole policy does, since
 * Cassandra's hybrid policy keeps its previous threshold while the snapshot is empty.
 */
export function speculationDelayMs(policy: SpeculativeRetryPolicy, tracker: LatencyTracker, clock: Clock, defaultMs: number): number | null {
  if (policy.kind === 'none') return null;
  if (policy.kind === 'always') return 0;
  return thresholdMs(policy, tracker, clock.monotonicMs()) ?? defaultMs;
}

/** The threshold, or null when a percentile it needs has too few samples. */
function thresholdMs(policy: SpeculativeRetryPolicy, tracker: LatencyTracker, nowMs: number): number | null {
  switch (policy.kind) {
    case 'none':
    case 'always':
      return null;
    case 'fixed':
      return policy.delayMs;
    case 'percentile':
      return tracker.percentile(policy.percentile, nowMs);
    case 'min':
    case 'max': {
      const a = thresholdMs(policy.a, tracker, nowMs);
      const b = thresholdMs(policy.b, tracker, nowMs);
      if (a === null || b === null) return null;
      return policy.kind === 'min' ? Math.min(a, b) : Math.max(a, b);
    }
  }
}

export class LatencyTrackers {
  private readonly trackers = new Map<string, LatencyTracker>();

  of(tableId: string): LatencyTracker {
    let t = this.trackers.get(tableId);
    if (t === undefined) {
      if (this.trackers.size >= LATENCY_TRACKERS_MAX) this.trackers.delete(this.trackers.keys().next().value!);
      t = new LatencyTracker();
      this.trackers.set(tableId, t);
    }
    return t;
  }
}
