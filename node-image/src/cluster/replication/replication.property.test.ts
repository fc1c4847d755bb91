// Property tests of replica placement over random rings (1-12 nodes, 1-3 DCs, 1-4 racks per DC),
// checked against an independent reference written per DC: "every rack once in ring order, then the
// first rf - racks rack-repeat nodes", merged across DCs by ring position.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EndpointAddress, endpointAddress, hostId } from '../endpoint.ts';
import { TokenMetadata } from '../token-metadata.ts';
import { MAX_TOKEN, MIN_TOKEN, type Token, token } from '../token-range.ts';
import { networkTopologyStrategy } from './network-topology-strategy.ts';
import { RingReplicaMap } from './ring-replica-map.ts';
import { simpleStrategy } from './simple-strategy.ts';

interface NodeSpec { dc: string; rack: string; tokens: bigint[] }
interface RingSpec { nodes: NodeSpec[]; rfByDc: Map<string, number> }

const ringArb: fc.Arbitrary<RingSpec> = fc
  .record({
    dcCount: fc.integer({ min: 1, max: 3 }),
    racksPerDc: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 3, maxLength: 3 }),
    nodes: fc.array(
      fc.record({
        dcPick: fc.nat(),
        rackPick: fc.nat(),
        tokens: fc.uniqueArray(fc.bigInt(MIN_TOKEN + 1n, MAX_TOKEN), { minLength: 1, maxLength: 8 }),
      }),
      { minLength: 1, maxLength: 12 },
    ),
    rfs: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 4, maxLength: 4 }),
  })
  .map(({ dcCount, racksPerDc, nodes, rfs }) => {
    const seen = new Set<bigint>();
    const specs: NodeSpec[] = nodes.map((n) => {
      const dcIndex = n.dcPick % dcCount;
      const tokens = n.tokens.filter((x) => !seen.has(x));
      for (const x of tokens) seen.add(x);
      return { dc: `dc${dcIndex + 1}`, rack: `r${(n.rackPick % racksPerDc[dcIndex]!) + 1}`, tokens };
    }).filter((n) => n.tokens.length > 0);
    // Options name every configured DC, plus one that has no nodes.
    const rfByDc = new Map<string, number>();
    for (let i = 0; i < dcCount; i++) rfByDc.set(`dc${i + 1}`, rfs[i]!);
    rfByDc.set('ghost', rfs[3]!);
    return { nodes: specs, rfByDc };
  })
  .filter((spec) => spec.nodes.length > 0);

function build(spec: RingSpec): TokenMetadata {
  let metadata = TokenMetadata.empty();
  spec.nodes.forEach((n, i) => {
    const address = endpointAddress(`10.0.0.${i + 1}:7000`);
    metadata = metadata.withEndpoint({ address, hostId: hostId(`00000000-0000-0000-0000-${String(i + 1).padStart(12, '0')}`), dc: n.dc, rack: n.rack });
    metadata = metadata.withNormalTokens(address, n.tokens.map(token));
  });
  return metadata;
}

/** The ring as (token, endpoint) pairs in clockwise order starting at the range holding t. */
function walk(spec: RingSpec, t: bigint): Array<{ ep: number }> {
  const all = spec.nodes.flatMap((n, ep) => n.tokens.map((x) => ({ token: x, ep })));
  all.sort((a, b) => (a.token < b.token ? -1 : 1));
  let start = all.findIndex((x) => x.token >= t);
  if (start < 0) start = 0;
  return [...all.slice(start), ...all.slice(0, start)];
}

