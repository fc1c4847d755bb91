import { describe, expect, it } from 'vitest';
import { VirtualTime } from '../messaging/testing/virtual-time.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import { LATENCY_SAMPLES_MIN, LatencyTracker, defaultSpeculationThresholdMs, parseSpeculativeRetry, speculationDelayMs } from './speculative-retry.ts';
import { isNewerEpoch } from './schema-sync.ts';

describe('deadline queue', () => {
  it('fires in deadline order, never early, at most one tick late; cancelled ones never', async () => {
    const time = new VirtualTime();
    const q = new DeadlineQueue({ clock: time, timers: time, tickMs: 5 });
    const fired: Array<[string, number]> = [];
    q.schedule(30, () => fired.push(['b', time.monotonicMs()]));
    q.schedule(10, () => fired.push(['a', time.monotonicMs()]));
    const c = q.schedule(20, () => fired.push(['c', time.monotonicMs()]));
    c.cancel();
    await time.advance(100);
    expect(fired.map((f) => f[0])).toEqual(['a', 'b']);
    expect(fired[0]![1]).toBeGreaterThanOrEqual(10);
    expect(fired[0]![1]).toBeLessThanOrEqual(15);
    expect(q.pending).toBe(0);
    expect(time.pendingTimers).toBe(0);
  });
});

describe('speculative_retry', () => {
  it('parses Cassandra forms', () => {
    expect(parseSpeculativeRetry('NONE')).toEqual({ kind: 'none' });
    expect(parseSpeculativeRetry('always')).toEqual({ kind: 'always' });
    expect(parseSpeculativeRetry('99p')).toEqual({ kind: 'percentile', percentile: 99 });
    expect(parseSpeculativeRetry('95PERCENTILE')).toEqual({ kind: 'percentile', percentile: 95 });
    expect(parseSpeculativeRetry('50ms')).toEqual({ kind: 'fixed', delayMs: 50 });
    expect(parseSpeculativeRetry('MIN(99p,20ms)')).toEqual({ kind: 'min', a: { kind: 'percentile', percentile: 99 }, b: { kind: 'fixed', delayMs: 20 } });
    expect(parseSpeculativeRetry('garbage')).toEqual({ kind: 'percentile', percentile: 99 });
  });

  it('uses recent latencies once there are enough, the default threshold before', () => {
    const clock = { nowMs: () => 0, monotonicMs: () => 0 };
    const t = new LatencyTracker();
    const p99 = parseSpeculativeRetry('99p');
    const defaultMs = defaultSpeculationThresholdMs(5000);
    expect(defaultMs).toBe(2500);
    expect(speculationDelayMs(p99, t, clock, defaultMs)).toBe(2500);
    // A hybrid policy keeps the default while its percentile has no samples (Cassandra's HYBRID kind).
    expect(speculationDelayMs(parseSpeculativeRetry('MIN(99p, 20ms)'), t, clock, defaultMs)).toBe(2500);
    expect(speculationDelayMs(parseSpeculativeRetry('20ms'), t, clock, defaultMs)).toBe(20);
    expect(speculationDelayMs(parseSpeculativeRetry('NONE'), t, clock, defaultMs)).toBeNull();
    expect(speculationDelayMs(parseSpeculativeRetry('ALWAYS'), t, clock, defaultMs)).toBe(0);
    for (let i = 1; i < LATENCY_SAMPLES_MIN; i++) t.record(i);
    expect(speculationDelayMs(p99, t, clock, defaultMs)).toBe(2500);
    for (let i = LATENCY_SAMPLES_MIN; i <= 100; i++) t.record(i);
    expect(speculationDelayMs(p99, t, clock, defaultMs)).toBe(99);
    expect(speculationDelayMs(parseSpeculativeRetry('MAX(50p, 10ms)'), t, clock, defaultMs)).toBe(50);
    expect(speculationDelayMs(parseSpeculativeRetry('MIN(50p, 10ms)'), t, clock, defaultMs)).toBe(10);
  });
});

describe('schema epochs', () => {
  it('a higher counter wins, ties go to the greater version, a zero counter never wins', () => {
    expect(isNewerEpoch({ counter: 2, version: 'a' }, { counter: 1, version: 'z' })).toBe(true);
    expect(isNewerEpoch({ counter: 1, version: 'b' }, { counter: 1, version: 'a' })).toBe(true);
    expect(isNewerEpoch({ counter: 1, version: 'a' }, { counter: 1, version: 'a' })).toBe(false);
    expect(isNewerEpoch({ counter: 0, version: 'z' }, { counter: 0, version: 'a' })).toBe(false);
  });
});
