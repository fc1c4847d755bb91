import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EndpointAddress, endpointAddress } from '../endpoint.ts';
import {
  DEFAULT_PHI_ACCRUAL_CONFIG, type FailureDetectorState, PHI_FACTOR, createFailureDetector, interpret, meanIntervalMs,
  phiOf, removeEndpoint, reportArrival,
} from './phi-accrual-detector.ts';

const peer: EndpointAddress = endpointAddress('10.0.0.2:7000');

/** Reports a heartbeat every `intervalMs` (optionally jittered) and interprets every second. */
function heartbeats(count: number, intervalMs: number, jitter: (i: number) => number = () => 0): { fd: FailureDetectorState; lastMs: number } {
  let fd = createFailureDetector(DEFAULT_PHI_ACCRUAL_CONFIG, 0);
  let nowMs = 0;
  for (let i = 0; i < count; i++) {
    nowMs += intervalMs + jitter(i);
    fd = reportArrival(fd, peer, nowMs);
    const r = interpret(fd, peer, nowMs);
    expect(r.convict).toBe(false);
    fd = r.state;
  }
  return { fd, lastMs: nowMs };
}

describe('phi accrual failure detector', () => {
  it('seeds a window with the 2 s initial value and keeps at most 1000 samples', () => {
    let fd = reportArrival(createFailureDetector(DEFAULT_PHI_ACCRUAL_CONFIG, 0), peer, 0);
    expect(meanIntervalMs(fd.windows.get(peer)!)).toBe(2000);
    fd = reportArrival(fd, peer, 1000);
    expect(meanIntervalMs(fd.windows.get(peer)!)).toBe(1500);
    const { fd: long } = heartbeats(1500, 1000);
    expect(long.windows.get(peer)!.count).toBe(1000);
    expect(meanIntervalMs(long.windows.get(peer)!)).toBe(1000); // the initial sample has rotated out
  });

  it('never convicts regular heartbeats, even with jitter', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -300, max: 300 }), { minLength: 50, maxLength: 50 }), (jitters) => {
      heartbeats(600, 1000, (i) => jitters[i % jitters.length]!);
    }), { numRuns: 20 });
  });

  it('convicts after a silence of about 18.4 mean intervals (18 s at 1 s heartbeats)', () => {
    const { fd, lastMs } = heartbeats(200, 1000);
    const mean = meanIntervalMs(fd.windows.get(peer)!);
    let state = fd;
    let convictedAtMs: number | null = null;
    for (let t = lastMs + 1000; t <= lastMs + 30_000 && convictedAtMs === null; t += 1000) {
      const r = interpret(state, peer, t);
      state = r.state;
      if (r.convict) convictedAtMs = t;
    }
    const thresholdMs = (8 / PHI_FACTOR) * mean; // 8 * ln 10 * mean = 18.42 * mean
    expect(thresholdMs / mean).toBeCloseTo(18.42, 2);
    // Checked once a second: 18 s is phi 7.82 (alive), 19 s is phi 8.25 (convicted).
    expect(convictedAtMs! - lastMs).toBe(19_000);
  });

  it('convicts iff silence > 18.42 x mean, for any heartbeat interval', () => {
    fc.assert(fc.property(fc.integer({ min: 100, max: 5000 }), fc.integer({ min: 1, max: 40_000 }), (intervalMs, silenceMs) => {
      const { fd, lastMs } = heartbeats(1100, intervalMs); // window full: mean is exactly intervalMs
      // Interpret every interval during the silence so no local pause is seen.
      let state = fd;
      let convict = false;
      let t = lastMs;
      while (t < lastMs + silenceMs) {
        t = Math.min(t + intervalMs, lastMs + silenceMs);
        const r = interpret(state, peer, t);
        state = r.state;
        convict ||= r.convict;
      }
      expect(convict).toBe(PHI_FACTOR * (silenceMs / intervalMs) > 8);
    }), { numRuns: 40 });
  });

  it('does not convict during or right after a local pause', () => {
    const { fd, lastMs } = heartbeats(100, 1000);
    // The node itself stalls for 30 s: the first interpret after it sees the pause.
    const afterPause = interpret(fd, peer, lastMs + 30_000);
    expect(afterPause.convict).toBe(false);
    expect(afterPause.state.lastPauseMs).toBe(lastMs + 30_000);
    expect(interpret(afterPause.state, peer, lastMs + 33_000).convict).toBe(false); // still within 5 s
    expect(interpret(afterPause.state, peer, lastMs + 35_000).convict).toBe(true);
  });

  it('ignores endpoints it never heard from and forgets removed ones', () => {
    const fd = createFailureDetector(DEFAULT_PHI_ACCRUAL_CONFIG, 0);
    expect(interpret(fd, peer, 100_000)).toEqual({ state: fd, phi: null, convict: false });
    const withPeer = reportArrival(fd, peer, 10);
    expect(phiOf(withPeer, peer, 2010)).toBe(1);
    expect(removeEndpoint(withPeer, peer).windows.size).toBe(0);
  });
});
