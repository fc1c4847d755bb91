import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenMetadata, endpointAddress, hostId, token } from '../cluster/index.ts';
import type { EndpointAddress } from '../cluster/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode, consistencyName } from '../lib/index.ts';
import type { ConsistencyLevel as Level } from '../lib/index.ts';
import type { KeyspaceMetadata, ReplicationOptions } from '../schema/index.ts';
import { ReplicaLookup } from './replica-lookup.ts';
import { PAXOS_PENDING_ENDPOINTS_MAX, planPaxos, planRead, planWrite } from './replica-plan.ts';
import type { ReplicaTopology } from './replica-plan.ts';

const ep = (n: number): EndpointAddress => endpointAddress(`127.0.0.${n}:7000`);
const hid = (n: number): ReturnType<typeof hostId> => hostId(`00000000-0000-0000-0000-${n.toString(16).padStart(12, '0')}`);

/** Nodes given as [dc, rack, ...tokens]; node i is 127.0.0.(i+1). */
function ring(nodes: ReadonlyArray<readonly [string, string, ...number[]]>): TokenMetadata {
  let m = TokenMetadata.empty();
  nodes.forEach(([dc, rack, ...tokens], i) => {
    m = m.withEndpoint({ address: ep(i + 1), hostId: hid(i + 1), dc, rack });
    m = m.withNormalTokens(ep(i + 1), tokens.map(token));
  });
  return m;
}

function keyspace(replication: ReplicationOptions): KeyspaceMetadata {
  return { name: 'ks', durableWrites: true, replication, tables: new Map(), views: new Map(), types: new Map(), functions: [] };
}

const SIMPLE3 = keyspace({ class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '3' } });
const NTS_3_2 = keyspace({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', options: { dc1: '3', dc2: '2' } });

function topologyOf(m: TokenMetadata, self: EndpointAddress, dead: ReadonlySet<EndpointAddress>): ReplicaTopology {
  const info = m.endpoint(self)!;
  return {
    self: { address: self, dc: info.dc, rack: info.rack },
    isAlive: (a) => a === self || !dead.has(a),
    locate: (a) => {
      const e = m.endpoint(a);
      return e === undefined ? undefined : { dc: e.dc, rack: e.rack };
    },
  };
}

function unavailableFields(fn: () => unknown): { required: number; alive: number; consistency: number } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CqlError);
    const err = e as CqlError;
    expect(err.code).toBe(ErrorCode.Unavailable);
    if (err.details.kind !== 'unavailable') throw new Error('no unavailable details');
    return { required: err.details.required, alive: err.details.alive, consistency: err.details.consistency };
  }
  throw new Error('expected Unavailable');
}

// Five nodes in one DC, SimpleStrategy RF 3.
const SINGLE_DC = ring([['dc1', 'r1', 0], ['dc1', 'r1', 100], ['dc1', 'r1', 200], ['dc1', 'r1', 300], ['dc1', 'r1', 400]]);
// dc1: 4 nodes over two racks; dc2: 3 nodes; tokens interleaved.
const TWO_DC = ring([
  ['dc1', 'a', 0], ['dc2', 'x', 50], ['dc1', 'b', 100], ['dc2', 'x', 150], ['dc1', 'a', 200], ['dc2', 'y', 250], ['dc1', 'b', 300],
]);

