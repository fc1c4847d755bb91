import { describe, expect, it } from 'vitest';
import { endpointAddress } from '../../cluster/index.ts';
import { gossipEnabled, isIpSeed, parseSeedList } from './seed-list.ts';

describe('seed list', () => {
  it('parses ip[:port] entries with the storage port as default', () => {
    expect(parseSeedList(' 127.0.0.1, 127.0.0.2:7001,[::1]:7002,::1,127.0.0.1 ,', 7000)).toEqual([
      '127.0.0.1:7000', '127.0.0.2:7001', '[::1]:7002', '[::1]:7000',
    ]);
    expect(() => parseSeedList('127.0.0.1:x', 7000)).toThrow(/invalid seed/);
    expect(() => parseSeedList('127.0.0.1:99999', 7000)).toThrow(/invalid seed/);
  });

  it('tells IP seeds from host names', () => {
    expect(parseSeedList('127.0.0.1,[::1]:7000,cc-seeds.ns.svc.cluster.local,300.1.1.1', 7000).map(isIpSeed)).toEqual([true, true, false, false]);
  });

  it('gossips when a seed names another node, or when told to', () => {
    const self = endpointAddress('127.0.0.1:7000');
    expect(gossipEnabled({ startGossip: undefined, seeds: [self], self })).toBe(false);
    expect(gossipEnabled({ startGossip: undefined, seeds: parseSeedList('127.0.0.1,127.0.0.2', 7000), self })).toBe(true);
    expect(gossipEnabled({ startGossip: true, seeds: [self], self })).toBe(true);
    expect(gossipEnabled({ startGossip: false, seeds: parseSeedList('127.0.0.2', 7000), self })).toBe(false);
  });
});
