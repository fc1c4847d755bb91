import { describe, expect, it } from 'vitest';
import { ChunkCache } from './chunk-cache.ts';

const chunk = (n: number, bytes = 10): Buffer => Buffer.alloc(bytes, n);

describe('ChunkCache', () => {
  it('stays within its byte bound and gives referenced chunks a second chance', () => {
    const cache = new ChunkCache(30);
    const f = cache.registerFile();
    cache.put(f, 0, chunk(0));
    cache.put(f, 1, chunk(1));
    cache.put(f, 2, chunk(2));
    expect(cache.get(f, 0)).toEqual(chunk(0));
    cache.put(f, 3, chunk(3));
    // 1 was the oldest unreferenced chunk.
    expect(cache.get(f, 1)).toBeUndefined();
    expect(cache.get(f, 0)).toEqual(chunk(0));
    expect(cache.stats().bytes).toBeLessThanOrEqual(30);
    expect(cache.stats().chunks).toBe(3);
  });

  it('keeps files apart and evicts a closed file', () => {
    const cache = new ChunkCache(1000);
    const a = cache.registerFile();
    const b = cache.registerFile();
    cache.put(a, 7, chunk(1));
    cache.put(b, 7, chunk(2));
    expect(cache.get(a, 7)).toEqual(chunk(1));
    expect(cache.get(b, 7)).toEqual(chunk(2));
    cache.evictFile(a);
    expect(cache.get(a, 7)).toBeUndefined();
    expect(cache.get(b, 7)).toEqual(chunk(2));
    expect(cache.stats()).toMatchObject({ bytes: 10, chunks: 1 });
  });

  it('does not keep a chunk larger than the whole cache', () => {
    const cache = new ChunkCache(5);
    const f = cache.registerFile();
    cache.put(f, 0, chunk(0, 6));
    expect(cache.get(f, 0)).toBeUndefined();
  });

  it('carries the shard\'s partition-index budget and reports it with its stats', () => {
    const cache = new ChunkCache(1024, { indexSummaryCapacityBytes: 2048 });
    expect(cache.indexBudget.capacityBytes).toBe(2048);
    expect(cache.stats().partitionIndex).toEqual({ capacityBytes: 2048, bytes: 0, sstables: 0, dense: 0, sampled: 0, intervalMax: 1 });
  });
});
