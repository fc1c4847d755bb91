import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../io/index.ts';
import type { Random, Socket } from '../io/index.ts';
import { CqlError, ErrorCode } from '../lib/index.ts';
import { encodeFrame } from './frame-codec.ts';
import { encodeHandshake, helloMessage } from './handshake.ts';
import type { MessagingLimits } from './messaging-limits.ts';
import { MessagingError } from './messaging-service.ts';
import { TcpMessagingService } from './tcp-messaging-service.ts';
import { MemoryNetwork } from './testing/memory-network.ts';
import { VirtualTime } from './testing/virtual-time.ts';
import { Verb } from './verbs.ts';

const A = '127.0.0.1:7000';
const B = '127.0.0.2:7000';

function seededRandom(seed = 42): Random {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { nextUint32: next, nextFloat: () => next() / 2 ** 32, fillBytes: (b) => b.forEach((_, i) => { b[i] = next() & 0xff; }) };
}

interface World {
  time: VirtualTime;
  network: MemoryNetwork;
  services: TcpMessagingService[];
  make(self: string, options?: { clusterName?: string; limits?: Partial<MessagingLimits> }): TcpMessagingService;
}

let world: World | null = null;

function newWorld(): World {
  const time = new VirtualTime();
  const network = new MemoryNetwork({ time, latencyMs: 1 });
  const services: TcpMessagingService[] = [];
  const w: World = {
    time, network, services,
    make(self, options = {}) {
      const s = new TcpMessagingService({
        self, clusterName: options.clusterName ?? 'test', network, timers: time, clock: time, random: seededRandom(services.length + 1),
        logger: silentLogger, ...(options.limits === undefined ? {} : { limits: options.limits }),
      });
      services.push(s);
      return s;
    },
  };
  world = w;
  return w;
}

afterEach(async () => {
  const w = world;
  world = null;
  if (w === null) return;
  const closing = Promise.all(w.services.map((s) => s.close()));
  await w.time.advance(5000);
  await closing;
  await w.time.advance(100);
  expect(w.time.pendingTimers).toBe(0);
  expect(w.network.openSockets()).toBe(0);
});

/** Resolves a promise under virtual time: advances until it settles (bounded). */
async function settle<T>(w: World, promise: Promise<T>, maxMs = 60_000): Promise<{ ok: true; value: T; elapsedMs: number } | { ok: false; error: unknown; elapsedMs: number }> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
  promise.then((value) => { outcome = { ok: true, value }; }, (error: unknown) => { outcome = { ok: false, error }; });
  const elapsedMs = await w.time.advanceUntil(() => outcome !== null, { maxMs, stepMs: 1 });
  if (outcome === null) throw new Error(`promise did not settle within ${maxMs} virtual ms`);
  return { ...(outcome as { ok: true; value: T } | { ok: false; error: unknown }), elapsedMs };
}

