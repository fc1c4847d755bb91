// The validation pass of repair (spec 6.4): reads a table's merged partitions over one
// non-wrapping range, as compaction would, and folds a 256-bit hash of each (token, key and
// partition contents with deletions) into a Merkle tree. Nothing is written.
// Invariants: reads go page by page (VALIDATION_PAGE_PARTITIONS) and yield to the event loop
// between pages; identical merged contents hash identically on every replica.
import { createHash } from 'node:crypto';
import type { TokenRange } from '../cluster/index.ts';
import type { Timers } from '../io/index.ts';
import { ByteWriter, PartitionEncoder, inlineColumnNames } from '../storage/index.ts';
import type { ReadPartition, StorageEngine } from '../storage/index.ts';
import { rangeRead } from '../streaming/index.ts';
import type { StreamCursor } from '../streaming/index.ts';
import { MerkleTree } from './merkle-tree.ts';

export const VALIDATION_PAGE_PARTITIONS = 512;
/** Pages of one validation (x VALIDATION_PAGE_PARTITIONS partitions: 5e8). */
export const VALIDATION_PAGES_MAX = 1_000_000;

export class PartitionHasher {
  private readonly writer = new ByteWriter(4096);
  private readonly encoder = new PartitionEncoder(inlineColumnNames);

  hash(p: ReadPartition): Buffer {
    const w = this.writer;
    w.reset();
    w.i64(p.token);
    w.varBytes(p.key);
    this.encoder.writePartition(w, p);
    return createHash('sha256').update(w.view()).digest();
  }
}

export async function validate(options: {
  readonly storage: StorageEngine;
  readonly timers: Timers;
  readonly tableId: string;
  /** Non-wrapping (or ending at the ring end). */
  readonly range: TokenRange;
  readonly depth: number;
  readonly nowSeconds: number;
}): Promise<MerkleTree> {
  const tree = new MerkleTree(options.range, options.depth);
  const hasher = new PartitionHasher();
  let cursor: StreamCursor = { rangeIndex: 0, token: null, key: null };
  for (let page = 0; page < VALIDATION_PAGES_MAX; page++) {
    const result = options.storage.read(rangeRead(options.tableId, options.range, cursor, VALIDATION_PAGE_PARTITIONS, options.nowSeconds));
    for (const p of result.partitions) tree.add(p.token, hasher.hash(p));
    const last = result.partitions[result.partitions.length - 1];
    if (last === undefined || result.partitions.length < VALIDATION_PAGE_PARTITIONS) break;
    cursor = { rangeIndex: 0, token: last.token, key: last.key };
    await new Promise<void>((resolve) => options.timers.setImmediate(resolve));
  }
  return tree;
}
