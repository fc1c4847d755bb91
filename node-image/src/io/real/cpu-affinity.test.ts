// The CPU list arithmetic of cpu-affinity.ts (the taskset runs themselves are checked on real
// threads in test/integration/storage/compaction-workers.test.ts).
import { describe, expect, it } from 'vitest';
import { allowedCpuListOf, backgroundCpuList, parseCpuList } from './cpu-affinity.ts';

describe('cpu affinity', () => {
  it('reads Linux CPU lists', () => {
    expect(parseCpuList('0')).toEqual([0]);
    expect(parseCpuList('0-3')).toEqual([0, 1, 2, 3]);
    expect(parseCpuList('0-1,8,10-11\n')).toEqual([0, 1, 8, 10, 11]);
    for (const bad of ['', 'a', '3-1', '1,,2', '0-', '-1']) expect(parseCpuList(bad)).toBe(null);
  });

  it('finds the allowed CPU list in a /proc status file', () => {
    expect(allowedCpuListOf('Name:\tnode\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed:\t1\n')).toBe('0-1');
    expect(allowedCpuListOf('Name:\tnode\n')).toBe(null);
  });

  it('leaves the lowest allowed CPU to the event loop, or nothing when fewer than two are allowed', () => {
    expect(backgroundCpuList([0, 1])).toBe('1');
    expect(backgroundCpuList([3, 1, 2, 2])).toBe('2,3');
    expect(backgroundCpuList([8, 10, 11])).toBe('10,11');
    expect(backgroundCpuList([5])).toBe(null);
    expect(backgroundCpuList([])).toBe(null);
  });
});
