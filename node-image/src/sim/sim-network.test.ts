import { describe, expect, it } from 'vitest';
import type { Network, Socket } from '../io/index.ts';
import { SimScheduler } from './scheduler.ts';
import { FAULTY_NETWORK, QUIET_NETWORK, SimNetwork, WRITABLE_HIGH_WATER_BYTES } from './sim-network.ts';
import type { NetworkProfile } from './sim-network.ts';
import { SimProcess } from './sim-process.ts';
import { SimRandom } from './sim-random.ts';

interface Peer {
  process: SimProcess;
  network: Network;
}

interface Recorder {
  data: Buffer[];
  events: string[];
}

function setup(profile: NetworkProfile = QUIET_NETWORK, seed = 1): { s: SimScheduler; net: SimNetwork; a: Peer; b: Peer } {
  const s = new SimScheduler();
  const net = new SimNetwork({ scheduler: s, random: new SimRandom(seed), profile });
  const peer = (name: string, host: string): Peer => {
    const process = new SimProcess({ name, incarnation: 1 });
    return { process, network: net.view({ process, host }) };
  };
  return { s, net, a: peer('a', '10.0.0.1'), b: peer('b', '10.0.0.2') };
}

function record(socket: Socket): Recorder {
  const r: Recorder = { data: [], events: [] };
  socket.on('data', (chunk) => r.data.push(chunk));
  socket.on('end', () => r.events.push('end'));
  socket.on('close', (hadError) => r.events.push(`close${hadError ? '!' : ''}`));
  socket.on('error', (error) => r.events.push(`error:${(error as NodeJS.ErrnoException).code ?? error.message}`));
  socket.on('drain', () => r.events.push('drain'));
  return r;
}

/** Connects a -> b:7000 and returns both ends with recorders. */
async function connected(env: ReturnType<typeof setup>): Promise<{ client: Socket; server: Socket; atClient: Recorder; atServer: Recorder }> {
  let server: Socket | null = null;
  let atServer: Recorder | null = null;
  await env.b.network.listen({ host: '10.0.0.2', port: 7000 }, (socket) => {
    server = socket;
    atServer = record(socket);
  });
  const pending = env.a.network.connect({ host: '10.0.0.2', port: 7000, timeoutMs: 1000 });
  await env.s.advance(10);
  const client = await pending;
  return { client, server: server!, atClient: record(client), atServer: atServer! };
}

