import { describe, expect, it } from 'vitest';
import { type EndpointAddress, endpointAddress, hostId } from '../endpoint.ts';
import { AppState } from './application-state.ts';
import type { EndpointState } from './endpoint-state.ts';
import type { GossipMessage } from './gossip-message.ts';
import {
  type GossipInput, type GossipOutput, type GossiperState, VERY_LONG_TIME_MS, createGossiper, gossipStep, gossiperConfig,
  isEndpointAlive, nextGeneration,
} from './gossiper.ts';
import { SeededRandom } from '../../lib/index.ts';

const A = endpointAddress('10.0.0.1:7000');
const B = endpointAddress('10.0.0.2:7000');
const C = endpointAddress('10.0.0.3:7000');
const T0 = 1_700_000_000_000;
const GEN = 1_700_000_000;

function gossiper(self: EndpointAddress, seeds: EndpointAddress[] = [A]): GossiperState {
  const s = createGossiper(gossiperConfig({ self, clusterName: 'test', seeds }), GEN, T0);
  return gossipStep(s, { kind: 'start' }, T0, new SeededRandom(1)).state;
}

class Harness {
  state: GossiperState;
  outputs: GossipOutput[] = [];
  readonly random = new SeededRandom(42);
  constructor(state: GossiperState) { this.state = state; }
  step(input: GossipInput, nowMs: number): GossipOutput[] {
    const r = gossipStep(this.state, input, nowMs, this.random);
    this.state = r.state;
    this.outputs = [...r.outputs];
    return this.outputs;
  }
  receive(from: EndpointAddress, message: GossipMessage, nowMs: number): GossipOutput[] {
    return this.step({ kind: 'receive', from, message }, nowMs);
  }
  sent(): Array<{ to: EndpointAddress; message: GossipMessage }> {
    return this.outputs.flatMap((o) => (o.kind === 'send' ? [{ to: o.to, message: o.message }] : []));
  }
  events(): string[] {
    return this.outputs.flatMap((o) => (o.kind === 'event' ? [`${o.event.type}${'endpoint' in o.event ? ` ${o.event.endpoint}` : ''}`] : []));
  }
}

const state = (generation: number, version: number, extra: Record<string, [string, number]> = {}): EndpointState => ({
  heartBeat: { generation, version },
  states: Object.fromEntries(Object.entries(extra).map(([k, [value, v]]) => [k, { value, version: v }])),
});

/** Makes `h` know `endpoint` with the given state, and marks it up through the ECHO round trip. */
function learn(h: Harness, endpoint: EndpointAddress, s: EndpointState, nowMs: number): void {
  h.receive(endpoint, { type: 'SYN', clusterName: 'test', partitioner: h.state.config.partitioner, digests: [{ endpoint, generation: s.heartBeat.generation, maxVersion: 1 }] }, nowMs);
  h.step({ kind: 'tick' }, nowMs); // our first SYN, so ACKs are accepted
  h.receive(endpoint, { type: 'ACK2', states: [{ endpoint, state: s }] }, nowMs);
  h.receive(endpoint, { type: 'ECHO_RSP' }, nowMs);
}

describe('SYN handling (examineGossiper)', () => {
  const h = new Harness(gossiper(A));
  learn(h, B, state(GEN, 5, { STATUS_WITH_PORT: ['NORMAL,1', 3] }), T0);
  const syn = (digests: Array<[EndpointAddress, number, number]>): GossipMessage => ({
    type: 'SYN', clusterName: 'test', partitioner: h.state.config.partitioner, digests: digests.map(([endpoint, generation, maxVersion]) => ({ endpoint, generation, maxVersion })),
  });

  it('requests everything about unknown endpoints and newer generations, sends all for older ones', () => {
    h.receive(C, syn([[C, GEN, 7], [B, GEN + 5, 2]]), T0 + 10);
    const [ack] = h.sent();
    expect(ack!.to).toBe(C);
    expect(ack!.message).toMatchObject({ type: 'ACK', digests: [{ endpoint: B, generation: GEN + 5, maxVersion: 0 }, { endpoint: C, generation: GEN, maxVersion: 0 }], states: [] });
    h.receive(C, syn([[B, GEN - 1, 50]]), T0 + 20);
    expect(h.sent()[0]!.message).toMatchObject({ type: 'ACK', digests: [], states: [{ endpoint: B, state: { heartBeat: { generation: GEN, version: 5 } } }] });
  });

  it('asks for versions above its own max, or sends what is above the remote max', () => {
    h.receive(C, syn([[B, GEN, 9]]), T0 + 30);
    expect(h.sent()[0]!.message).toMatchObject({ digests: [{ endpoint: B, generation: GEN, maxVersion: 5 }], states: [] });
    h.receive(C, syn([[B, GEN, 4]]), T0 + 40);
    const ack = h.sent()[0]!.message as Extract<GossipMessage, { type: 'ACK' }>;
    expect(ack.states).toEqual([{ endpoint: B, state: { heartBeat: { generation: GEN, version: 5 }, states: {} } }]);
    h.receive(C, syn([[B, GEN, 5]]), T0 + 50);
    expect(h.sent()[0]!.message).toMatchObject({ digests: [], states: [] }); // in sync
  });

  it('ignores another cluster, with a warning', () => {
    h.receive(C, { type: 'SYN', clusterName: 'other', partitioner: h.state.config.partitioner, digests: [] }, T0 + 60);
    expect(h.sent()).toEqual([]);
    expect(h.events()).toEqual(['warning']);
  });

  it('answers an empty SYN (shadow round) with every state', () => {
    h.receive(C, syn([]), T0 + 70);
    const ack = h.sent()[0]!.message as Extract<GossipMessage, { type: 'ACK' }>;
    expect(ack.states.map((s) => s.endpoint)).toEqual([A, B]);
  });
});

