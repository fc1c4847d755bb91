import { describe, expect, it } from 'vitest';
import { ManualClock, flushMicrotasks } from './clock.ts';
import { Controller, type ReconcileResult } from './controller.ts';
import { MemoryLogger } from './logger.ts';
import { OperatorMetrics } from './metrics.ts';
import { ItemExponentialRateLimiter } from './rate-limiter.ts';
import { WorkQueue } from './workqueue.ts';

describe('Controller', () => {
  it('reconciles keys with workers, requeues on request and backs off on errors', async () => {
    const clock = new ManualClock();
    const queue = new WorkQueue({ clock, rateLimiter: new ItemExponentialRateLimiter({ baseMs: 100, maxMs: 10_000 }) });
    const calls: string[] = [];
    const outcomes: Array<ReconcileResult | Error> = [new Error('boom'), new Error('boom'), { requeueAfterMs: 5000 }, {}];
    const log = new MemoryLogger();
    const metrics = new OperatorMetrics();
    const controller = new Controller({
      name: 'cc', queue, clock, log, metrics, workers: 2,
      reconcile: async (key, ctx) => {
        calls.push(`${key}@${clock.monotonicMs()}`);
        expect(ctx.reconcileId).toMatch(/^cc-/);
        const next = outcomes.shift() ?? {};
        if (next instanceof Error) throw next;
        return next;
      },
    });
    const stop = new AbortController();
    controller.start(stop.signal);
    controller.enqueue('ns/a');
    await flushMicrotasks();
    await clock.advance(100);
    await clock.advance(200);
    await clock.advance(5000);
    expect(calls).toEqual(['ns/a@0', 'ns/a@100', 'ns/a@300', 'ns/a@5300']);
    expect(controller.stats).toEqual({ passes: 4, errors: 2, requeues: 1 });
    expect(queue.numRequeues('ns/a')).toBe(0);
    expect(log.records.filter((r) => r.msg === 'reconcile failed')).toHaveLength(2);
    expect(log.records[0]).toMatchObject({ controller: 'cc', key: 'ns/a' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('cassia_operator_reconcile_total{controller="cc",result="error"} 2');
    await controller.stop();
  });
});
