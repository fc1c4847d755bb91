// Cassandra's phi accrual failure detector (FailureDetector.java, spec 3.7) as pure functions over
// an immutable state, with time passed in. Per endpoint an arrival window keeps the last 1000
// inter-arrival times (the first sample is the 2 s initial value); phi = (now - last arrival) /
// mean, and the endpoint is convicted when phi / ln(10) > phi_convict_threshold (8), i.e. after a
// silence of about 18.4 mean intervals. After a local pause (> 5 s between interpret calls) no one
// is convicted for 5 s. Windows are copied on write (8 KB per report): gossip reports are rare.
import { assert } from '../../lib/index.ts';
import type { EndpointAddress } from '../endpoint.ts';

export interface PhiAccrualConfig {
  readonly phiConvictThreshold: number;
  /** First sample of every window (cassandra.fd_initial_value_ms; 2 x the gossip interval). */
  readonly initialValueMs: number;
  /** Longer intervals are not recorded (cassandra.fd_max_interval_ms). */
  readonly maxIntervalMs: number;
  /** A gap between interpret calls longer than this is a local pause (MAX_LOCAL_PAUSE_IN_MS). */
  readonly maxLocalPauseMs: number;
  /** Arrival samples kept per endpoint (SAMPLE_SIZE). */
  readonly sampleSize: number;
}

/**
 * Cassandra passes the default max interval (the initial value, in nanoseconds) to a conversion
 * from milliseconds, so unless the property is set no interval is ever filtered. We keep that:
 * 2e9 "milliseconds" is effectively unbounded.
 */
export const FD_MAX_INTERVAL_QUIRK_MS = 2_000_000_000;

export const DEFAULT_PHI_ACCRUAL_CONFIG: PhiAccrualConfig = {
  phiConvictThreshold: 8,
  initialValueMs: 2000,
  maxIntervalMs: FD_MAX_INTERVAL_QUIRK_MS,
  maxLocalPauseMs: 5000,
  sampleSize: 1000,
};

/** 1 / ln(10): phi is compared in base-10 terms, as Cassandra's PHI_FACTOR does. */
export const PHI_FACTOR = 1 / Math.log(10);

export interface ArrivalWindow {
  readonly lastArrivalMs: number;
  /** Ring buffer of inter-arrival times; `count` valid entries, next write at `head`. */
  readonly intervalsMs: Float64Array;
  readonly count: number;
  readonly head: number;
  readonly sumMs: number;
}

export interface FailureDetectorState {
  readonly config: PhiAccrualConfig;
  readonly windows: ReadonlyMap<EndpointAddress, ArrivalWindow>;
  readonly lastInterpretMs: number;
  /** When the last local pause was detected, or null. */
  readonly lastPauseMs: number | null;
}

export function createFailureDetector(config: PhiAccrualConfig, nowMs: number): FailureDetectorState {
  assert(config.sampleSize >= 1 && config.initialValueMs > 0 && config.phiConvictThreshold > 0, 'bad failure detector config');
  return { config, windows: new Map(), lastInterpretMs: nowMs, lastPauseMs: null };
}

function addInterval(w: ArrivalWindow, intervalMs: number, sampleSize: number, arrivalMs: number): ArrivalWindow {
  const intervalsMs = new Float64Array(sampleSize);
  intervalsMs.set(w.intervalsMs);
  let sumMs = w.sumMs;
  if (w.count === sampleSize) sumMs -= intervalsMs[w.head]!;
  intervalsMs[w.head] = intervalMs;
  sumMs += intervalMs;
  return { lastArrivalMs: arrivalMs, intervalsMs, count: Math.min(w.count + 1, sampleSize), head: (w.head + 1) % sampleSize, sumMs };
}

/** Records a heartbeat arrival from `endpoint` (FailureDetector.report). */
export function reportArrival(state: FailureDetectorState, endpoint: EndpointAddress, nowMs: number): FailureDetectorState {
  const { sampleSize, initialValueMs, maxIntervalMs } = state.config;
  const current = state.windows.get(endpoint);
  let next: ArrivalWindow;
  if (current === undefined) {
    const empty: ArrivalWindow = { lastArrivalMs: nowMs, intervalsMs: new Float64Array(0), count: 0, head: 0, sumMs: 0 };
    next = addInterval(empty, initialValueMs, sampleSize, nowMs);
  } else {
    const intervalMs = nowMs - current.lastArrivalMs;
    next = intervalMs <= maxIntervalMs
      ? addInterval(current, intervalMs, sampleSize, nowMs)
      : { ...current, lastArrivalMs: nowMs };
  }
  const windows = new Map(state.windows);
  windows.set(endpoint, next);
  return { ...state, windows };
}

export function meanIntervalMs(w: ArrivalWindow): number {
  return w.sumMs / w.count;
}

/** Current phi of an endpoint, or null when nothing was ever reported. */
export function phiOf(state: FailureDetectorState, endpoint: EndpointAddress, nowMs: number): number | null {
  const w = state.windows.get(endpoint);
  if (w === undefined) return null;
  const mean = meanIntervalMs(w);
  assert(mean > 0, `non-positive mean interval for ${endpoint}`);
  return (nowMs - w.lastArrivalMs) / mean;
}

export interface Interpretation {
  readonly state: FailureDetectorState;
  /** phi, or null when the endpoint has no window or a local pause suppressed the check. */
  readonly phi: number | null;
  readonly convict: boolean;
}

/** FailureDetector.interpret: decides whether `endpoint` is convicted now. */
export function interpret(state: FailureDetectorState, endpoint: EndpointAddress, nowMs: number): Interpretation {
  if (!state.windows.has(endpoint)) return { state, phi: null, convict: false };
  const { maxLocalPauseMs, phiConvictThreshold } = state.config;
  const sinceLastMs = nowMs - state.lastInterpretMs;
  if (sinceLastMs > maxLocalPauseMs) {
    return { state: { ...state, lastInterpretMs: nowMs, lastPauseMs: nowMs }, phi: null, convict: false };
  }
  const next = { ...state, lastInterpretMs: nowMs };
  if (state.lastPauseMs !== null && nowMs - state.lastPauseMs < maxLocalPauseMs) return { state: next, phi: null, convict: false };
  const phi = phiOf(state, endpoint, nowMs)!;
  return { state: next, phi, convict: PHI_FACTOR * phi > phiConvictThreshold };
}

/** Forgets an endpoint's window (FailureDetector.remove), e.g. after a restart with a new generation. */
export function removeEndpoint(state: FailureDetectorState, endpoint: EndpointAddress): FailureDetectorState {
  if (!state.windows.has(endpoint)) return state;
  const windows = new Map(state.windows);
  windows.delete(endpoint);
  return { ...state, windows };
}
