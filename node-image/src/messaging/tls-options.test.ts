// The messaging service hands its TLS settings to io.Network: the listener gets the server side,
// and each outgoing connection gets the client side only when encryptTo(peer) says so, decided
// again on every connect attempt (internode_encryption dc/rack learn peers' locations late).
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../io/index.ts';
import type { ConnectOptions, ListenOptions, Listener, Network, Random, Socket, TlsCredentialSource } from '../io/index.ts';
import { TcpMessagingService } from './tcp-messaging-service.ts';
import type { MessagingTlsOptions } from './tcp-messaging-service.ts';
import { MemoryNetwork } from './testing/memory-network.ts';
import { VirtualTime } from './testing/virtual-time.ts';
import { Verb } from './verbs.ts';

const A = '127.0.0.1:7000';
const B = '127.0.0.2:7000';
const C = '127.0.0.3:7000';

const random: Random = { nextUint32: () => 7, nextFloat: () => 0.5, fillBytes: (b) => b.fill(7) };
const credentials: TlsCredentialSource = { current: () => ({ certificatePem: 'c', privateKeyPem: 'k', caPem: 'a' }), onChange: () => () => {} };

/** The in-memory network, recording the options each call got (it does no TLS itself). */
class RecordingNetwork implements Network {
  readonly listens: ListenOptions[] = [];
  readonly connects: ConnectOptions[] = [];
  private readonly inner: MemoryNetwork;
  constructor(inner: MemoryNetwork) {
    this.inner = inner;
  }
  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
    this.listens.push(options);
    return this.inner.listen(options, onConnection);
  }
  connect(options: ConnectOptions): Promise<Socket> {
    this.connects.push(options);
    return this.inner.connect(options);
  }
  listenHttp(): Promise<Listener> {
    throw new Error('not used');
  }
}

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('TcpMessagingService with TLS options', () => {
  it('listens with the server settings and encrypts only to the peers encryptTo names', async () => {
    const time = new VirtualTime();
    const memory = new MemoryNetwork({ time, latencyMs: 1 });
    const network = new RecordingNetwork(memory);
    const encrypted = new Set([B]);
    const tls: MessagingTlsOptions = {
      server: { credentials, requireClientCertificate: true, allowPlaintext: true },
      client: { credentials },
      encryptTo: (peer) => encrypted.has(peer),
    };
    const make = (self: string, withTls: boolean): TcpMessagingService => new TcpMessagingService({
      self, clusterName: 'test', network, timers: time, clock: time, random, logger: silentLogger, ...(withTls ? { tls } : {}),
    });
    const a = make(A, true);
    const b = make(B, false);
    const c = make(C, false);
    const services = [a, b, c];
    cleanup = async () => {
      const closing = Promise.all(services.map((s) => s.close()));
      await time.advance(5000);
      await closing;
    };
    for (const s of services) await s.start();
    expect(network.listens.map((l) => l.tls)).toEqual([tls.server, undefined, undefined]);

    for (const s of [b, c]) s.handle(Verb.Read, () => Buffer.from('ok'));
    const replies = Promise.all([a.request(B, Verb.Read, Buffer.from('x'), 1000), a.request(C, Verb.Read, Buffer.from('x'), 1000)]);
    await time.advanceUntil(() => network.connects.length >= 2, { maxMs: 1000, stepMs: 1 });
    await time.advance(20);
    expect((await replies).map(String)).toEqual(['ok', 'ok']);
    const byPeer = new Map(network.connects.map((o) => [`${o.host}:${o.port}`, o.tls]));
    expect(byPeer.get(B)).toBe(tls.client);
    expect(byPeer.get(C)).toBe(undefined);

    // The decision is taken again at the next connection: C is now known to be remote.
    encrypted.add(C);
    a.disconnect(C);
    const again = a.request(C, Verb.Read, Buffer.from('y'), 1000);
    await time.advanceUntil(() => network.connects.length >= 3, { maxMs: 1000, stepMs: 1 });
    await time.advance(20);
    expect(String(await again)).toBe('ok');
    expect(network.connects.at(-1)?.tls).toBe(tls.client);
  });
});
