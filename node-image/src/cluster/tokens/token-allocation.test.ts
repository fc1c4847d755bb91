import { describe, expect, it } from 'vitest';
import { CqlError, ErrorCode, SeededRandom } from '../../lib/index.ts';
import { type EndpointAddress, endpointAddress, hostId } from '../endpoint.ts';
import { networkTopologyStrategy } from '../replication/network-topology-strategy.ts';
import { TokenMetadata } from '../token-metadata.ts';
import { token } from '../token-range.ts';
import { effectiveOwnership, ownershipSpread } from './ownership.ts';
import { allocateTokens } from './replication-aware-allocator.ts';
import { DEFAULT_NUM_TOKENS, chooseBootstrapTokens, resolveTokenConfig, tokensFromString } from './token-allocation.ts';

const ep = (n: number): EndpointAddress => endpointAddress(`10.0.0.${n}:7000`);
const hid = (n: number) => hostId(`00000000-0000-0000-0000-${String(n).padStart(12, '0')}`);

function configMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect((e as CqlError).code).toBe(ErrorCode.ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('token configuration (DatabaseDescriptor.applyTokensConfig)', () => {
  it('defaults to 16 tokens and parses initial_token', () => {
    expect(resolveTokenConfig({}).numTokens).toBe(DEFAULT_NUM_TOKENS);
    expect(tokensFromString(' 1 ,, -5,')).toEqual(['1', '-5']);
    expect(resolveTokenConfig({ initialToken: '42' })).toEqual({ numTokens: 1, initialTokens: [42n], allocateForLocalReplicationFactor: null });
    expect(resolveTokenConfig({ numTokens: 2, initialToken: '1,2' }).initialTokens).toEqual([1n, 2n]);
  });
  it('rejects bad settings with Cassandra messages', () => {
    expect(configMessage(() => resolveTokenConfig({ initialToken: '0,256,1024' }))).toBe('initial_token was set but num_tokens is not!');
    expect(configMessage(() => resolveTokenConfig({ initialToken: '0,256,1024', numTokens: 10 })))
      .toBe('The number of initial tokens (by initial_token) specified (3) is different from num_tokens value (10)');
    expect(configMessage(() => resolveTokenConfig({ initialToken: 'abc' }))).toBe('For input string: "abc"');
    expect(configMessage(() => resolveTokenConfig({ numTokens: 0 }))).toBe('num_tokens must be >= 1');
    expect(configMessage(() => resolveTokenConfig({ numTokens: 2000 }))).toBe('A maximum number of 1536 tokens per node is supported');
  });
});

describe('chooseBootstrapTokens', () => {
  const ring = TokenMetadata.empty()
    .withEndpoint({ address: ep(1), hostId: hid(1), dc: 'dc1', rack: 'r1' }).withNormalTokens(ep(1), [token(100)])
    .withEndpoint({ address: ep(2), hostId: hid(2), dc: 'dc1', rack: 'r1' });
  const random = new SeededRandom(3);
  it('uses initial_token first, refusing a token already owned', () => {
    const config = resolveTokenConfig({ numTokens: 2, initialToken: '7,5' });
    expect(chooseBootstrapTokens({ config, metadata: ring, endpoint: ep(2), random })).toEqual({ tokens: [5n, 7n], source: 'initial_token' });
    expect(configMessage(() => chooseBootstrapTokens({ config: resolveTokenConfig({ initialToken: '100' }), metadata: ring, endpoint: ep(2), random })))
      .toBe('Bootstrapping to existing token 100 is not allowed (decommission/removenode the old node first).');
  });
  it('allocates when a local RF is configured, else draws distinct random tokens', () => {
    const allocated = chooseBootstrapTokens({ config: resolveTokenConfig({ numTokens: 8, allocateForLocalReplicationFactor: 3 }), metadata: ring, endpoint: ep(2), random });
    expect(allocated.source).toBe('allocation');
    expect(allocated.tokens).toHaveLength(8);
    const randomly = chooseBootstrapTokens({ config: resolveTokenConfig({ numTokens: 16 }), metadata: ring, endpoint: ep(2), random });
    expect(randomly.source).toBe('random');
    expect(new Set(randomly.tokens).size).toBe(16);
    expect(randomly.tokens).not.toContain(100n);
  });
});

// Ownership balance of clusters grown one node at a time with the allocator (RF 3, 16 tokens).
// Criterion (asserted): max/min of effective ownership <= 1.1 over the nodes that should be equal:
// every node with one rack; with three racks (RF = racks, so each rack holds one full replica) all
// nodes when the racks are equal (n = 6, 9, 12), and the nodes of each rack otherwise.
describe('replication-aware allocation keeps ownership within 10%', () => {
  const strategy = networkTopologyStrategy(new Map([['dc1', 3]]));
  for (const racks of [1, 3]) {
    it(`${racks} rack(s): 3..12 nodes`, () => {
      const random = new SeededRandom(17);
      let metadata = TokenMetadata.empty();
      const report: string[] = [];
      for (let n = 1; n <= 12; n++) {
        metadata = metadata.withEndpoint({ address: ep(n), hostId: hid(n), dc: 'dc1', rack: `rack${(n - 1) % racks + 1}` });
        metadata = metadata.withNormalTokens(ep(n), allocateTokens({ metadata, endpoint: ep(n), numTokens: 16, replicationFactor: 3, random }));
        expect(metadata.tokensOf(ep(n))).toHaveLength(16);
        if (n < 3) continue;
        const ownership = effectiveOwnership(strategy, metadata);
        const total = [...ownership.values()].reduce((a, b) => a + b, 0);
        expect(total).toBeCloseTo(3, 9);
        const groups = racks === 1 || n % racks === 0
          ? [[...ownership.values()]]
          : Array.from({ length: racks }, (_, r) => [...ownership].filter(([e]) => metadata.endpoint(e)!.rack === `rack${r + 1}`).map(([, v]) => v));
        const spread = Math.max(...groups.map((g) => ownershipSpread(g)));
        report.push(`n=${String(n).padStart(2)} spread=${spread.toFixed(3)} owns=${[...ownership.values()].map((v) => `${(v * 100).toFixed(1)}%`).join(' ')}`);
        expect(spread, `n=${n}`).toBeLessThanOrEqual(1.1);
      }
      console.log(`effective ownership, RF 3, 16 tokens, ${racks} rack(s):\n${report.join('\n')}`);
    });
  }
});

describe('allocation is per datacenter', () => {
  it('balances a second DC regardless of the first', () => {
    const random = new SeededRandom(5);
    let metadata = TokenMetadata.empty();
    for (let n = 1; n <= 10; n++) {
      const dc = n <= 4 ? 'dc1' : 'dc2';
      metadata = metadata.withEndpoint({ address: ep(n), hostId: hid(n), dc, rack: 'r1' });
      metadata = metadata.withNormalTokens(ep(n), allocateTokens({ metadata, endpoint: ep(n), numTokens: 16, replicationFactor: 3, random }));
    }
    const ownership = effectiveOwnership(networkTopologyStrategy(new Map([['dc1', 3], ['dc2', 3]])), metadata);
    const dc2 = [...ownership].filter(([e]) => metadata.endpoint(e)!.dc === 'dc2').map(([, v]) => v);
    expect(dc2.reduce((a, b) => a + b, 0)).toBeCloseTo(3, 9);
    expect(ownershipSpread(dc2)).toBeLessThanOrEqual(1.1);
  });
});

// Nodes of a cluster started together allocate from the same view of the ring (only the first
// node's tokens). Identical choices would collide, and the ring's collision rule leaves one node out
// of every ring; each node's own randomness keeps the choices apart.
describe('nodes allocating at the same time from the same ring', () => {
  const strategy = networkTopologyStrategy(new Map([['dc1', 3]]));
  const viewWith = (base: TokenMetadata, n: number): TokenMetadata => base.withEndpoint({ address: ep(n), hostId: hid(n), dc: 'dc1', rack: `rack${n}` });
  for (const existing of [1, 3]) {
    it(`choose distinct tokens (${existing} node(s) in the ring), and the merged ring holds every node`, () => {
      let base = TokenMetadata.empty();
      const random = new SeededRandom(11);
      for (let n = 1; n <= existing; n++) {
        base = viewWith(base, n);
        base = base.withNormalTokens(ep(n), allocateTokens({ metadata: base, endpoint: ep(n), numTokens: 16, replicationFactor: 3, random }));
      }
      const a = existing + 1;
      const b = existing + 2;
      const tokensA = allocateTokens({ metadata: viewWith(base, a), endpoint: ep(a), numTokens: 16, replicationFactor: 3, random: new SeededRandom(101) });
      const tokensB = allocateTokens({ metadata: viewWith(base, b), endpoint: ep(b), numTokens: 16, replicationFactor: 3, random: new SeededRandom(202) });
      const taken = new Set<bigint>([...base.sortedTokens]);
      for (const t of tokensA) expect(taken.has(t)).toBe(false);
      for (const t of tokensB) expect(taken.has(t) || tokensA.includes(t)).toBe(false);
      const merged = viewWith(viewWith(base, a), b).withNormalTokens(ep(a), tokensA).withNormalTokens(ep(b), tokensB);
      expect(merged.members()).toHaveLength(existing + 2);
      const ownership = effectiveOwnership(strategy, merged);
      expect([...ownership.values()].reduce((x, y) => x + y, 0)).toBeCloseTo(3, 9);
      for (const [endpoint, owns] of ownership) expect(owns, endpoint).toBeGreaterThan(0);
    });
  }
  it('moves each token at most 1/1024 of its range away from the midpoint the scorer chose', () => {
    const ring = TokenMetadata.empty()
      .withEndpoint({ address: ep(1), hostId: hid(1), dc: 'dc1', rack: 'r1' }).withNormalTokens(ep(1), [token(0)])
      .withEndpoint({ address: ep(2), hostId: hid(2), dc: 'dc1', rack: 'r2' });
    // One token in the ring: the new one splits the whole ring; its midpoint is 2^63 away from 0.
    for (let seed = 1; seed <= 20; seed++) {
      const [t] = allocateTokens({ metadata: ring, endpoint: ep(2), numTokens: 1, replicationFactor: 3, random: new SeededRandom(seed) });
      const fromMidpoint = (t! < 0n ? t! + 2n ** 63n : t! - 2n ** 63n);
      expect(fromMidpoint < 0n ? -fromMidpoint : fromMidpoint).toBeLessThanOrEqual(2n ** 64n / 1024n);
    }
  });
});