describe('blockFor and availability, SimpleStrategy RF 3 over 5 nodes', () => {
  const lookup = new ReplicaLookup(ep(1));
  const replicas = lookup.replicas(SIMPLE3, SINGLE_DC, 50n);
  const factors = lookup.factors(SIMPLE3, SINGLE_DC);
  it('places the token on the next three owners clockwise', () => {
    expect(replicas.natural).toEqual([ep(2), ep(3), ep(4)]);
    expect(replicas.pending).toEqual([]);
  });
  // [level, blockFor, dead replicas tolerated]
  const table: Array<[Level, number]> = [
    [ConsistencyLevel.ANY, 1], [ConsistencyLevel.ONE, 1], [ConsistencyLevel.TWO, 2], [ConsistencyLevel.THREE, 3],
    [ConsistencyLevel.QUORUM, 2], [ConsistencyLevel.ALL, 3], [ConsistencyLevel.LOCAL_ONE, 1], [ConsistencyLevel.LOCAL_QUORUM, 2],
    [ConsistencyLevel.EACH_QUORUM, 2],
  ];
  for (const [level, expected] of table) {
    for (let deadCount = 0; deadCount <= 3; deadCount++) {
      it(`${consistencyName(level)} with ${deadCount} replica(s) down`, () => {
        const dead = new Set(replicas.natural.slice(0, deadCount));
        const topology = topologyOf(SINGLE_DC, ep(1), dead);
        const alive = 3 - deadCount;
        const write = (): ReturnType<typeof planWrite> => planWrite({ consistency: level, factors, replicas, topology });
        if (level === ConsistencyLevel.ANY || alive >= expected) {
          const plan = write();
          expect(plan.blockFor).toBe(expected);
          expect(plan.live).toHaveLength(alive);
          expect(plan.dead).toHaveLength(deadCount);
          expect(new Set([...plan.live, ...plan.dead])).toEqual(new Set(replicas.natural));
        } else {
          expect(unavailableFields(write)).toEqual({ consistency: level, required: expected, alive });
        }
        if (level === ConsistencyLevel.ANY) return;
        const read = (): ReturnType<typeof planRead> => planRead({ consistency: level, factors, natural: replicas.natural, topology });
        if (alive >= expected) {
          const plan = read();
          expect(plan.blockFor).toBe(expected);
          expect(plan.contacts).toHaveLength(expected);
          for (const c of plan.contacts) expect(dead.has(c)).toBe(false);
        } else {
          expect(unavailableFields(read)).toEqual({ consistency: level, required: expected, alive });
        }
      });
    }
  }
  it('speculative ALWAYS adds one contact when a candidate is left', () => {
    const topology = topologyOf(SINGLE_DC, ep(1), new Set());
    const plan = planRead({ consistency: ConsistencyLevel.QUORUM, factors, natural: replicas.natural, topology, extraContact: true });
    expect(plan.contacts).toHaveLength(3);
    expect(plan.blockFor).toBe(2);
  });
  it('puts the coordinator first when it is a replica', () => {
    const topology = topologyOf(SINGLE_DC, ep(3), new Set());
    const plan = planRead({ consistency: ConsistencyLevel.ONE, factors, natural: replicas.natural, topology });
    expect(plan.contacts).toEqual([ep(3)]);
  });
});

describe('NetworkTopologyStrategy {dc1: 3, dc2: 2}', () => {
  const lookup = new ReplicaLookup(ep(1));
  const factors = lookup.factors(NTS_3_2, TWO_DC);
  const replicas = lookup.replicas(NTS_3_2, TWO_DC, 10n);
  const inDc = (dc: string): EndpointAddress[] => replicas.natural.filter((a) => TWO_DC.endpoint(a)!.dc === dc);
  it('has three dc1 and two dc2 replicas', () => {
    expect(inDc('dc1')).toHaveLength(3);
    expect(inDc('dc2')).toHaveLength(2);
  });
  const cases: Array<{ level: Level; self: number; deadDc1: number; deadDc2: number; blockFor?: number; unavailable?: [number, number] }> = [
    { level: ConsistencyLevel.QUORUM, self: 1, deadDc1: 0, deadDc2: 0, blockFor: 3 },
    { level: ConsistencyLevel.QUORUM, self: 1, deadDc1: 1, deadDc2: 1, blockFor: 3 },
    { level: ConsistencyLevel.QUORUM, self: 1, deadDc1: 2, deadDc2: 1, unavailable: [3, 2] },
    { level: ConsistencyLevel.ALL, self: 1, deadDc1: 0, deadDc2: 1, unavailable: [5, 4] },
    { level: ConsistencyLevel.LOCAL_QUORUM, self: 1, deadDc1: 0, deadDc2: 2, blockFor: 2 },
    { level: ConsistencyLevel.LOCAL_QUORUM, self: 1, deadDc1: 1, deadDc2: 2, blockFor: 2 },
    { level: ConsistencyLevel.LOCAL_QUORUM, self: 1, deadDc1: 2, deadDc2: 0, unavailable: [2, 1] },
    { level: ConsistencyLevel.LOCAL_QUORUM, self: 2, deadDc1: 3, deadDc2: 0, blockFor: 2 },
    { level: ConsistencyLevel.LOCAL_QUORUM, self: 2, deadDc1: 0, deadDc2: 2, unavailable: [2, 1] },
    { level: ConsistencyLevel.LOCAL_ONE, self: 2, deadDc1: 3, deadDc2: 1, blockFor: 1 },
    { level: ConsistencyLevel.LOCAL_ONE, self: 1, deadDc1: 3, deadDc2: 0, unavailable: [1, 0] },
    { level: ConsistencyLevel.EACH_QUORUM, self: 1, deadDc1: 1, deadDc2: 0, blockFor: 4 },
    { level: ConsistencyLevel.EACH_QUORUM, self: 1, deadDc1: 0, deadDc2: 1, unavailable: [2, 1] },
    { level: ConsistencyLevel.EACH_QUORUM, self: 1, deadDc1: 2, deadDc2: 0, unavailable: [2, 1] },
  ];
  for (const c of cases) {
    it(`${consistencyName(c.level)} from node ${c.self}, dead dc1=${c.deadDc1} dc2=${c.deadDc2}`, () => {
      const dead = new Set([...inDc('dc1').slice(0, c.deadDc1), ...inDc('dc2').slice(0, c.deadDc2)]);
      const self = ep(c.self);
      dead.delete(self);
      const topology = topologyOf(TWO_DC, self, dead);
      const write = (): ReturnType<typeof planWrite> => planWrite({ consistency: c.level, factors, replicas, topology });
      const read = (): ReturnType<typeof planRead> => planRead({ consistency: c.level, factors, natural: replicas.natural, topology });
      if (c.unavailable !== undefined) {
        const [required, alive] = c.unavailable;
        expect(unavailableFields(write)).toMatchObject({ required, alive });
        expect(unavailableFields(read)).toMatchObject({ required, alive });
        return;
      }
      const plan = write();
      expect(plan.blockFor).toBe(c.blockFor);
      const readPlan = read();
      expect(readPlan.blockFor).toBe(c.blockFor);
      const selfDc = TWO_DC.endpoint(self)!.dc;
      if (c.level === ConsistencyLevel.LOCAL_QUORUM || c.level === ConsistencyLevel.LOCAL_ONE) {
        expect(plan.countedDatacenter).toBe(selfDc);
        for (const a of readPlan.contacts) expect(TWO_DC.endpoint(a)!.dc).toBe(selfDc);
      }
      if (c.level === ConsistencyLevel.EACH_QUORUM) {
        expect(plan.blockForByDatacenter).toEqual(new Map([['dc1', 2], ['dc2', 2]]));
        expect(readPlan.contacts.filter((a) => TWO_DC.endpoint(a)!.dc === 'dc1')).toHaveLength(2);
        expect(readPlan.contacts.filter((a) => TWO_DC.endpoint(a)!.dc === 'dc2')).toHaveLength(2);
      }
    });
  }
});