describe('TcpMessagingService over an in-memory network', () => {
  it('answers requests and delivers one-way messages in both directions', async () => {
    const w = newWorld();
    const a = w.make(A);
    const b = w.make(B);
    await a.start();
    await b.start();
    const seenByB: string[] = [];
    const seenByA: string[] = [];
    b.handle(Verb.Read, (from, payload) => Buffer.from(`${from} asked ${payload.toString()}`));
    b.handle(Verb.GossipSyn, (from, payload) => { seenByB.push(`${from}:${payload.toString()}`); return null; });
    a.handle(Verb.GossipAck, (from, payload) => { seenByA.push(`${from}:${payload.toString()}`); return null; });
    const r = await settle(w, a.request(B, Verb.Read, Buffer.from('k1'), 1000));
    expect(r.ok && r.value.toString()).toBe(`${A} asked k1`);
    a.send(B, Verb.GossipSyn, Buffer.from('syn'));
    b.send(A, Verb.GossipAck, Buffer.from('ack'));
    await w.time.advance(50);
    expect(seenByB).toEqual([`${A}:syn`]);
    expect(seenByA).toEqual([`${B}:ack`]);
    // Many concurrent requests, answered asynchronously and out of order.
    b.handle(Verb.Mutation, async (_from, payload) => {
      const n = payload.readUInt32BE(0);
      await new Promise<void>((resolve) => w.time.setTimeout(resolve, 100 - n));
      return payload;
    });
    const results = await settle(w, Promise.all(Array.from({ length: 100 }, (_, n) => {
      const p = Buffer.alloc(4);
      p.writeUInt32BE(n);
      return a.request(B, Verb.Mutation, p, 1000).then((x) => x.readUInt32BE(0));
    })));
    expect(results.ok && results.value).toEqual(Array.from({ length: 100 }, (_, n) => n));
    expect(a.stats().pendingRequests).toBe(0);
  });

  it('re-throws a remote CqlError with its code, and MessagingErrors with theirs', async () => {
    const w = newWorld();
    const a = w.make(A);
    const b = w.make(B);
    await a.start();
    await b.start();
    b.handle(Verb.Read, () => {
      throw new CqlError(ErrorCode.Invalid, 'Keyspace ks does not exist');
    });
    b.handle(Verb.Mutation, async () => {
      throw new MessagingError('MSG_ERR_OVERLOADED', 'replica is overloaded');
    });
    const r = await settle(w, a.request(B, Verb.Read, Buffer.alloc(0), 1000));
    expect(r.ok).toBe(false);
    expect((r as { error: CqlError }).error).toBeInstanceOf(CqlError);
    expect((r as { error: CqlError }).error.code).toBe(ErrorCode.Invalid);
    expect((r as { error: CqlError }).error.message).toBe('Keyspace ks does not exist');
    const m = await settle(w, a.request(B, Verb.Mutation, Buffer.alloc(0), 1000));
    expect((m as { error: MessagingError }).error.code).toBe('MSG_ERR_OVERLOADED');
    const none = await settle(w, a.request(B, Verb.Truncate, Buffer.alloc(0), 1000));
    expect((none as { error: MessagingError }).error.code).toBe('MSG_ERR_BAD_MESSAGE');
  });

  it('times requests out on the coarse wheel, never before the deadline', async () => {
    const w = newWorld();
    const a = w.make(A, { limits: { deadlineTickMs: 10 } });
    const b = w.make(B);
    await a.start();
    await b.start();
    b.handle(Verb.Read, () => new Promise<Buffer>(() => {}));
    const r = await settle(w, a.request(B, Verb.Read, Buffer.alloc(0), 500));
    expect(r.ok).toBe(false);
    expect((r as { error: MessagingError }).error.code).toBe('MSG_ERR_TIMEOUT');
    expect((r as { error: MessagingError }).error.message).toBe(`Read to ${B} timed out after 500 ms`);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(500);
    expect(r.elapsedMs).toBeLessThanOrEqual(520);
    expect(a.stats().timeouts).toBe(1);
  });

  it('delivers messages to itself in-process', async () => {
    const w = newWorld();
    const a = w.make(A);
    await a.start();
    a.handle(Verb.Read, (from, payload) => Buffer.concat([Buffer.from(`${from}|`), payload]));
    const r = await settle(w, a.request(A, Verb.Read, Buffer.from('x'), 100));
    expect(r.ok && r.value.toString()).toBe(`${A}|x`);
  });

  it('bounds the per-peer queue: one-way messages are dropped and counted, requests are Overloaded', async () => {
    const w = newWorld();
    const a = w.make(A, { limits: { queueMessagesMax: 10, queueBytesMax: 64 * 1024 * 1024 } });
    const b = w.make(B);
    await a.start();
    await b.start();
    let received = 0;
    b.handle(Verb.GossipSyn, () => { received++; return null; });
    // Connecting takes a virtual millisecond; everything below is queued meanwhile.
    for (let i = 0; i < 15; i++) a.send(B, Verb.GossipSyn, Buffer.from([i]));
    expect(a.stats().droppedQueueFull).toBe(5);
    const r = await settle(w, a.request(B, Verb.Read, Buffer.alloc(0), 1000));
    expect((r as { error: MessagingError }).error.code).toBe('MSG_ERR_OVERLOADED');
    await w.time.advance(20);
    expect(received).toBe(10);
    expect(a.stats().rejectedOverloaded).toBe(1);
  });

  it('fails requests to an unreachable peer fast and reconnects with exponential backoff', async () => {
    const w = newWorld();
    const a = w.make(A, { limits: { reconnectBackoffInitialMs: 100, reconnectBackoffMaxMs: 1600 } });
    await a.start();
    const r = await settle(w, a.request(B, Verb.Read, Buffer.alloc(0), 1000));
    expect((r as { error: MessagingError }).error.code).toBe('MSG_ERR_UNREACHABLE');
    expect(r.elapsedMs).toBeLessThan(10);
    // A steady stream of gossip to the dead peer: connect attempts follow the backoff, not the sends.
    const attemptsBefore = w.network.connectAttempts;
    for (let t = 0; t < 10_000; t += 10) {
      a.send(B, Verb.GossipSyn, Buffer.from('x'));
      await w.time.advance(10);
    }
    const attempts = w.network.connectAttempts - attemptsBefore;
    // 50..100, 100..200, 200..400, 400..800, 800..1600 then every 800..1600 ms: about 10 in 10 s.
    expect(attempts).toBeGreaterThanOrEqual(6);
    expect(attempts).toBeLessThanOrEqual(16);
    // The peer comes up: within one backoff period messages flow again.
    const b = w.make(B);
    await b.start();
    let received = 0;
    b.handle(Verb.GossipSyn, () => { received++; return null; });
    const elapsed = await w.time.advanceUntil(() => {
      a.send(B, Verb.GossipSyn, Buffer.from('y'));
      return received > 0;
    }, { maxMs: 5000, stepMs: 10 });
    expect(elapsed).toBeLessThanOrEqual(1700);
    expect(a.stats().droppedUnreachable).toBeGreaterThan(0);
  });

  it('fails requests in flight when the connection is lost, and recovers after the peer restarts', async () => {
    const w = newWorld();
    const a = w.make(A);
    let b = w.make(B);
    await a.start();
    await b.start();
    b.handle(Verb.Read, () => new Promise<Buffer>(() => {}));
    const inFlight = a.request(B, Verb.Read, Buffer.alloc(0), 10_000);
    await w.time.advance(20);
    w.network.hostDown('127.0.0.2');
    const r = await settle(w, inFlight);
    expect((r as { error: MessagingError }).error.code).toBe('MSG_ERR_CLOSED');
    expect(r.elapsedMs).toBeLessThan(10);
    // The process comes back on the same address.
    w.network.unlisten('127.0.0.2', 7000);
    w.network.hostUp('127.0.0.2');
    b = w.make(B);
    await b.start();
    b.handle(Verb.Read, () => Buffer.from('back'));
    const again = await settle(w, a.request(B, Verb.Read, Buffer.alloc(0), 10_000));
    expect(again.ok && again.value.toString()).toBe('back');
  });

  it('refuses peers of another cluster at the handshake', async () => {
    const w = newWorld();
    const a = w.make(A, { clusterName: 'other' });
    const b = w.make(B);
    await a.start();
    await b.start();
    b.handle(Verb.Read, () => Buffer.from('no'));
    const r = await settle(w, a.request(B, Verb.Read, Buffer.alloc(0), 1000));
    expect((r as { error: MessagingError }).error.code).toBe('MSG_ERR_UNREACHABLE');
    expect((r as { error: MessagingError }).error.message).toMatch(/cluster name mismatch: other != test/);
    expect(b.stats().refusedHandshakes).toBe(1);
  });

  it('closes a connection that sends a corrupt frame and keeps serving others', async () => {
    const w = newWorld();
    const b = w.make(B);
    await b.start();
    let handled = 0;
    b.handle(Verb.GossipSyn, () => { handled++; return null; });
    const raw = await settle(w, w.network.connect({ host: '127.0.0.9', port: 7000, timeoutMs: 100 }).catch(() => null));
    expect(raw.ok && raw.value).toBe(null);
    const socketResult = await settle(w, w.network.connect({ host: '127.0.0.2', port: 7000, localAddress: '127.0.0.3', timeoutMs: 100 }));
    const socket = (socketResult as { value: Socket }).value;
    let closed = false;
    socket.on('close', () => { closed = true; });
    socket.write(encodeHandshake(helloMessage('127.0.0.3:7000', 'test')));
    socket.write(encodeFrame({ id: 0, verb: Verb.GossipSyn, flags: 0, payload: Buffer.from('ok') }));
    const bad = encodeFrame({ id: 0, verb: Verb.GossipSyn, flags: 0, payload: Buffer.from('corrupt') });
    bad[bad.length - 1] ^= 1;
    socket.write(bad);
    socket.write(encodeFrame({ id: 0, verb: Verb.GossipSyn, flags: 0, payload: Buffer.from('never') }));
    await w.time.advance(20);
    expect(handled).toBe(1);
    expect(closed).toBe(true);
    expect(b.stats().corruptFrames).toBe(1);
    const a = w.make(A);
    await a.start();
    a.send(B, Verb.GossipSyn, Buffer.from('fine'));
    await w.time.advance(20);
    expect(handled).toBe(2);
  });

  it('decodes traffic cut into small random chunks', async () => {
    const w = newWorld();
    w.network.chunkBytesMax = 7;
    const a = w.make(A);
    const b = w.make(B);
    await a.start();
    await b.start();
    b.handle(Verb.Read, (_from, payload) => Buffer.concat([payload, payload]));
    const payloads = Array.from({ length: 50 }, (_, i) => Buffer.alloc(i * 13, i));
    const r = await settle(w, Promise.all(payloads.map((p) => a.request(B, Verb.Read, p, 5000))));
    expect(r.ok && r.value.map((x) => x.length)).toEqual(payloads.map((p) => p.length * 2));
  });

  it('rejects everything pending on close and leaves no timers', async () => {
    const w = newWorld();
    const a = w.make(A);
    const b = w.make(B);
    await a.start();
    await b.start();
    b.handle(Verb.Read, () => new Promise<Buffer>(() => {}));
    const p = a.request(B, Verb.Read, Buffer.alloc(0), 60_000);
    await w.time.advance(10);
    const closing = a.close();
    const r = await settle(w, p);
    expect((r as { error: MessagingError }).error.code).toBe('MSG_ERR_CLOSED');
    await settle(w, closing);
    const late = await settle(w, a.request(B, Verb.Read, Buffer.alloc(0), 100));
    expect((late as { error: MessagingError }).error.code).toBe('MSG_ERR_CLOSED');
  });
});
