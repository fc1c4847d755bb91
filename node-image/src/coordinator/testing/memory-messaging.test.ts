import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../cluster/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode } from '../../lib/index.ts';
import { MessagingError, Verb } from '../../messaging/index.ts';
import { VirtualTime } from '../../messaging/testing/virtual-time.ts';
import { MemoryMessagingHub } from './memory-messaging.ts';

async function settle<T>(time: VirtualTime, p: Promise<T>, ms = 10_000): Promise<PromiseSettledResult<T>> {
  const out = Promise.allSettled([p]);
  let done = false;
  void out.then(() => {
    done = true;
  });
  await time.advanceUntil(() => done, { maxMs: ms, stepMs: 1 });
  return (await out)[0]!;
}

function setup(latencyMaxMs = 3): { time: VirtualTime; hub: MemoryMessagingHub } {
  const time = new VirtualTime();
  return { time, hub: new MemoryMessagingHub({ timers: time, random: new SeededRandom(5), latencyMinMs: 1, latencyMaxMs }) };
}

describe('in-memory messaging', () => {
  it('answers requests, carries handler errors with their CQL fields, and times out', async () => {
    const { time, hub } = setup();
    const a = hub.register('127.0.0.1:7000');
    const b = hub.register('127.0.0.2:7000');
    b.handle(Verb.Read, (from, payload) => Buffer.concat([Buffer.from(`${from}:`), payload]));
    b.handle(Verb.Mutation, async () => {
      throw new CqlError(ErrorCode.Unavailable, 'nope', { kind: 'unavailable', consistency: ConsistencyLevel.ALL, required: 3, alive: 1 });
    });
    const ok = await settle(time, a.request(b.self, Verb.Read, Buffer.from('x'), 1000));
    expect(ok.status === 'fulfilled' && ok.value.toString()).toBe('127.0.0.1:7000:x');
    const failed = await settle(time, a.request(b.self, Verb.Mutation, Buffer.alloc(0), 1000));
    expect(failed.status).toBe('rejected');
    const error = (failed as PromiseRejectedResult).reason as CqlError;
    expect(error).toBeInstanceOf(CqlError);
    expect(error.details).toEqual({ kind: 'unavailable', consistency: ConsistencyLevel.ALL, required: 3, alive: 1 });
    const noHandler = await settle(time, a.request(b.self, Verb.Truncate, Buffer.alloc(0), 1000));
    expect(((noHandler as PromiseRejectedResult).reason as MessagingError).code).toBe('MSG_ERR_BAD_MESSAGE');
    hub.setDown(b.self, true);
    const started = time.monotonicMs();
    const timedOut = await settle(time, a.request(b.self, Verb.Read, Buffer.alloc(0), 500));
    expect(((timedOut as PromiseRejectedResult).reason as MessagingError).code).toBe('MSG_ERR_TIMEOUT');
    expect(time.monotonicMs() - started).toBeGreaterThanOrEqual(500);
    expect(a.pendingRequests).toBe(0);
  });

  it('drops by probability, per link, by partition and by rule; counts what it delivered', async () => {
    const { time, hub } = setup(1);
    const nodes = [1, 2, 3].map((i) => hub.register(`127.0.0.${i}:7000`));
    let received = 0;
    for (const n of nodes) n.handle(Verb.GossipSyn, () => {
      received++;
      return null;
    });
    const blast = async (from: number, to: number, count: number): Promise<number> => {
      const before = received;
      for (let i = 0; i < count; i++) nodes[from]!.send(nodes[to]!.self, Verb.GossipSyn, Buffer.alloc(1));
      await time.advance(10);
      return received - before;
    };
    expect(await blast(0, 1, 100)).toBe(100);
    hub.dropProbability = 0.5;
    const half = await blast(0, 1, 400);
    expect(half).toBeGreaterThan(120);
    expect(half).toBeLessThan(280);
    hub.heal();
    hub.setLinkDropProbability(nodes[0]!.self, nodes[1]!.self, 1);
    expect(await blast(0, 1, 10)).toBe(0);
    expect(await blast(1, 0, 10)).toBe(10);
    hub.heal();
    hub.partition([nodes[0]!.self], [nodes[1]!.self, nodes[2]!.self]);
    expect(await blast(0, 2, 10)).toBe(0);
    expect(await blast(2, 1, 10)).toBe(10);
    hub.heal();
    const remove = hub.addRule((m) => (m.to === nodes[2]!.self ? { delayMs: 1000 } : 'deliver'));
    expect(await blast(0, 2, 5)).toBe(0);
    await time.advance(1000);
    remove();
    expect(hub.statsOf(Verb.GossipSyn, nodes[0]!.self, nodes[2]!.self)).toEqual({ sent: 15, delivered: 5, dropped: 10 });
    expect(hub.deliveredTo(Verb.GossipSyn, nodes[2]!.self)).toBe(5);
    expect(hub.deliveredTo(Verb.GossipSyn, nodes[1]!.self)).toBeGreaterThan(100);
  });

  it('a message in flight to a node that goes down is lost; closing fails pending requests', async () => {
    const { time, hub } = setup(5);
    const a = hub.register('127.0.0.1:7000');
    const b = hub.register('127.0.0.2:7000');
    let ran = 0;
    b.handle(Verb.Read, () => {
      ran++;
      return Buffer.alloc(0);
    });
    const p = a.request(b.self, Verb.Read, Buffer.alloc(0), 100);
    hub.setDown(b.self, true);
    const r = await settle(time, p);
    expect(r.status).toBe('rejected');
    expect(ran).toBe(0);
    hub.setDown(b.self, false);
    const q = a.request(b.self, Verb.Read, Buffer.alloc(0), 100);
    await a.close();
    expect((await settle(time, q)).status).toBe('rejected');
  });
});
