import { describe, expect, it } from 'vitest';
import { endpointAddress } from '../../cluster/index.ts';
import { silentLogger } from '../../io/index.ts';
import type { Timers } from '../../io/index.ts';
import { parseSeedList } from '../membership/seed-list.ts';
import { resolveSeeds, resolveSeedsForStart } from './seed-resolver.ts';

const immediateTimers: Timers = {
  setTimeout: (fn) => {
    queueMicrotask(fn);
    return { cancel: () => {} };
  },
  setInterval: () => ({ cancel: () => {} }),
  setImmediate: (fn) => {
    queueMicrotask(fn);
    return { cancel: () => {} };
  },
};

describe('seed resolution', () => {
  it('keeps IP seeds and resolves names to every address with the seed port', async () => {
    const seeds = parseSeedList('10.0.0.1,cc-seeds.ns.svc:7001,10.0.0.1', 7000);
    const out = await resolveSeeds(seeds, async (name) => (name === 'cc-seeds.ns.svc' ? ['10.0.0.2', '10.0.0.3'] : []), silentLogger);
    expect(out).toEqual(['10.0.0.1:7000', '10.0.0.2:7001', '10.0.0.3:7001'].map(endpointAddress));
  });

  it('a new node waits until a name resolves; a node that joined before does not', async () => {
    const seeds = parseSeedList('cc-seeds', 7000);
    let calls = 0;
    const resolve = async (): Promise<string[]> => (++calls < 4 ? [] : ['10.0.0.9']);
    const out = await resolveSeedsForStart({ seeds, resolve, logger: silentLogger, timers: immediateTimers, joinedBefore: false });
    expect(out).toEqual([endpointAddress('10.0.0.9:7000')]);
    expect(calls).toBe(4);
    calls = 0;
    const early = await resolveSeedsForStart({ seeds, resolve, logger: silentLogger, timers: immediateTimers, joinedBefore: true });
    expect(early).toEqual([]);
    expect(calls).toBe(1);
  });
});
