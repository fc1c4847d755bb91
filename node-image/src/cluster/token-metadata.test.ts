import { describe, expect, it } from 'vitest';
import { AssertionError } from '../lib/index.ts';
import { type EndpointAddress, endpointAddress, hostId } from './endpoint.ts';
import { TokenMetadata } from './token-metadata.ts';
import { MAX_TOKEN, formatRange, token } from './token-range.ts';

const ep = (n: number): EndpointAddress => endpointAddress(`10.0.0.${n}:7000`);
const hid = (n: number) => hostId(`00000000-0000-0000-0000-${String(n).padStart(12, '0')}`);

function base(): TokenMetadata {
  let m = TokenMetadata.empty();
  for (const [n, dc, rack] of [[1, 'dc1', 'a'], [2, 'dc1', 'b'], [3, 'dc2', 'a']] as const) {
    m = m.withEndpoint({ address: ep(n), hostId: hid(n), dc, rack });
  }
  return m.withNormalTokens(ep(1), [token(0), token(300)]).withNormalTokens(ep(2), [token(100)]).withNormalTokens(ep(3), [token(200)]);
}

describe('TokenMetadata', () => {
  it('is copy on write with an increasing ring version', () => {
    const a = TokenMetadata.empty();
    const b = a.withEndpoint({ address: ep(1), hostId: hid(1), dc: 'dc1', rack: 'a' });
    expect(a.allEndpoints()).toEqual([]);
    expect(b.ringVersion).toBe(a.ringVersion + 1);
    expect(b.withEndpoint(b.endpoint(ep(1))!)).toBe(b); // no change, same snapshot
  });
  it('keeps a sorted ring and answers ring walks', () => {
    const m = base();
    expect(m.sortedTokens).toEqual([0n, 100n, 200n, 300n]);
    expect(m.firstTokenAtOrAfter(token(150))).toBe(200n);
    expect(m.firstTokenAtOrAfter(token(200))).toBe(200n);
    expect(m.firstTokenAtOrAfter(MAX_TOKEN)).toBe(0n); // wraps
    expect(m.predecessor(token(0))).toBe(300n);
    expect(m.successor(token(300))).toBe(0n);
    expect(m.primaryRangesFor(ep(1)).map(formatRange)).toEqual(['(300,0]', '(200,300]']);
    expect(m.tokensOf(ep(1))).toEqual([0n, 300n]);
    expect(m.members()).toEqual([ep(1), ep(2), ep(3)]);
  });
  it('groups members by dc and rack', () => {
    const t = base().topology();
    expect(t.endpointsByDc.get('dc1')).toEqual([ep(1), ep(2)]);
    expect([...t.racksByDc.get('dc1')!.keys()].sort()).toEqual(['a', 'b']);
    expect(base().knownDatacenters()).toEqual(new Set(['dc1', 'dc2']));
  });
  it('moves tokens between owners and clears pending state when tokens become normal', () => {
    let m = base().withEndpoint({ address: ep(4), hostId: hid(4), dc: 'dc1', rack: 'a' });
    m = m.withBootstrapTokens(ep(4), [token(50)]);
    expect(m.bootstrappingEndpoints().get(ep(4))).toEqual([50n]);
    expect(m.isMember(ep(4))).toBe(false);
    m = m.withNormalTokens(ep(4), [token(50), token(100)]);
    expect(m.bootstrapTokens().size).toBe(0);
    expect(m.ownerOf(token(100))).toBe(ep(4)); // taken over from ep2
    expect(m.isMember(ep(2))).toBe(false);
  });
  it('rejects colliding bootstrap tokens unless replacing', () => {
    const m = base().withEndpoint({ address: ep(4), hostId: hid(4), dc: 'dc1', rack: 'a' });
    expect(m.bootstrapCollision(ep(4), [token(100)])).toMatch(/collision between 10.0.0.2:7000 and 10.0.0.4:7000/);
    expect(() => m.withBootstrapTokens(ep(4), [token(100)])).toThrow(AssertionError);
    expect(m.withBootstrapTokens(ep(4), [token(100)], ep(2)).replacing(ep(4))).toBe(ep(2));
  });
  it('tracks leaving and moving members and removes endpoints entirely', () => {
    const m = base().withLeaving(ep(2)).withMoving(ep(3), token(250));
    expect([...m.leavingEndpoints()]).toEqual([ep(2)]);
    expect(m.movingEndpoints().get(ep(3))).toBe(250n);
    const gone = m.withoutEndpoint(ep(2));
    expect(gone.endpoint(ep(2))).toBeUndefined();
    expect(gone.leavingEndpoints().size).toBe(0);
    expect(gone.sortedTokens).toEqual([0n, 200n, 300n]);
    expect(m.onlyTokenMap().movingEndpoints().size).toBe(0);
  });
  it('asserts unique host ids and registered owners', () => {
    expect(() => base().withEndpoint({ address: ep(5), hostId: hid(1), dc: 'dc1', rack: 'a' })).toThrow(AssertionError);
    expect(() => base().withNormalTokens(ep(9), [token(5)])).toThrow(AssertionError);
    expect(base().endpointForHostId(hid(3))?.address).toBe(ep(3));
  });
});