describe('pending replicas', () => {
  // Node 6 bootstraps with token 60: it becomes pending for the ranges it will replicate.
  const base = ring([['dc1', 'r1', 0], ['dc1', 'r1', 100], ['dc1', 'r1', 200], ['dc1', 'r1', 300], ['dc1', 'r1', 400]]);
  const joining = base.withEndpoint({ address: ep(6), hostId: hid(6), dc: 'dc1', rack: 'r1' }).withBootstrapTokens(ep(6), [token(60)]);
  const lookup = new ReplicaLookup(ep(1));
  const replicas = lookup.replicas(SIMPLE3, joining, 50n);
  const factors = lookup.factors(SIMPLE3, joining);
  const topology = topologyOf(joining, ep(1), new Set());
  it('adds the pending replica to the targets and to blockFor (not for ANY)', () => {
    expect(replicas.pending).toEqual([ep(6)]);
    const quorum = planWrite({ consistency: ConsistencyLevel.QUORUM, factors, replicas, topology });
    expect(quorum.targets).toEqual([...replicas.natural, ep(6)]);
    expect(quorum.blockFor).toBe(3);
    expect(planWrite({ consistency: ConsistencyLevel.ANY, factors, replicas, topology }).blockFor).toBe(1);
    expect(planWrite({ consistency: ConsistencyLevel.LOCAL_QUORUM, factors, replicas, topology }).blockFor).toBe(3);
    expect(planWrite({ consistency: ConsistencyLevel.ALL, factors, replicas, topology }).blockFor).toBe(4);
  });
  it('counts pending replicas as live targets for the availability check', () => {
    const oneDown = topologyOf(joining, ep(1), new Set([replicas.natural[0]!]));
    expect(planWrite({ consistency: ConsistencyLevel.QUORUM, factors, replicas, topology: oneDown }).blockFor).toBe(3);
    const twoDown = topologyOf(joining, ep(1), new Set(replicas.natural.slice(0, 2)));
    expect(unavailableFields(() => planWrite({ consistency: ConsistencyLevel.QUORUM, factors, replicas, topology: twoDown }))).toMatchObject({ required: 3, alive: 2 });
  });
  it('reads ignore pending replicas', () => {
    const plan = planRead({ consistency: ConsistencyLevel.ALL, factors, natural: replicas.natural, topology });
    expect(plan.contacts).not.toContain(ep(6));
  });
  it('Paxos: pending raise the quorum; more than one pending is refused', () => {
    const plan = planPaxos({ serialConsistency: ConsistencyLevel.SERIAL, replicas, topology });
    expect(plan.participants).toHaveLength(4);
    expect(plan.requiredParticipants).toBe(3);
    const two = { natural: replicas.natural, pending: [ep(6), ep(5)] };
    expect(PAXOS_PENDING_ENDPOINTS_MAX).toBe(1);
    expect(unavailableFields(() => planPaxos({ serialConsistency: ConsistencyLevel.SERIAL, replicas: two, topology }))).toMatchObject({ required: 6, alive: 5 });
  });
});

