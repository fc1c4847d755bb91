import { describe, expect, it } from 'vitest';
import { CqlError, ErrorCode } from '../../lib/index.ts';
import { type EndpointAddress, endpointAddress, hostId } from '../endpoint.ts';
import { TokenMetadata } from '../token-metadata.ts';
import { token } from '../token-range.ts';
import {
  StrategyClass, createReplicationStrategy, parseReplicationFactor, prepareReplicationOptions, replicationWarnings,
  resolveStrategyClass,
  validateReplication,
} from './replication-options.ts';
import { ReplicaMapCache, RingReplicaMap } from './ring-replica-map.ts';

const ep = (n: number): EndpointAddress => endpointAddress(`127.0.0.${n}:7000`);
const local = ep(9);

/** Nodes given as [dc, rack, ...tokens]. */
function ring(nodes: Array<[string, string, ...number[]]>): TokenMetadata {
  let m = TokenMetadata.empty();
  nodes.forEach(([dc, rack, ...tokens], i) => {
    m = m.withEndpoint({ address: ep(i + 1), hostId: hostId(`00000000-0000-0000-0000-00000000000${i + 1}`), dc, rack });
    m = m.withNormalTokens(ep(i + 1), tokens.map(token));
  });
  return m;
}

function configMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CqlError);
    expect((e as CqlError).code).toBe(ErrorCode.ConfigError);
    return (e as CqlError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('NetworkTopologyStrategy placement', () => {
  // dc1: racks a, a, b; dc2: one rack. Tokens interleave the DCs.
  const m = ring([
    ['dc1', 'a', 0], ['dc2', 'x', 10], ['dc1', 'a', 20], ['dc2', 'x', 30], ['dc1', 'b', 40], ['dc2', 'x', 50],
  ]);
  const nts = createReplicationStrategy({ class: 'NetworkTopologyStrategy', options: { dc1: '2', dc2: '2' } }, { localAddress: local });

  it('prefers a new rack over a nearer node of a seen rack, interleaving DCs in ring order', () => {
    // From token 0: ep1 (dc1/a), ep2 (dc2), ep3 (dc1/a again: skipped, repeats = 2 - 2 racks = 0),
    // ep4 (dc2), ep5 (dc1/b).
    expect(nts.calculateNaturalReplicas(token(0), m)).toEqual([ep(1), ep(2), ep(4), ep(5)]);
  });
  it('fills rf from rack repeats when a DC has fewer racks than rf', () => {
    const rf3 = createReplicationStrategy({ class: 'NetworkTopologyStrategy', options: { dc1: '3' } }, { localAddress: local });
    expect(rf3.calculateNaturalReplicas(token(15), m)).toEqual([ep(3), ep(5), ep(1)]);
  });
  it('caps replicas at the nodes of the DC and ignores DCs without nodes', () => {
    const big = createReplicationStrategy({ class: 'NetworkTopologyStrategy', options: { dc1: '5', dc3: '2' } }, { localAddress: local });
    expect(big.calculateNaturalReplicas(token(41), m)).toEqual([ep(1), ep(3), ep(5)]);
    expect(big.totalReplicationFactor(m)).toBe(7);
    expect(big.replicationFactorIn('dc1', m)).toBe(5);
  });
});

describe('SimpleStrategy, LocalStrategy, EverywhereStrategy', () => {
  const m = ring([['dc1', 'r', 0, 100], ['dc1', 'r', 50], ['dc2', 'r', 75]]);
  it('SimpleStrategy walks distinct owners', () => {
    const s = createReplicationStrategy({ class: 'SimpleStrategy', options: { replication_factor: '2' } }, { localAddress: local });
    expect(s.calculateNaturalReplicas(token(60), m)).toEqual([ep(3), ep(1)]);
    expect(s.calculateNaturalReplicas(token(101), m)).toEqual([ep(1), ep(2)]); // wraps to token 0
  });
  it('LocalStrategy answers the local node, even on an empty ring', () => {
    const s = createReplicationStrategy({ class: StrategyClass.Local, options: {} }, { localAddress: local });
    expect(new RingReplicaMap(s, TokenMetadata.empty()).replicasFor(token(5))).toEqual([local]);
    expect(s.calculateNaturalReplicas(token(5), m)).toEqual([local]);
  });
  it('EverywhereStrategy replicates on every member', () => {
    const s = createReplicationStrategy({ class: 'EverywhereStrategy', options: {} }, { localAddress: local });
    expect(s.calculateNaturalReplicas(token(60), m)).toEqual([ep(3), ep(1), ep(2)]);
    expect(s.totalReplicationFactor(m)).toBe(3);
  });
});

describe('replica maps and their cache', () => {
  const m = ring([['dc1', 'r', 0], ['dc1', 'r', 50], ['dc1', 'r', 75]]);
  const s = createReplicationStrategy({ class: 'SimpleStrategy', options: { replication_factor: '2' } }, { localAddress: local });
  it('answers ranges, primary ranges and per-range replicas', () => {
    const map = new RingReplicaMap(s, m);
    expect(map.replicasFor(token(60))).toEqual([ep(3), ep(1)]);
    expect(map.rangesFor(ep(1)).map((r) => `${r.left},${r.right}`)).toEqual(['75,0', '50,75']);
    expect(map.primaryRangesFor(ep(1)).map((r) => `${r.left},${r.right}`)).toEqual(['75,0']);
    expect(map.rangesByEndpoint().get(ep(2))!.length).toBe(2);
  });
  it('reuses a map for the same snapshot and strategy, and rebuilds for a new snapshot', () => {
    const cache = new ReplicaMapCache();
    const first = cache.get(s, m);
    expect(cache.get(s, m)).toBe(first);
    const same = createReplicationStrategy({ class: 'SimpleStrategy', options: { replication_factor: '2' } }, { localAddress: local });
    expect(cache.get(same, m)).toBe(first); // keyed by placement rule, not object identity
    const next = m.withEndpoint({ address: ep(4), hostId: hostId('00000000-0000-0000-0000-000000000004'), dc: 'dc1', rack: 'r' })
      .withNormalTokens(ep(4), [token(60)]);
    const rebuilt = cache.get(s, next);
    expect(rebuilt).not.toBe(first);
    expect(rebuilt.replicasFor(token(55))).toEqual([ep(4), ep(3)]);
  });
});

describe('replication options: Cassandra messages', () => {
  const ctx = { keyspace: 'ks', localAddress: local, knownDatacenters: new Set(['dc1', 'dc2']) };
  it('resolves class names', () => {
    expect(resolveStrategyClass('SimpleStrategy')).toBe(StrategyClass.Simple);
    expect(configMessage(() => resolveStrategyClass('FooStrategy'))).toBe("Unable to find replication strategy class 'org.apache.cassandra.locator.FooStrategy'");
    expect(configMessage(() => resolveStrategyClass('OldNetworkTopologyStrategy'))).toMatch(/has been removed in C\* version 4.0/);
  });
  it('parses replication factors like ReplicationFactor.fromString', () => {
    expect(parseReplicationFactor('3')).toEqual({ allReplicas: 3, transientReplicas: 0 });
    expect(parseReplicationFactor('+3').allReplicas).toBe(3);
    expect(parseReplicationFactor('3/0').allReplicas).toBe(3);
    expect(configMessage(() => parseReplicationFactor('three'))).toBe('For input string: "three"');
    expect(configMessage(() => parseReplicationFactor('3.0'))).toBe('For input string: "3.0"');
    expect(configMessage(() => parseReplicationFactor('99999999999'))).toBe('For input string: "99999999999"');
    expect(configMessage(() => parseReplicationFactor('-1'))).toBe('Replication factor must be non-negative, found -1');
    expect(configMessage(() => parseReplicationFactor('3/1'))).toBe('Transient replication is not enabled on this node');
    expect(configMessage(() => parseReplicationFactor('3/'))).toBe('Replication factor format is <replicas> or <replicas>/<transient>');
  });
  it('SimpleStrategy: missing and unrecognized options', () => {
    expect(configMessage(() => validateReplication({ class: 'SimpleStrategy', options: {} }, ctx)))
      .toBe('SimpleStrategy requires a replication_factor strategy option.');
    expect(configMessage(() => validateReplication({ class: 'SimpleStrategy', options: { replication_factor: '1', dc1: '2' } }, ctx)))
      .toBe('Unrecognized strategy option {dc1} passed to SimpleStrategy for keyspace ks');
    expect(configMessage(() => validateReplication({ class: 'SimpleStrategy', options: { replication_factor: 'x' } }, ctx)))
      .toBe('For input string: "x"');
  });
  it('NetworkTopologyStrategy: unknown DCs, empty options, replication_factor key', () => {
    expect(configMessage(() => validateReplication({ class: 'NetworkTopologyStrategy', options: { dc9: '3' } }, ctx)))
      .toBe('Unrecognized strategy option {dc9} passed to NetworkTopologyStrategy for keyspace ks');
    expect(configMessage(() => validateReplication({ class: 'NetworkTopologyStrategy', options: {} }, ctx)))
      .toBe('Configuration for at least one datacenter must be present');
    expect(configMessage(() => validateReplication({ class: 'NetworkTopologyStrategy', options: { replication_factor: '3' } }, ctx)))
      .toBe('replication_factor should not appear as an option at construction time for NetworkTopologyStrategy');
    expect(configMessage(() => validateReplication({ class: 'NetworkTopologyStrategy', options: { dc9: 'x' } }, ctx)))
      .toBe('For input string: "x"'); // construction errors come before option checks, as in Cassandra
    expect(validateReplication({ class: 'NetworkTopologyStrategy', options: { dc1: '3', dc2: '1' } }, ctx).totalReplicationFactor(TokenMetadata.empty())).toBe(4);
  });
  it('prepares options as Cassandra 4.1 does before validation', () => {
    const known = { knownDatacenters: new Set(['dc1', 'dc2']) };
    expect(prepareReplicationOptions(StrategyClass.Simple, {}, {}, known)).toEqual({ replication_factor: '1' });
    expect(prepareReplicationOptions(StrategyClass.Simple, {}, { replication_factor: '3' }, known)).toEqual({ replication_factor: '3' });
    expect(prepareReplicationOptions(StrategyClass.NetworkTopology, { replication_factor: '3' }, {}, known)).toEqual({ dc1: '3', dc2: '3' });
    expect(prepareReplicationOptions(StrategyClass.NetworkTopology, { replication_factor: '3', dc2: '1' }, {}, known)).toEqual({ dc1: '3', dc2: '1' });
    expect(prepareReplicationOptions(StrategyClass.NetworkTopology, {}, {}, { ...known, defaultKeyspaceRf: 2 })).toEqual({ dc1: '2', dc2: '2' });
    // ALTER with auto-expansion keeps existing DC factors.
    expect(prepareReplicationOptions(StrategyClass.NetworkTopology, { replication_factor: '3' }, { dc1: '5' }, known)).toEqual({ dc1: '5', dc2: '3' });
    // ALTER from SimpleStrategy with no options keeps its RF, expanded.
    expect(prepareReplicationOptions(StrategyClass.NetworkTopology, {}, { replication_factor: '2' }, known)).toEqual({ dc1: '2', dc2: '2' });
    // A DC set to 0 is dropped, so even an unknown DC at 0 is accepted.
    expect(prepareReplicationOptions(StrategyClass.NetworkTopology, { dc1: '3', ghost: '0' }, {}, known)).toEqual({ dc1: '3' });
  });
});

describe('replication warnings (as Cassandra 5.0.9 sends them)', () => {
  const one = ring([['datacenter1', 'rack1', 0]]);
  it('warns when the RF exceeds the nodes', () => {
    const simple = { class: 'SimpleStrategy', options: { replication_factor: '2' } };
    expect(replicationWarnings('peer_ks_full', simple, createReplicationStrategy(simple, { localAddress: local }), one))
      .toEqual(['Your replication factor 2 for keyspace peer_ks_full is higher than the number of nodes 1']);
    const nts = { class: 'NetworkTopologyStrategy', options: { datacenter1: '3', other: '2' } };
    expect(replicationWarnings('ks', nts, createReplicationStrategy(nts, { localAddress: local }), one))
      .toEqual(['Your replication factor 3 for keyspace ks is higher than the number of nodes 1 for datacenter datacenter1']);
    const fine = { class: 'SimpleStrategy', options: { replication_factor: '1' } };
    expect(replicationWarnings('ks', fine, createReplicationStrategy(fine, { localAddress: local }), one)).toEqual([]);
  });
});
