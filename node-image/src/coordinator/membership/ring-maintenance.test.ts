import { describe, expect, it } from 'vitest';
import { AppState, TokenMetadata, encodeTokens, endpointAddress, hostId, statusBootstrapping, statusLeaving, statusLeft, statusNormal, token } from '../../cluster/index.ts';
import type { EndpointAddress, EndpointState, Token } from '../../cluster/index.ts';
import { applyRemoval, applyStatus } from './ring-maintenance.ts';
import type { RingContext } from './ring-maintenance.ts';

const SELF = endpointAddress('127.0.0.1:7000');
const B = endpointAddress('127.0.0.2:7000');
const C = endpointAddress('127.0.0.3:7000');
const ID = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function state(options: { status: string; tokens: Token[]; id: string; generation?: number; dc?: string }): EndpointState {
  let v = 0;
  const vv = (value: string): { value: string; version: number } => ({ value, version: ++v });
  return {
    heartBeat: { generation: options.generation ?? 100, version: 1 },
    states: {
      [AppState.StatusWithPort]: vv(options.status), [AppState.Tokens]: vv(encodeTokens(options.tokens)), [AppState.HostId]: vv(options.id),
      [AppState.Dc]: vv(options.dc ?? 'dc1'), [AppState.Rack]: vv('rack1'),
    },
  };
}

function base(): TokenMetadata {
  return TokenMetadata.empty().withEndpoint({ address: SELF, hostId: hostId(ID(1)), dc: 'dc1', rack: 'rack1' }).withNormalTokens(SELF, [token(0)]);
}

function ctx(generations: Record<string, number> = {}): RingContext {
  return { self: SELF, generationOf: (e: EndpointAddress) => generations[e] ?? 100 };
}

describe('ring maintenance from gossip statuses', () => {
  it('NORMAL registers the endpoint with its tokens and reports a join; LEFT and removal take it out', () => {
    const tokens = [token(10), token(20)];
    const joined = applyStatus(base(), B, state({ status: statusNormal(tokens), tokens, id: ID(2) }), ctx());
    expect(joined.joined).toEqual([B]);
    expect(joined.ring.tokensOf(B)).toEqual(tokens);
    expect(joined.ring.endpoint(B)).toEqual({ address: B, hostId: ID(2), dc: 'dc1', rack: 'rack1' });
    const again = applyStatus(joined.ring, B, state({ status: statusNormal(tokens), tokens, id: ID(2) }), ctx());
    expect(again.joined).toEqual([]);
    const leaving = applyStatus(joined.ring, B, state({ status: statusLeaving(tokens), tokens, id: ID(2) }), ctx());
    expect([...leaving.ring.leavingEndpoints()]).toEqual([B]);
    const left = applyStatus(leaving.ring, B, state({ status: statusLeft(tokens, 123), tokens, id: ID(2) }), ctx());
    expect(left.left).toEqual([B]);
    expect(left.ring.endpoint(B)).toBeUndefined();
    expect(applyRemoval(joined.ring, B, ctx()).left).toEqual([B]);
  });

  it('moves tokens that change owner and reports it', () => {
    const first = applyStatus(base(), B, state({ status: statusNormal([token(10)]), tokens: [token(10)], id: ID(2) }), ctx()).ring;
    const moved = applyStatus(first, B, state({ status: statusNormal([token(30)]), tokens: [token(30)], id: ID(2) }), ctx());
    expect(moved.moved).toEqual([B]);
    expect(moved.ring.ownerOf(token(10))).toBeUndefined();
  });

  it('resolves token and host id conflicts in favour of the later start, never against the local node', () => {
    const ring = applyStatus(base(), B, state({ status: statusNormal([token(10)]), tokens: [token(10)], id: ID(2) }), ctx()).ring;
    // C claims B's token and started later: C takes it, B (no token left) leaves the ring.
    const later = applyStatus(ring, C, state({ status: statusNormal([token(10)]), tokens: [token(10)], id: ID(3) }), ctx({ [C]: 200 }));
    expect(later.ring.ownerOf(token(10))).toBe(C);
    expect(later.left).toEqual([B]);
    // C started earlier: ignored.
    const earlier = applyStatus(ring, C, state({ status: statusNormal([token(10)]), tokens: [token(10)], id: ID(3) }), ctx({ [C]: 50 }));
    expect(earlier.ring).toBe(ring);
    expect(earlier.warnings.join()).toMatch(/same token/);
    // Nobody takes the local node's token or host id.
    expect(applyStatus(ring, C, state({ status: statusNormal([token(0)]), tokens: [token(0)], id: ID(3) }), ctx({ [C]: 999 })).ring).toBe(ring);
    expect(applyStatus(ring, C, state({ status: statusNormal([token(5)]), tokens: [token(5)], id: ID(1) }), ctx({ [C]: 999 })).ring).toBe(ring);
    // B moved to a new address with a later start: the host id follows it.
    const readdressed = applyStatus(ring, C, state({ status: statusNormal([token(10)]), tokens: [token(10)], id: ID(2) }), ctx({ [C]: 300 }));
    expect(readdressed.ring.endpoint(B)).toBeUndefined();
    expect(readdressed.ring.endpointForHostId(hostId(ID(2)))?.address).toBe(C);
  });

  it('BOOT records bootstrap tokens unless they collide; statuses of self are ignored', () => {
    const boot = applyStatus(base(), B, state({ status: statusBootstrapping([token(50)]), tokens: [token(50)], id: ID(2) }), ctx());
    expect([...boot.ring.bootstrapTokens()]).toEqual([[token(50), B]]);
    expect(boot.joined).toEqual([]);
    const collision = applyStatus(base(), B, state({ status: statusBootstrapping([token(0)]), tokens: [token(0)], id: ID(2) }), ctx());
    expect(collision.ring.bootstrapTokens().size).toBe(0);
    expect(collision.warnings.join()).toMatch(/Bootstrap Token collision/);
    const r = base();
    expect(applyStatus(r, SELF, state({ status: statusLeft([token(0)], 1), tokens: [token(0)], id: ID(1) }), ctx()).ring).toBe(r);
  });

  it('ignores statuses without usable TOKENS or HOST_ID', () => {
    const r = base();
    const noId = state({ status: statusNormal([token(10)]), tokens: [token(10)], id: 'garbage' });
    expect(applyStatus(r, B, noId, ctx()).ring).toBe(r);
    const badTokens: EndpointState = { ...noId, states: { ...noId.states, [AppState.HostId]: { value: ID(2), version: 9 }, [AppState.Tokens]: { value: 'xx', version: 9 } } };
    const result = applyStatus(r, B, badTokens, ctx());
    expect(result.ring).toBe(r);
    expect(result.warnings).toHaveLength(1);
  });
});