describe('Paxos participants', () => {
  const lookup = new ReplicaLookup(ep(1));
  const replicas = lookup.replicas(NTS_3_2, TWO_DC, 10n);
  it('SERIAL uses every DC, LOCAL_SERIAL the local one', () => {
    const topology = topologyOf(TWO_DC, ep(1), new Set());
    expect(planPaxos({ serialConsistency: ConsistencyLevel.SERIAL, replicas, topology }).requiredParticipants).toBe(3);
    const local = planPaxos({ serialConsistency: ConsistencyLevel.LOCAL_SERIAL, replicas, topology });
    expect(local.participants).toHaveLength(3);
    expect(local.requiredParticipants).toBe(2);
  });
  it('is Unavailable below a quorum of live participants', () => {
    // Node 1 is not a replica of token 10; two of the three dc1 replicas are down.
    const dc1 = replicas.natural.filter((a) => TWO_DC.endpoint(a)!.dc === 'dc1').slice(0, 2);
    const topology = topologyOf(TWO_DC, ep(1), new Set(dc1));
    expect(unavailableFields(() => planPaxos({ serialConsistency: ConsistencyLevel.LOCAL_SERIAL, replicas, topology })))
      .toEqual({ consistency: ConsistencyLevel.LOCAL_SERIAL, required: 2, alive: 1 });
  });
});

describe('plans over random rings (properties)', () => {
  const levels: Level[] = [
    ConsistencyLevel.ONE, ConsistencyLevel.TWO, ConsistencyLevel.THREE, ConsistencyLevel.QUORUM, ConsistencyLevel.ALL,
    ConsistencyLevel.LOCAL_ONE, ConsistencyLevel.LOCAL_QUORUM, ConsistencyLevel.EACH_QUORUM,
  ];
  it('live + dead = targets, contacts are live candidates, local levels stay local, counts match the arithmetic', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ dc: fc.constantFrom('dc1', 'dc2', 'dc3'), rack: fc.constantFrom('a', 'b'), tokens: fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 4 }) }), { minLength: 1, maxLength: 9 }),
      fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: -1000, max: 1000 }),
      fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }), fc.constantFrom(...levels), fc.boolean(),
      (nodes, rf1, rf2, t, aliveFlags, level, nts) => {
        const used = new Set<number>();
        const spec = nodes.map((n) => [n.dc, n.rack, ...n.tokens.filter((x) => !used.has(x) && (used.add(x), true))] as const)
          .filter((n) => n.length > 2);
        if (spec.length === 0) return;
        const m = ring(spec as unknown as Array<[string, string, ...number[]]>);
        const ks = nts
          ? keyspace({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', options: { dc1: String(rf1), ...(rf2 > 0 ? { dc2: String(rf2) } : {}) } })
          : keyspace({ class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: String(rf1) } });
        const self = ep(1);
        const dead = new Set<EndpointAddress>();
        spec.forEach((_, i) => { if (!aliveFlags[i] && i > 0) dead.add(ep(i + 1)); });
        const topology = topologyOf(m, self, dead);
        const lookup = new ReplicaLookup(self);
        const replicas = lookup.replicas(ks, m, BigInt(t));
        const factors = lookup.factors(ks, m);
        try {
          const plan = planWrite({ consistency: level, factors, replicas, topology });
          expect(new Set([...plan.live, ...plan.dead])).toEqual(new Set(plan.targets));
          for (const a of plan.live) expect(dead.has(a)).toBe(false);
          expect(plan.blockFor).toBeGreaterThanOrEqual(1);
        } catch (e) {
          expect((e as CqlError).code).toBe(ErrorCode.Unavailable);
        }
        try {
          const plan = planRead({ consistency: level, factors, natural: replicas.natural, topology });
          for (const a of plan.contacts) {
            expect(plan.candidates).toContain(a);
            expect(dead.has(a)).toBe(false);
            if (level === ConsistencyLevel.LOCAL_ONE || level === ConsistencyLevel.LOCAL_QUORUM) expect(m.endpoint(a)!.dc).toBe(m.endpoint(self)!.dc);
          }
          expect(plan.contacts.length).toBe(plan.blockFor);
        } catch (e) {
          expect((e as CqlError).code).toBe(ErrorCode.Unavailable);
        }
      },
    ), { numRuns: 400 });
  });
});