function referenceNts(spec: RingSpec, t: bigint): number[] {
  const order = walk(spec, t);
  const position = new Map<number, number>();
  order.forEach((x, i) => { if (!position.has(x.ep)) position.set(x.ep, i); });
  const chosen: number[] = [];
  for (const [dc, rf] of spec.rfByDc) {
    const members = spec.nodes.map((n, ep) => ({ n, ep })).filter((x) => x.n.dc === dc);
    if (rf <= 0 || members.length === 0) continue;
    const rackCount = new Set(members.map((x) => x.n.rack)).size;
    const sequence = [...position.keys()].filter((ep) => spec.nodes[ep]!.dc === dc); // distinct, ring order
    const racksSeen = new Set<string>();
    const firstOfRack: number[] = [];
    const repeats: number[] = [];
    for (const ep of sequence) {
      const rack = spec.nodes[ep]!.rack;
      if (racksSeen.has(rack)) repeats.push(ep);
      else { racksSeen.add(rack); firstOfRack.push(ep); }
    }
    if (rackCount >= rf) chosen.push(...firstOfRack.slice(0, rf));
    else chosen.push(...firstOfRack, ...repeats.slice(0, rf - rackCount));
  }
  return chosen.sort((a, b) => position.get(a)! - position.get(b)!);
}

function referenceSimple(spec: RingSpec, t: bigint, rf: number): number[] {
  const out: number[] = [];
  for (const x of walk(spec, t)) if (!out.includes(x.ep) && out.length < rf) out.push(x.ep);
  return out;
}

const indexOf = (ep: EndpointAddress): number => Number(ep.split(':')[0]!.split('.')[3]) - 1;
const probeArb = fc.array(fc.bigInt(MIN_TOKEN, MAX_TOKEN), { minLength: 1, maxLength: 6 });

describe('NetworkTopologyStrategy over random rings', () => {
  it('matches the reference set and order, with min(rf, nodes) replicas and diversified racks per DC', () => {
    fc.assert(fc.property(ringArb, probeArb, (spec, probes) => {
      const metadata = build(spec);
      const strategy = networkTopologyStrategy(spec.rfByDc);
      const map = new RingReplicaMap(strategy, metadata);
      const candidates: Token[] = [...probes.map(token), ...metadata.sortedTokens];
      for (const t of candidates) {
        const replicas = strategy.calculateNaturalReplicas(t, metadata);
        expect(replicas.map(indexOf)).toEqual(referenceNts(spec, t));
        expect(map.replicasFor(t)).toEqual(replicas);
        expect(new Set(replicas).size).toBe(replicas.length);
        for (const [dc, rf] of spec.rfByDc) {
          const members = spec.nodes.filter((n) => n.dc === dc);
          const inDc = replicas.filter((ep) => spec.nodes[indexOf(ep)]!.dc === dc);
          expect(inDc.length).toBe(Math.min(rf, members.length));
          const racks = new Set(members.map((n) => n.rack)).size;
          const replicaRacks = new Set(inDc.map((ep) => spec.nodes[indexOf(ep)]!.rack)).size;
          expect(replicaRacks).toBe(Math.min(rf, racks, members.length));
        }
        // The first replica owns the range when its DC replicates at all.
        const owner = metadata.ownerOf(metadata.firstTokenAtOrAfter(t))!;
        const ownerDc = metadata.endpoint(owner)!.dc;
        if ((spec.rfByDc.get(ownerDc) ?? 0) > 0) expect(replicas[0]).toBe(owner);
      }
    }), { numRuns: 300 });
  });
});

describe('SimpleStrategy over random rings', () => {
  it('takes the first rf distinct owners clockwise', () => {
    fc.assert(fc.property(ringArb, probeArb, fc.integer({ min: 0, max: 6 }), (spec, probes, rf) => {
      const metadata = build(spec);
      const strategy = simpleStrategy(rf);
      for (const t of [...probes.map(token), ...metadata.sortedTokens]) {
        const replicas = strategy.calculateNaturalReplicas(t, metadata);
        expect(replicas.map(indexOf)).toEqual(referenceSimple(spec, t, rf));
        expect(replicas.length).toBe(Math.min(rf, spec.nodes.length));
      }
    }), { numRuns: 200 });
  });
});