describe('SimNetwork', () => {
  it('delivers bytes in order after the link latency, whatever the segmentation', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      const env = setup({ ...FAULTY_NETWORK, resetProbability: 0, spikeProbability: 0 }, seed);
      const { client, atServer } = await connected(env);
      const sent: Buffer[] = [];
      for (let i = 0; i < 50; i++) {
        const chunk = Buffer.alloc(1 + ((i * 37) % 300), i);
        sent.push(chunk);
        client.write(chunk);
        if (i % 7 === 0) await env.s.advance(0.5);
      }
      await env.s.advance(100);
      expect(Buffer.concat(atServer.data).equals(Buffer.concat(sent))).toBe(true);
    }
  });

  it('refuses a connection to a port nobody listens on, and times out across a partition', async () => {
    const env = setup();
    const refused = env.a.network.connect({ host: '10.0.0.2', port: 9, timeoutMs: 500 });
    const refusal = expect(refused).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await env.s.advance(10);
    await refusal;
    await env.b.network.listen({ host: '10.0.0.2', port: 7000 }, () => {});
    env.net.partition({ from: '10.0.0.2', to: '10.0.0.1', oneWay: true });
    const timedOut = env.a.network.connect({ host: '10.0.0.2', port: 7000, timeoutMs: 500 });
    const timeout = expect(timedOut).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await env.s.advance(499);
    await env.s.advance(2);
    await timeout;
  });

  it('holds bytes across a partition and delivers them after heal', async () => {
    const env = setup();
    const { client, atServer } = await connected(env);
    env.net.partition({ from: '10.0.0.1', to: '10.0.0.2' });
    client.write(Buffer.from('held'));
    await env.s.advance(1000);
    expect(atServer.data).toHaveLength(0);
    env.net.heal();
    await env.s.advance(10);
    expect(Buffer.concat(atServer.data).toString()).toBe('held');
    expect(atServer.events).toEqual([]);
  });

  it('resets a connection that stays stalled past the retransmission timeout', async () => {
    const env = setup();
    const { client, atClient, atServer } = await connected(env);
    env.net.partition({ from: '10.0.0.1', to: '10.0.0.2' });
    client.write(Buffer.from('never'));
    await env.s.advance(QUIET_NETWORK.stallResetMaxMs + 100);
    expect(atClient.events).toEqual(['error:ECONNRESET', 'close!']);
    expect(atServer.events).toEqual(['error:ECONNRESET', 'close!']);
    expect(env.net.stats().resets).toBe(1);
  });

  it('ends both sides on end(): the peer sees end, answers with its FIN, both close cleanly', async () => {
    const env = setup();
    const { client, atClient, atServer } = await connected(env);
    client.write(Buffer.from('bye'));
    client.end();
    await env.s.advance(10);
    expect(Buffer.concat(atServer.data).toString()).toBe('bye');
    expect(atServer.events).toEqual(['end', 'close']);
    expect(atClient.events).toEqual(['end', 'close']);
  });

  it('resets the peers of a killed process, and says nothing when its power is cut', async () => {
    const killed = setup();
    const k = await connected(killed);
    killed.b.process.kill();
    await killed.s.advance(10);
    expect(k.atClient.events).toEqual(['error:ECONNRESET', 'close!']);
    expect(k.atServer.events).toEqual([]);

    const powered = setup();
    const p = await connected(powered);
    powered.net.dieSilently(powered.b.process);
    powered.b.process.kill();
    await powered.s.advance(10);
    expect(p.atClient.events).toEqual([]);
    p.client.write(Buffer.from('anyone?'));
    await powered.s.advance(QUIET_NETWORK.stallResetMaxMs + 100);
    expect(p.atClient.events).toEqual(['error:ECONNRESET', 'close!']);
  });

  it('applies backpressure: write returns false past the high-water mark and drain follows', async () => {
    const env = setup({ ...QUIET_NETWORK, bytesPerMs: 1000 });
    const { client, atClient } = await connected(env);
    let accepted = true;
    for (let i = 0; i < 40 && accepted; i++) accepted = client.write(Buffer.alloc(16 * 1024));
    expect(accepted).toBe(false);
    expect(client.writableLength).toBeGreaterThan(WRITABLE_HIGH_WATER_BYTES);
    await env.s.advance(2000);
    expect(atClient.events).toContain('drain');
    expect(client.writableLength).toBe(0);
  });

  it('pauses delivery while the reader is paused', async () => {
    const env = setup();
    const { client, server, atServer } = await connected(env);
    server.pause();
    client.write(Buffer.from('x'));
    await env.s.advance(10);
    expect(atServer.data).toHaveLength(0);
    server.resume();
    await env.s.advance(1);
    expect(Buffer.concat(atServer.data).toString()).toBe('x');
  });

  it('lets a killed process listen again after restart (the port is free)', async () => {
    const env = setup();
    await env.b.network.listen({ host: '10.0.0.2', port: 7000 }, () => {});
    await expect(env.b.network.listen({ host: '10.0.0.2', port: 7000 }, () => {})).rejects.toMatchObject({ code: 'EADDRINUSE' });
    env.b.process.kill();
    const next = new SimProcess({ name: 'b', incarnation: 2 });
    const view = env.net.view({ process: next, host: '10.0.0.2' });
    await expect(view.listen({ host: '10.0.0.2', port: 7000 }, () => {})).resolves.toMatchObject({ port: 7000 });
  });
});
