import { describe, expect, it } from 'vitest';
import { CqlError } from '../lib/index.ts';
import { type EndpointAddress, endpointAddress } from './endpoint.ts';
import { type Location, localLocation, sortByProximity } from './snitch.ts';

const ep = (n: number): EndpointAddress => endpointAddress(`10.0.0.${n}:7000`);

describe('snitch', () => {
  const where = new Map<EndpointAddress, Location>([
    [ep(1), { dc: 'dc1', rack: 'r1' }], [ep(2), { dc: 'dc1', rack: 'r2' }], [ep(3), { dc: 'dc2', rack: 'r1' }],
    [ep(4), { dc: 'dc1', rack: 'r1' }], [ep(5), { dc: 'dc1', rack: 'r2' }],
  ]);
  it('orders self, same rack, same DC, then the rest (unknown last), stably', () => {
    const self = { address: ep(1), dc: 'dc1', rack: 'r1' };
    expect(sortByProximity(self, [ep(3), ep(9), ep(5), ep(2), ep(4), ep(1)], (e) => where.get(e)))
      .toEqual([ep(1), ep(4), ep(5), ep(2), ep(3), ep(9)]);
  });
  it('validates configured names', () => {
    expect(localLocation(' dc1 ', 'rack1')).toEqual({ dc: 'dc1', rack: 'rack1' });
    expect(() => localLocation('', 'r')).toThrow(CqlError);
    expect(() => localLocation('a,b', 'r')).toThrow(/no commas/);
  });
});
