import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EndpointAddress, endpointAddress, hostId } from './endpoint.ts';
import { calculatePendingRanges } from './pending-ranges.ts';
import { networkTopologyStrategy } from './replication/network-topology-strategy.ts';
import type { ReplicationStrategy } from './replication/replication-strategy.ts';
import { simpleStrategy } from './replication/simple-strategy.ts';
import { TokenMetadata } from './token-metadata.ts';
import { MAX_TOKEN, MIN_TOKEN, type Token, token } from './token-range.ts';

const ep = (n: number): EndpointAddress => endpointAddress(`127.0.0.${n}:7000`);
const hid = (n: number) => hostId(`00000000-0000-0000-0000-${String(n).padStart(12, '0')}`);

function register(m: TokenMetadata, n: number, dc = 'dc1', rack = 'r1'): TokenMetadata {
  return m.withEndpoint({ address: ep(n), hostId: hid(n), dc, rack });
}

function ring(tokensByNode: number[][]): TokenMetadata {
  let m = TokenMetadata.empty();
  tokensByNode.forEach((tokens, i) => { m = register(m, i + 1).withNormalTokens(ep(i + 1), tokens.map(token)); });
  return m;
}

const rf2 = simpleStrategy(2);

describe('calculatePendingRanges (spec 5.7)', () => {
  it('is empty without topology changes', () => {
    expect(calculatePendingRanges(rf2, ring([[0], [100], [200]])).isEmpty()).toBe(true);
  });

  it('bootstrap: every range the new node will replicate is pending for it', () => {
    // Ring 0(ep1) 100(ep2) 200(ep3); ep4 joins at 150 -> it will replicate (100,150] and (150,200]... and (0,100].
    const m = register(ring([[0], [100], [200]]), 4).withBootstrapTokens(ep(4), [token(150)]);
    const pending = calculatePendingRanges(rf2, m);
    expect(pending.describe().sort()).toEqual(['(0,100] -> 127.0.0.4:7000', '(100,150] -> 127.0.0.4:7000']);
    expect(pending.pendingFor(token(120))).toEqual([ep(4)]);
    expect(pending.pendingFor(token(50))).toEqual([ep(4)]);
    expect(pending.pendingFor(token(170))).toEqual([]);
  });

  it('leave: the nodes that gain a leaving node\'s ranges are pending for them', () => {
    // Ring 0(ep1) 100(ep2) 200(ep3) 300(ep4), RF 2. ep2 leaves: (0,100] goes to ep3 (was ep2, ep3 -> ep3, ep4).
    const m = ring([[0], [100], [200], [300]]).withLeaving(ep(2));
    const pending = calculatePendingRanges(rf2, m);
    expect(pending.describe().sort()).toEqual(['(0,100] -> 127.0.0.4:7000', '(300,0] -> 127.0.0.3:7000']);
  });

  it('replace: the replacing node is pending for the dead node\'s ranges', () => {
    const m = register(ring([[0], [100], [200]]), 4).withBootstrapTokens(ep(4), [token(100)], ep(2));
    expect(m.replacing(ep(4))).toBe(ep(2));
    expect(calculatePendingRanges(rf2, m).describe().sort()).toEqual(['(0,100] -> 127.0.0.4:7000', '(200,0] -> 127.0.0.4:7000']);
  });

  it('move: nodes gaining ranges are pending for them', () => {
    const m = ring([[0], [100], [200], [300]]).withMoving(ep(2), token(250));
    const pending = calculatePendingRanges(rf2, m);
    // After the move: 0(ep1) 200(ep3) 250(ep2) 300(ep4). ep3 gains (300,0]; ep2 gains (100,250]
    // (as two ring ranges); ep1 and ep4 gain nothing they do not already replicate.
    expect(pending.describe().sort()).toEqual([
      '(100,200] -> 127.0.0.2:7000', '(200,250] -> 127.0.0.2:7000', '(300,0] -> 127.0.0.3:7000',
    ]);
  });
});

