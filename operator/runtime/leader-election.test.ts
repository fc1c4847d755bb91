import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks } from './clock.ts';
import { Resources } from './kube-api.ts';
import { LeaderElector, microTime } from './leader-election.ts';
import { silentLogger } from './logger.ts';
import { MemoryKubeApi } from './memory-kube-api.ts';

const config = (identity: string) => ({ namespace: 'ops', name: 'cassia-operator', identity, leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });

function lease(api: MemoryKubeApi): Record<string, unknown> {
  return api.peek(Resources.lease, 'ops', 'cassia-operator')!.spec as Record<string, unknown>;
}

describe('LeaderElector', () => {
  it('creates the lease when absent and renews it', async () => {
    const api = new MemoryKubeApi();
    const clock = new ManualClock();
    const a = new LeaderElector({ api, clock, log: silentLogger, config: config('a') });
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(lease(api)).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    const acquired = lease(api).acquireTime;
    await clock.advance(2000);
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(lease(api).acquireTime).toBe(acquired);
    expect(lease(api).renewTime).not.toBe(acquired);
  });

  it('waits for another holder\'s lease to expire on its own clock, then takes over', async () => {
    const api = new MemoryKubeApi();
    const clock = new ManualClock();
    const a = new LeaderElector({ api, clock, log: silentLogger, config: config('a') });
    const b = new LeaderElector({ api, clock, log: silentLogger, config: config('b') });
    expect(await a.tryAcquireOrRenew()).toBe(true);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    await clock.advance(14_000);
    expect(await b.tryAcquireOrRenew()).toBe(false);
    await clock.advance(1_001);
    expect(await b.tryAcquireOrRenew()).toBe(true);
    expect(lease(api)).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    // a renewing now sees b's fresh record and backs off.
    expect(await a.tryAcquireOrRenew()).toBe(false);
  });

  it('loses a race on a conflicting update', async () => {
    const api = new MemoryKubeApi();
    const clock = new ManualClock();
    const a = new LeaderElector({ api, clock, log: silentLogger, config: config('a') });
    await a.tryAcquireOrRenew();
    api.failNext('replace', Object.assign(new Error('conflict'), { name: 'KubeApiError', status: 409 }));
    expect(await a.tryAcquireOrRenew()).toBe(false);
  });

  it('runs callbacks, steps down when renewals fail past the deadline', async () => {
    const api = new MemoryKubeApi();
    const clock = new ManualClock();
    const a = new LeaderElector({ api, clock, log: silentLogger, config: config('a') });
    const events: string[] = [];
    let leadingSignal: AbortSignal | undefined;
    const stop = new AbortController();
    const run = a.run(stop.signal, {
      onStartedLeading: (s) => { events.push('start'); leadingSignal = s; },
      onStoppedLeading: () => events.push('stop'),
    });
    await flushMicrotasks();
    expect(events).toEqual(['start']);
    expect(a.isLeader).toBe(true);
    // Another replica steals the lease (e.g. ours was deleted and recreated): renewals now fail.
    await api.delete(Resources.lease, 'ops', 'cassia-operator');
    await api.create(Resources.lease, { metadata: { name: 'cassia-operator', namespace: 'ops' }, spec: { holderIdentity: 'z', leaseDurationSeconds: 15, renewTime: microTime(clock.nowMs()) } });
    for (let i = 0; i < 6; i++) await clock.advance(2000);
    await run;
    expect(events).toEqual(['start', 'stop']);
    expect(leadingSignal!.aborted).toBe(true);
    expect(a.isLeader).toBe(false);
  });

  it('releases the lease on a clean stop', async () => {
    const api = new MemoryKubeApi();
    const clock = new ManualClock();
    const a = new LeaderElector({ api, clock, log: silentLogger, config: config('a') });
    const stop = new AbortController();
    const run = a.run(stop.signal, { onStartedLeading: () => {}, onStoppedLeading: () => {} });
    await flushMicrotasks();
    stop.abort();
    await run;
    expect(lease(api)).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1 });
    const b = new LeaderElector({ api, clock, log: silentLogger, config: config('b') });
    expect(await b.tryAcquireOrRenew()).toBe(true);
  });

  it('writes MicroTime with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 0, 1, 0, 0, 0, 123))).toBe('2026-01-01T00:00:00.123000Z');
  });
});