describe('shadow round', () => {
  const fresh = (self: EndpointAddress, seeds: EndpointAddress[]): Harness =>
    new Harness(createGossiper(gossiperConfig({ self, clusterName: 'test', seeds }), GEN, T0));
  const done = (h: Harness) => h.outputs.flatMap((o) => (o.kind === 'event' && o.event.type === 'shadow_round_done' ? [o.event] : []));
  const emptyAck: GossipMessage = { type: 'ACK', digests: [], states: [] };

  it('names the seeds as starting when every seed answers from a shadow round of its own', () => {
    const h = fresh(C, [A, B]);
    h.step({ kind: 'shadow_round' }, T0);
    expect(h.sent().map((s) => s.to)).toEqual([A, B]);
    h.receive(A, emptyAck, T0 + 5);
    expect(done(h)).toEqual([]); // B has not answered yet
    h.receive(B, emptyAck, T0 + 6);
    expect(done(h)).toEqual([{ type: 'shadow_round_done', states: [], startingSeeds: [A, B] }]);
  });

  it('names no starting seed when a seed answers with states', () => {
    const h = fresh(C, [A, B]);
    h.step({ kind: 'shadow_round' }, T0);
    const states = [{ endpoint: A, state: state(GEN, 3, { HOST_ID: ['00000000-0000-0000-0000-00000000000a', 1] }) }];
    h.receive(A, { type: 'ACK', digests: [], states }, T0 + 5);
    expect(done(h)).toEqual([{ type: 'shadow_round_done', states, startingSeeds: [] }]);
  });
});

describe('applying state', () => {
  it('ignores ACK states before its first SYN (CASSANDRA-12653)', () => {
    const h = new Harness(gossiper(B, [A]));
    h.receive(A, { type: 'ACK', digests: [], states: [{ endpoint: A, state: state(GEN, 3) }] }, T0);
    expect(h.sent()).toEqual([]);
    expect(h.state.endpoints.has(A)).toBe(false);
  });

  it('marks a new endpoint alive only after an ECHO round trip', () => {
    const h = new Harness(gossiper(A));
    h.step({ kind: 'tick' }, T0);
    h.receive(B, { type: 'ACK2', states: [{ endpoint: B, state: state(GEN, 2) }] }, T0 + 1);
    expect(h.sent()).toEqual([{ to: B, message: { type: 'ECHO_REQ' } }]);
    expect(h.events()).toEqual([`join ${B}`]);
    expect(isEndpointAlive(h.state, B)).toBe(false);
    h.receive(B, { type: 'ECHO_RSP' }, T0 + 2);
    expect(h.events()).toEqual([`alive ${B}`]);
    expect(isEndpointAlive(h.state, B)).toBe(true);
    h.receive(B, { type: 'ECHO_RSP' }, T0 + 3); // a duplicate response does not notify again
    expect(h.events()).toEqual([]);
  });

  it('applies newer states with STATUS first, and a new generation as a restart', () => {
    const h = new Harness(gossiper(A));
    learn(h, B, state(GEN, 2, { STATUS_WITH_PORT: ['BOOT,5', 1] }), T0);
    h.receive(B, { type: 'ACK2', states: [{ endpoint: B, state: state(GEN, 9, { LOAD: ['1.0', 8], STATUS_WITH_PORT: ['NORMAL,5', 7] }) }] }, T0 + 1);
    expect(h.events()).toEqual([`change ${B}`, `change ${B}`]);
    expect((h.outputs[0] as { event: { key: string } }).event.key).toBe(AppState.StatusWithPort);
    h.receive(B, { type: 'ACK2', states: [{ endpoint: B, state: state(GEN + 60, 1, { STATUS_WITH_PORT: ['NORMAL,5', 1] }) }] }, T0 + 2);
    expect(h.events()).toEqual([`restart ${B}`, `join ${B}`]);
    expect(h.state.endpoints.get(B)!.state.heartBeat.generation).toBe(GEN + 60);
  });

  it('ignores a generation more than a year ahead of its clock', () => {
    const h = new Harness(gossiper(A));
    learn(h, B, state(GEN, 2), T0);
    h.receive(B, { type: 'ACK2', states: [{ endpoint: B, state: state(GEN + 86_400 * 366, 1) }] }, T0 + 1);
    expect(h.events()).toEqual(['warning']);
    expect(h.state.endpoints.get(B)!.state.heartBeat.generation).toBe(GEN);
  });
});

