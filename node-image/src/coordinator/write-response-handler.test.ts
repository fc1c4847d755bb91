import { describe, expect, it } from 'vitest';
import { endpointAddress } from '../cluster/index.ts';
import type { EndpointAddress } from '../cluster/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode } from '../lib/index.ts';
import { VirtualTime } from '../messaging/testing/virtual-time.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import type { ReplicaTopology, WritePlan } from './replica-plan.ts';
import { WriteResponseHandler } from './write-response-handler.ts';

const a = (n: number): EndpointAddress => endpointAddress(`127.0.0.${n}:7000`);
const topology: ReplicaTopology = {
  self: { address: a(1), dc: 'dc1', rack: 'r' },
  isAlive: () => true,
  locate: (x) => ({ dc: Number(x.split('.')[3]!.split(':')[0]) <= 3 ? 'dc1' : 'dc2', rack: 'r' }),
};

function plan(overrides: Partial<WritePlan>): WritePlan {
  return { consistency: ConsistencyLevel.QUORUM, targets: [], live: [], dead: [], blockFor: 2, countedDatacenter: null, blockForByDatacenter: null, ...overrides };
}

async function outcome(h: WriteResponseHandler, time: VirtualTime, ms = 3000): Promise<unknown> {
  let result: unknown = 'pending';
  h.promise.then(() => { result = 'ok'; }, (e: unknown) => { result = e; });
  await time.advance(ms);
  return result;
}

describe('write response handler', () => {
  it('resolves at blockFor, fails fast when blockFor is out of reach, times out with the fields', async () => {
    const time = new VirtualTime();
    const deadlines = new DeadlineQueue({ clock: time, timers: time });
    const live = [a(1), a(2), a(3)];
    const ok = new WriteResponseHandler({ plan: plan({ live }), topology, writeType: 'SIMPLE', deadlines, timeoutMs: 2000, expected: 3 });
    ok.ack(a(1));
    ok.ack(a(2));
    expect(await outcome(ok, time, 1)).toBe('ok');

    const failed = new WriteResponseHandler({ plan: plan({ live }), topology, writeType: 'BATCH', deadlines, timeoutMs: 2000, expected: 3 });
    failed.ack(a(1));
    failed.fail(a(2), new CqlError(ErrorCode.Overloaded, 'full'));
    failed.fail(a(3), new CqlError(ErrorCode.Overloaded, 'full'));
    const f = await outcome(failed, time, 1) as CqlError;
    expect(f.code).toBe(ErrorCode.WriteFailure);
    expect(f.details).toMatchObject({ kind: 'write_failure', received: 1, blockFor: 2, failures: 2, writeType: 'BATCH' });

    const slow = new WriteResponseHandler({ plan: plan({ live, consistency: ConsistencyLevel.ALL, blockFor: 3 }), topology, writeType: 'SIMPLE', deadlines, timeoutMs: 2000, expected: 3 });
    slow.ack(a(1));
    slow.ack(a(2));
    const t = await outcome(slow, time) as CqlError;
    expect(t.details).toEqual({ kind: 'write_timeout', consistency: ConsistencyLevel.ALL, received: 2, blockFor: 3, writeType: 'SIMPLE' });
  });

  it('LOCAL_QUORUM counts local acks only; EACH_QUORUM needs every DC', async () => {
    const time = new VirtualTime();
    const deadlines = new DeadlineQueue({ clock: time, timers: time });
    const live = [a(1), a(2), a(3), a(4), a(5), a(6)];
    const local = new WriteResponseHandler({
      plan: plan({ live, consistency: ConsistencyLevel.LOCAL_QUORUM, countedDatacenter: 'dc1' }), topology, writeType: 'SIMPLE', deadlines, timeoutMs: 2000, expected: 3,
    });
    local.ack(a(4));
    local.ack(a(5));
    local.ack(a(1));
    expect(local.isSettled).toBe(false);
    local.ack(a(2));
    expect(await outcome(local, time, 1)).toBe('ok');
    const each = new WriteResponseHandler({
      plan: plan({ live, consistency: ConsistencyLevel.EACH_QUORUM, blockFor: 4, blockForByDatacenter: new Map([['dc1', 2], ['dc2', 2]]) }),
      topology, writeType: 'SIMPLE', deadlines, timeoutMs: 2000, expected: 6,
    });
    for (const x of [a(1), a(2), a(3), a(4)]) each.ack(x);
    expect(each.isSettled).toBe(false);
    each.ack(a(5));
    expect(await outcome(each, time, 1)).toBe('ok');
  });
});
