// How batchlog writes travel: as MUTATIONs of the node-local table system.batches (the way
// Cassandra 2.x sent batchlog writes to system.batchlog), so no new verb is needed. A store is a
// row of partition <batch id> whose cell `data` holds the batch (varint n, n x varbytes mutation
// in the commit-log encoding); a removal is a partition deletion of <batch id>. A replica that
// decodes a MUTATION of BATCHLOG_TABLE_ID hands it to its batchlog instead of storage.
import { NO_DELETION_TIME } from '../../storage/index.ts';
import type { Mutation } from '../../storage/index.ts';
import { ByteReader, ByteWriter, DecodeError } from '../../storage/index.ts';
import { CoordinatorMessageError } from '../messages/coordinator-messages.ts';
import { BATCH_ID_BYTES } from './batchlog-store.ts';

export const BATCHLOG_KEYSPACE = 'system';
/** The table id of system.batches in batchlog MUTATIONs (reserved: no user table has it). */
export const BATCHLOG_TABLE_ID = 'ba7c4109-0000-4000-8000-000000000001';
const DATA_COLUMN = 'data';
/** Mutations in one batch at most (the CQL layer's batches are far smaller). */
export const BATCH_MUTATIONS_MAX = 65_535;

export type BatchlogOperation =
  | { readonly kind: 'store'; readonly id: Buffer; readonly batch: Buffer }
  | { readonly kind: 'remove'; readonly id: Buffer };

/** The batch blob: varint n, n x varbytes encoded mutation. */
export function encodeBatch(mutations: readonly Buffer[]): Buffer {
  let size = 8;
  for (const m of mutations) size += m.length + 8;
  const w = new ByteWriter(size);
  w.varint(mutations.length);
  for (const m of mutations) w.varBytes(m);
  return Buffer.from(w.view());
}

export function decodeBatch(batch: Buffer): Buffer[] {
  try {
    const r = new ByteReader(batch);
    const n = r.varint();
    if (n === 0 || n > BATCH_MUTATIONS_MAX) throw new CoordinatorMessageError(`batch of ${n} mutations`);
    const out: Buffer[] = [];
    for (let i = 0; i < n; i++) out.push(Buffer.from(r.varBytes()));
    if (r.remaining !== 0) throw new CoordinatorMessageError('batch: trailing bytes');
    return out;
  } catch (error) {
    if (error instanceof DecodeError || error instanceof RangeError) throw new CoordinatorMessageError(`malformed batch: ${error.message}`);
    throw error;
  }
}

/** The MUTATION that stores `batch` under `id` on a batchlog replica. */
export function batchStoreMutation(id: Buffer, batch: Buffer, timestampMicros: number): Mutation {
  return {
    keyspace: BATCHLOG_KEYSPACE, key: id, token: 0n,
    updates: [{
      tableId: BATCHLOG_TABLE_ID, key: id, token: 0n, partitionDeletion: null, staticRow: null, rangeTombstones: [],
      rows: [{
        clustering: [], liveness: null, deletion: null, complexDeletions: [],
        cells: [{ column: DATA_COLUMN, path: null, value: batch, timestampMicros, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false }],
      }],
    }],
  };
}

/** The MUTATION that removes batch `id` from a batchlog replica. */
export function batchRemoveMutation(id: Buffer, timestampMicros: number, nowSeconds: number): Mutation {
  return {
    keyspace: BATCHLOG_KEYSPACE, key: id, token: 0n,
    updates: [{
      tableId: BATCHLOG_TABLE_ID, key: id, token: 0n, staticRow: null, rows: [], rangeTombstones: [],
      partitionDeletion: { markedForDeleteAtMicros: timestampMicros, localDeletionTimeSeconds: nowSeconds },
    }],
  };
}

/** What a decoded MUTATION asks of the batchlog, or null when it is an ordinary mutation. */
export function batchlogOperation(m: Mutation): BatchlogOperation | null {
  const u = m.updates[0]!;
  if (u.tableId !== BATCHLOG_TABLE_ID) return null;
  if (m.updates.length !== 1 || m.key.length !== BATCH_ID_BYTES) throw new CoordinatorMessageError('malformed batchlog mutation');
  if (u.partitionDeletion !== null) return { kind: 'remove', id: m.key };
  const cell = u.rows[0]?.cells[0];
  if (u.rows.length !== 1 || cell === undefined || cell.column !== DATA_COLUMN) throw new CoordinatorMessageError('malformed batchlog store');
  return { kind: 'store', id: m.key, batch: cell.value };
}