// Property: while a change is in progress, natural + pending replicas cover every replica the range
// will have once the change completes (no write misses a future replica).
interface Scenario { nodes: Array<{ dc: string; rack: string; tokens: bigint[] }>; change: number; joinTokens: bigint[]; kind: 'bootstrap' | 'leave' | 'move' }
const tokenArb = fc.bigInt(MIN_TOKEN + 1n, MAX_TOKEN);
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  nodes: fc.array(fc.record({ dc: fc.constantFrom('dc1', 'dc2'), rack: fc.constantFrom('a', 'b', 'c'), tokens: fc.uniqueArray(tokenArb, { minLength: 1, maxLength: 4 }) }), { minLength: 2, maxLength: 8 }),
  change: fc.nat(),
  joinTokens: fc.uniqueArray(tokenArb, { minLength: 1, maxLength: 4 }),
  kind: fc.constantFrom('bootstrap' as const, 'leave' as const, 'move' as const),
});

function scenarioRings(s: Scenario): { during: TokenMetadata; after: TokenMetadata } | null {
  const used = new Set<bigint>();
  let m = TokenMetadata.empty();
  s.nodes.forEach((n, i) => {
    const tokens = n.tokens.filter((x) => !used.has(x));
    for (const x of tokens) used.add(x);
    m = m.withEndpoint({ address: ep(i + 1), hostId: hid(i + 1), dc: n.dc, rack: n.rack });
    if (tokens.length > 0) m = m.withNormalTokens(ep(i + 1), tokens.map(token));
  });
  const fresh = s.joinTokens.filter((x) => !used.has(x)).map(token);
  const members = m.members();
  if (members.length < 2 || fresh.length === 0) return null;
  if (s.kind === 'bootstrap') {
    const joiner = ep(s.nodes.length + 1);
    const registered = m.withEndpoint({ address: joiner, hostId: hid(s.nodes.length + 1), dc: 'dc1', rack: 'b' });
    return { during: registered.withBootstrapTokens(joiner, fresh), after: registered.withNormalTokens(joiner, fresh) };
  }
  const target = members[s.change % members.length]!;
  if (s.kind === 'leave') return { during: m.withLeaving(target), after: m.withoutEndpoint(target) };
  if (m.tokensOf(target).length !== 1) return null; // move is for single-token nodes
  return { during: m.withMoving(target, fresh[0]!), after: m.withNormalTokens(target, [fresh[0]!]) };
}

function checkCoverage(strategy: ReplicationStrategy, s: Scenario, probes: bigint[]): void {
  const rings = scenarioRings(s);
  if (rings === null) return;
  const pending = calculatePendingRanges(strategy, rings.during);
  const points: Token[] = [...probes.map(token), ...rings.after.sortedTokens, ...rings.during.sortedTokens];
  for (const t of points) {
    const writeSet = new Set([...strategy.calculateNaturalReplicas(t, rings.during), ...pending.pendingFor(t)]);
    for (const future of strategy.calculateNaturalReplicas(t, rings.after)) expect(writeSet.has(future)).toBe(true);
  }
}

describe('pending ranges cover future replicas', () => {
  it('SimpleStrategy rf 1..3', () => {
    fc.assert(fc.property(scenarioArb, fc.integer({ min: 1, max: 3 }), fc.array(tokenArb, { maxLength: 5 }), (s, rf, probes) => {
      checkCoverage(simpleStrategy(rf), s, probes);
    }), { numRuns: 300 });
  });
  it('NetworkTopologyStrategy with racks', () => {
    fc.assert(fc.property(scenarioArb, fc.array(tokenArb, { maxLength: 5 }), (s, probes) => {
      checkCoverage(networkTopologyStrategy(new Map([['dc1', 2], ['dc2', 1]])), s, probes);
    }), { numRuns: 300 });
  });
});