describe('target selection (GossipTask)', () => {
  it('gossips to a seed when nobody is live, and not at all when it is the only seed', () => {
    const nonSeed = new Harness(gossiper(B, [A]));
    nonSeed.step({ kind: 'tick' }, T0);
    expect(nonSeed.sent().map((s) => s.to)).toEqual([A]);
    const loneSeed = new Harness(gossiper(A, [A]));
    loneSeed.step({ kind: 'tick' }, T0);
    expect(loneSeed.sent()).toEqual([]);
  });

  it('bumps the heartbeat from the process-wide version counter every round', () => {
    const h = new Harness(gossiper(A));
    h.step({ kind: 'set_local_states', states: [[AppState.Load, '1.0']] }, T0);
    expect(h.state.versionCounter).toBe(1);
    h.step({ kind: 'tick' }, T0 + 1000);
    h.step({ kind: 'tick' }, T0 + 2000);
    expect(h.state.endpoints.get(A)!.state.heartBeat.version).toBe(3);
    expect(h.state.endpoints.get(A)!.state.states.LOAD).toEqual({ value: '1.0', version: 1 });
  });

  it('probes unreachable endpoints with probability unreachable / (live + 1)', () => {
    const h = new Harness(gossiper(A, [A]));
    const normal = { STATUS_WITH_PORT: ['NORMAL,5', 1] as [string, number] }; // ring members: never evicted as fat clients
    learn(h, B, state(GEN, 2, normal), T0);
    learn(h, C, state(GEN, 2, normal), T0);
    h.step({ kind: 'convict', endpoint: C }, T0 + 1);
    expect(h.events()).toEqual([`dead ${C}`]);
    let toC = 0;
    const rounds = 4000;
    for (let i = 0; i < rounds; i++) {
      // Keep B fresh so it is never convicted.
      h.receive(B, { type: 'ACK2', states: [{ endpoint: B, state: state(GEN, 10 + i, normal) }] }, T0 + 1000 * (i + 1));
      h.step({ kind: 'tick' }, T0 + 1000 * (i + 1));
      toC += h.sent().filter((s) => s.to === C).length;
    }
    expect(toC / rounds).toBeGreaterThan(0.46); // 1 / (1 + 1) = 0.5
    expect(toC / rounds).toBeLessThan(0.54);
  });
});

