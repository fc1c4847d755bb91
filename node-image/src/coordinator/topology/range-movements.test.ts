import { describe, expect, it } from 'vitest';
import { TokenMetadata, endpointAddress, hostId, rangeContains, simpleStrategy, token } from '../../cluster/index.ts';
import type { EndpointAddress, Token } from '../../cluster/index.ts';
import { planStreams, replicatedRanges, ringSegments, transfers } from './range-movements.ts';

const e = (n: number): EndpointAddress => endpointAddress(`127.0.0.${n}:7000`);

function ring(owners: Array<[number, number[]]>): TokenMetadata {
  let r = TokenMetadata.empty();
  for (const [n, tokens] of owners) {
    r = r.withEndpoint({ address: e(n), hostId: hostId(`00000000-0000-4000-8000-00000000000${n}`), dc: 'dc1', rack: 'r1' })
      .withNormalTokens(e(n), tokens.map((t) => token(BigInt(t))) as Token[]);
  }
  return r;
}

describe('range movements', () => {
  const rf2 = simpleStrategy(2);
  const before = ring([[1, [100]], [2, [200]], [3, [300]]]);

  it('segments cover the ring once', () => {
    const after = ring([[1, [100]], [2, [200]], [3, [300]], [4, [150]]]);
    const segs = ringSegments(rf2, before, after);
    expect(segs.map((s) => `${s.range.left}..${s.range.right}`)).toEqual(['300..100', '100..150', '150..200', '200..300']);
  });

  it('bootstrap: the joining node gains ranges, the strict source is the replica losing them', () => {
    const after = ring([[1, [100]], [2, [200]], [3, [300]], [4, [150]]]);
    const list = transfers(rf2, before, after).filter((t) => t.receiver === e(4));
    // (300,100] is replicated by 1,2 before; after: 1,4. 2 loses it.
    const seg = list.find((t) => rangeContains(t.range, token(50n)))!;
    expect(seg.sources[0]).toBe(e(2));
    // (100,150] before 2,3 -> after 4,2: 3 loses it.
    expect(list.find((t) => rangeContains(t.range, token(120n)))!.sources[0]).toBe(e(3));
    const plan = planStreams(list, { usable: () => true, strict: true });
    expect(plan.unsourced).toEqual([]);
    expect(plan.streams.every((s) => s.receiver === e(4))).toBe(true);
  });

  it('decommission: every range of the leaving node goes to a new replica', () => {
    const after = ring([[1, [100]], [3, [300]]]);
    const list = transfers(rf2, before, after);
    expect(list.every((t) => t.sources.includes(e(2)))).toBe(true);
    const receivers = new Set(list.map((t) => t.receiver));
    expect([...receivers].sort()).toEqual([e(1), e(3)].sort());
  });

  it('strict mode reports ranges whose losing replica is down', () => {
    const after = ring([[1, [100]], [2, [200]], [3, [300]], [4, [150]]]);
    const list = transfers(rf2, before, after);
    const plan = planStreams(list, { usable: (s) => s !== e(2), strict: true });
    expect(plan.unsourced.length).toBeGreaterThan(0);
    const loose = planStreams(list, { usable: (s) => s !== e(2), strict: false });
    expect(loose.unsourced).toEqual([]);
  });

  it('allSources streams a range from every usable candidate', () => {
    const after = ring([[1, [100]], [2, [200]], [3, [300]], [4, [150]]]);
    const list = transfers(rf2, before, after).filter((t) => t.receiver === e(4));
    const one = planStreams(list, { usable: () => true, strict: false });
    const all = planStreams(list, { usable: () => true, strict: false, allSources: true });
    expect(all.streams.length).toBeGreaterThan(one.streams.length);
    expect(new Set(all.streams.map((s) => s.source))).toEqual(new Set(list.flatMap((t) => t.sources)));
  });

  it('replicated ranges list the other replicas', () => {
    const r = replicatedRanges(rf2, before, e(1));
    expect(r).toHaveLength(2);
    for (const t of r) expect(t.sources).not.toContain(e(1));
  });
});
