// Two internode transports over real loopback sockets (127.0.0.1 and 127.0.0.2): requests and
// one-way messages both ways, large payloads, a corrupt peer, a restarted peer, and a rough
// request throughput figure printed for the record.
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRealIo } from '../../../node-image/src/io/real/index.ts';
import { MessagingError, TcpMessagingService, Verb } from '../../../node-image/src/messaging/index.ts';
import { freePort } from '../../support/cassia-process.ts';

const io = createRealIo({ logLevel: 'silent', name: 'messaging-test' });
const services: TcpMessagingService[] = [];

function make(self: string, clusterName = 'loopback'): TcpMessagingService {
  const s = new TcpMessagingService({ self, clusterName, network: io.network, timers: io.timers, clock: io.clock, random: io.random, logger: io.logger });
  services.push(s);
  return s;
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.close()));
});

describe('internode messaging over loopback TCP', () => {
  it('exchanges requests and one-way messages, survives a corrupt client and a peer restart', async () => {
    const portA = await freePort('127.0.0.1');
    const portB = await freePort('127.0.0.2');
    const A = `127.0.0.1:${portA}`;
    const B = `127.0.0.2:${portB}`;
    const a = make(A);
    let b = make(B);
    await a.start();
    await b.start();
    const fromSeen = new Set<string>();
    b.handle(Verb.Read, (from, payload) => {
      fromSeen.add(from);
      return Buffer.concat([Buffer.from('echo:'), payload]);
    });
    let oneWay = 0;
    a.handle(Verb.GossipAck, () => {
      oneWay++;
      return null;
    });

    expect((await a.request(B, Verb.Read, Buffer.from('hi'), 5000)).toString()).toBe('echo:hi');
    expect([...fromSeen]).toEqual([A]);

    // Large payloads cross many TCP segments.
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    expect((await a.request(B, Verb.Read, big, 10_000)).length).toBe(big.length + 5);

    // Throughput: 20k small requests with 1000 in flight.
    const total = 20_000;
    const payload = Buffer.alloc(100, 1);
    const started = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: 1000 }, async () => {
      while (next < total) {
        next++;
        await a.request(B, Verb.Read, payload, 10_000);
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`${JSON.stringify({ bench: 'messaging-loopback', requests: total, inFlight: 1000, requestsPerSecond: Math.round(total / seconds) })}\n`);

    for (let i = 0; i < 100; i++) b.send(A, Verb.GossipAck, Buffer.from([i]));
    const deadline = Date.now() + 5000;
    while (oneWay < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(oneWay).toBe(100);

    // A client that is not a Cassia node (wrong magic) is disconnected; the node keeps serving.
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.2', port: portB }, () => s.write('GET / HTTP/1.1\r\n\r\n'));
      s.on('close', () => resolve(true));
      s.on('error', () => undefined);
      setTimeout(() => resolve(false), 5000);
    });
    expect(closed).toBe(true);
    expect((await a.request(B, Verb.Read, Buffer.from('still'), 5000)).toString()).toBe('echo:still');

    // A peer of another cluster is refused.
    const stranger = make(`127.0.0.3:${await freePort('127.0.0.3')}`, 'another-cluster');
    await stranger.start();
    const refused = await stranger.request(B, Verb.Read, Buffer.alloc(0), 5000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(MessagingError);
    expect((refused as MessagingError).message).toMatch(/cluster name mismatch/);

    // B restarts on the same address: A reconnects on its own.
    await b.close();
    const lost = await a.request(B, Verb.Read, Buffer.alloc(0), 2000).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(MessagingError);
    b = make(B);
    b.handle(Verb.Read, () => Buffer.from('again'));
    await b.start();
    const restartedAt = Date.now();
    let answer: string | null = null;
    while (answer === null && Date.now() - restartedAt < 10_000) {
      answer = await a.request(B, Verb.Read, Buffer.alloc(0), 1000).then((x) => x.toString(), () => null);
      if (answer === null) await new Promise((r) => setTimeout(r, 50));
    }
    expect(answer).toBe('again');
    expect(a.stats().corruptFrames + b.stats().corruptFrames).toBe(0);
  });
});