describe('removal, quarantine and expiry', () => {
  it('quarantines removed endpoints for QUARANTINE_DELAY, then listens again', () => {
    const h = new Harness(gossiper(A));
    learn(h, B, state(GEN, 2), T0);
    h.step({ kind: 'remove_endpoint', endpoint: B }, T0 + 10);
    expect(h.events()).toEqual([`remove ${B}`]);
    h.receive(B, { type: 'ACK2', states: [{ endpoint: B, state: state(GEN + 1, 1) }] }, T0 + 1000);
    expect(h.events()).toEqual([]); // ignored while quarantined
    h.step({ kind: 'tick' }, T0 + 61_000);
    expect(h.state.quarantine.has(B)).toBe(false);
    h.receive(B, { type: 'ACK2', states: [{ endpoint: B, state: state(GEN + 1, 1) }] }, T0 + 62_000);
    expect(h.events()).toEqual([`restart ${B}`, `join ${B}`]);
  });

  it('removes a LEFT endpoint at once and evicts its state after the 3-day expiry', () => {
    const h = new Harness(gossiper(A));
    learn(h, B, state(GEN, 2, { STATUS_WITH_PORT: ['NORMAL,5', 1] }), T0);
    const expireAtMs = T0 + VERY_LONG_TIME_MS;
    h.receive(B, { type: 'ACK2', states: [{ endpoint: B, state: state(GEN, 9, { STATUS_WITH_PORT: [`LEFT,5,${expireAtMs}`, 8] }) }] }, T0 + 100);
    expect(h.events()).toEqual([`change ${B}`, `remove ${B}`]);
    expect(h.state.expireTimes.get(B)).toBe(expireAtMs);
    // The node stops; it is convicted (it was still alive) and stays known until the expiry.
    for (let t = T0 + 1000; t <= T0 + 40_000; t += 1000) h.step({ kind: 'tick' }, t);
    expect(h.state.unreachable.has(B)).toBe(true);
    h.step({ kind: 'tick' }, expireAtMs);
    expect(h.state.endpoints.has(B)).toBe(true);
    h.step({ kind: 'tick' }, expireAtMs + 1);
    expect(h.state.endpoints.has(B)).toBe(false);
    expect(h.state.quarantine.has(B)).toBe(true);
  });

  it('evicts a silent gossip-only member (e.g. a failed bootstrap) after the fat client timeout', () => {
    const h = new Harness(gossiper(A));
    learn(h, B, state(GEN, 2, { STATUS_WITH_PORT: ['BOOT,5', 1] }), T0);
    for (let t = T0 + 1000; t <= T0 + 30_000; t += 1000) h.step({ kind: 'tick' }, t);
    expect(h.state.endpoints.has(B)).toBe(true);
    h.step({ kind: 'tick' }, T0 + 31_000);
    expect(h.events()).toContain(`remove ${B}`);
    expect(h.state.endpoints.has(B)).toBe(false);
  });

  it('spoofs removing/removed with a newer generation for removenode', () => {
    const h = new Harness(gossiper(A));
    learn(h, B, state(GEN, 2, { STATUS_WITH_PORT: ['NORMAL,5', 1] }), T0);
    const idB = hostId('00000000-0000-0000-0000-000000000002');
    const idA = hostId('00000000-0000-0000-0000-000000000001');
    h.step({ kind: 'advertise_removing', endpoint: B, hostId: idB, localHostId: idA }, T0 + 10);
    const b = h.state.endpoints.get(B)!.state;
    expect(b.heartBeat.generation).toBe(GEN + 1);
    expect(b.states.STATUS_WITH_PORT!.value).toBe(`removing,${idB}`);
    expect(b.states.REMOVAL_COORDINATOR!.value).toBe(`REMOVER,${idA}`);
    h.step({ kind: 'advertise_removed', endpoint: B, hostId: idB }, T0 + 20);
    expect(h.state.endpoints.get(B)!.state.states.STATUS_WITH_PORT!.value).toBe(`removed,${idB},${T0 + 20 + VERY_LONG_TIME_MS}`);
    expect(h.state.endpoints.get(B)!.state.heartBeat.generation).toBe(GEN + 2);
  });
});

describe('shutdown', () => {
  it('announces shutdown to live peers and stops answering ECHO', () => {
    const h = new Harness(gossiper(A));
    learn(h, B, state(GEN, 2), T0);
    h.step({ kind: 'set_local_states', states: [[AppState.StatusWithPort, 'NORMAL,5']] }, T0);
    h.step({ kind: 'shutdown' }, T0 + 10);
    const sent = h.sent();
    expect(sent.map((s) => [s.to, s.message.type])).toEqual([[B, 'SHUTDOWN']]);
    expect((sent[0]!.message as { state: EndpointState }).state.states.STATUS_WITH_PORT!.value).toBe('shutdown,true');
    h.receive(B, { type: 'ECHO_REQ' }, T0 + 20);
    expect(h.sent()).toEqual([]);
  });

  it('marks a peer down at once on its shutdown message', () => {
    const h = new Harness(gossiper(A));
    learn(h, B, state(GEN, 2, { STATUS_WITH_PORT: ['NORMAL,5', 1] }), T0);
    h.receive(B, { type: 'SHUTDOWN', state: state(GEN, 3, { STATUS_WITH_PORT: ['shutdown,true', 3] }) }, T0 + 5);
    expect(h.events()).toEqual([`dead ${B}`, `change ${B}`]);
    expect(isEndpointAlive(h.state, B)).toBe(false);
  });
});

describe('generations', () => {
  it('uses the clock, or stored + 1 when the clock has not moved past it', () => {
    expect(nextGeneration(null, 1_700_000_123_456)).toBe(1_700_000_123);
    expect(nextGeneration(1_600_000_000, 1_700_000_123_456)).toBe(1_700_000_123);
    expect(nextGeneration(1_700_000_123, 1_700_000_123_456)).toBe(1_700_000_124);
    expect(nextGeneration(1_800_000_000, 1_700_000_123_456)).toBe(1_800_000_001); // clock went back
  });
});
