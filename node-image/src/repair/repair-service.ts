// Anti-entropy repair (spec 6.2): for each range of a keyspace this node repairs (all it
// replicates, or its primary ranges, optionally a subrange), and each table, every replica builds a
// Merkle tree in a validation pass (ValidationRequest), the trees are compared pairwise, and each
// pair streams the mismatching sub-ranges to each other (SyncRequest). History is kept durably.
// Invariants: trees of one comparison share range and depth (chosen by the repair coordinator);
// a range with a participant down fails (and is reported) instead of being half repaired; loops are
// bounded by the ranges and tables of the request.
import {
  RingReplicaMap, createReplicationStrategy, intersectRanges, token, tokenRange, unwrapRange,
} from '../cluster/index.ts';
import type { EndpointAddress, TokenRange } from '../cluster/index.ts';
import type { Membership } from '../coordinator/index.ts';
import type { Clock, Disk, Logger, Timers } from '../io/index.ts';
import { Verb } from '../messaging/index.ts';
import type { MessagingService } from '../messaging/index.ts';
import type { KeyspaceMetadata, SchemaSnapshot } from '../schema/index.ts';
import { ByteReader, ByteWriter } from '../storage/index.ts';
import type { StorageEngine } from '../storage/index.ts';
import type { StreamService } from '../streaming/index.ts';
import { MERKLE_DEPTH_MAX, MerkleTree, depthFor } from './merkle-tree.ts';
import { appendRepairHistory } from './repair-history.ts';
import { validate } from './validation.ts';

/** Deadline of one validation request (a full scan of the range on the replica). */
export const VALIDATION_TIMEOUT_MS = 30 * 60_000;
const MESSAGE_VERSION = 1;

export class RepairError extends Error {
  override readonly name = 'RepairError';
}

export interface RepairRequest {
  /** All keyspaces with replicated data when absent. */
  readonly keyspace: string | undefined;
  readonly tables: readonly string[] | undefined;
  readonly primaryRange: boolean;
  readonly datacenters: readonly string[] | undefined;
  readonly startToken: string | undefined;
  readonly endToken: string | undefined;
}

export interface RepairResult {
  readonly rangesRepaired: number;
  readonly mismatchedRanges: number;
  readonly streamedBytes: number;
  readonly failedRanges: number;
  readonly [key: string]: number | string | boolean;
}

export interface RepairServiceOptions {
  readonly messaging: MessagingService;
  readonly membership: Membership;
  readonly streams: StreamService;
  readonly storage: StorageEngine;
  readonly schema: () => SchemaSnapshot;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly disk: Disk;
  readonly systemDirectory: string;
}

export class RepairService {
  private readonly o: RepairServiceOptions;
  private readonly logger: Logger;
  private counter = 0;

  constructor(options: RepairServiceOptions) {
    this.o = options;
    this.logger = options.logger.child({ component: 'repair' });
  }

  start(): void {
    this.o.messaging.handle(Verb.ValidationRequest, async (_from, payload) => {
      const r = decodeValidationRequest(payload);
      const table = this.o.schema().keyspaces.get(r.keyspace)?.tables.get(r.table);
      if (table === undefined) throw new RepairError(`unknown table ${r.keyspace}.${r.table} on ${this.o.messaging.self}`);
      const tree = await validate({ storage: this.o.storage, timers: this.o.timers, tableId: table.id, range: r.range, depth: r.depth, nowSeconds: r.nowSeconds });
      return encodeTree(tree);
    });
  }

  /** Keyspaces a repair covers: the named one, or every keyspace replicated to several nodes. */
  keyspacesFor(keyspace: string | undefined): KeyspaceMetadata[] {
    const all = [...this.o.schema().keyspaces.values()].filter((k) => !k.replication.class.endsWith('LocalStrategy'));
    if (keyspace === undefined) return all.filter((k) => !k.name.startsWith('system'));
    const ks = all.find((k) => k.name === keyspace);
    if (ks === undefined) throw new RepairError(`unknown keyspace ${keyspace}`);
    return [ks];
  }

  async repair(request: RepairRequest, progress: (update: { done: number; total: number; message: string }) => void, signal?: AbortSignal): Promise<RepairResult> {
    const m = this.o.membership;
    const keyspaces = this.keyspacesFor(request.keyspace);
    const id = `repair-${this.o.clock.nowMs()}-${++this.counter}`;
    const startedAtMs = this.o.clock.nowMs();
    const nowSeconds = Math.floor(startedAtMs / 1000);
    const subrange = request.startToken === undefined || request.endToken === undefined
      ? null : tokenRange(token(BigInt(request.startToken)), token(BigInt(request.endToken)));
    const ring = m.ring().onlyTokenMap();
    const work: Array<{ ks: KeyspaceMetadata; table: string; range: TokenRange; replicas: readonly EndpointAddress[] }> = [];
    for (const ks of keyspaces) {
      const map = new RingReplicaMap(createReplicationStrategy(ks.replication, { localAddress: m.self }), ring);
      const tables = [...ks.tables.values()].map((t) => t.name).filter((t) => request.tables === undefined || request.tables.length === 0 || request.tables.includes(t));
      if (request.tables !== undefined && request.tables.length > 0 && tables.length < request.tables.length) {
        throw new RepairError(`unknown table(s) in ${ks.name}: ${request.tables.filter((t) => !tables.includes(t)).join(', ')}`);
      }
      for (const { range, replicas } of map.entries()) {
        if (!replicas.includes(m.self)) continue;
        if (request.primaryRange && replicas[0] !== m.self) continue;
        const pieces = subrange === null ? unwrapRange(range) : intersectRanges(range, subrange).flatMap(unwrapRange);
        const participants = replicas.filter((e) => request.datacenters === undefined || request.datacenters.length === 0
          || request.datacenters.includes(ring.endpoint(e)?.dc ?? ''));
        for (const piece of pieces) for (const table of tables) work.push({ ks, table, range: piece, replicas: participants });
      }
    }
    let mismatchedRanges = 0;
    let streamedBytes = 0;
    let failedRanges = 0;
    let firstError: string | null = null;
    for (let i = 0; i < work.length; i++) {
      if (signal?.aborted === true) throw new RepairError('repair cancelled');
      const w = work[i]!;
      progress({ done: i, total: work.length, message: `repairing ${w.ks.name}.${w.table} ${w.range.left}..${w.range.right}` });
      const down = w.replicas.filter((e) => !m.isAlive(e));
      if (down.length > 0) {
        failedRanges++;
        firstError ??= `Endpoint not alive: ${down.join(', ')}`;
        continue;
      }
      if (w.replicas.length < 2) continue;
      try {
        const r = await this.repairRange(id, w.ks.name, w.table, w.range, w.replicas, nowSeconds);
        mismatchedRanges += r.mismatched;
        streamedBytes += r.bytes;
      } catch (error) {
        failedRanges++;
        firstError ??= (error as Error).message;
        this.logger.warn({ keyspace: w.ks.name, table: w.table, error: (error as Error).message }, 'repair of a range failed');
      }
    }
    progress({ done: work.length, total: work.length, message: 'repair finished' });
    const result: RepairResult = { rangesRepaired: work.length - failedRanges, mismatchedRanges, streamedBytes, failedRanges };
    for (const ks of keyspaces) {
      appendRepairHistory(this.o.disk, this.o.systemDirectory, {
        id, keyspace: ks.name, tables: request.tables ?? [], ranges: work.filter((w) => w.ks === ks).length, primaryRange: request.primaryRange,
        startedAtMs, finishedAtMs: this.o.clock.nowMs(), status: failedRanges === 0 ? 'SUCCESS' : 'FAILED', mismatchedRanges, streamedBytes,
        error: firstError,
      });
    }
    this.logger.info({ id, ...result }, 'repair done');
    if (failedRanges > 0) throw new RepairError(`repair ${id} failed for ${failedRanges} of ${work.length} range(s): ${firstError}`);
    return result;
  }

  private async repairRange(
    id: string, keyspace: string, tableName: string, range: TokenRange, replicas: readonly EndpointAddress[], nowSeconds: number,
  ): Promise<{ mismatched: number; bytes: number }> {
    const m = this.o.membership;
    const table = this.o.schema().keyspaces.get(keyspace)?.tables.get(tableName);
    if (table === undefined) throw new RepairError(`unknown table ${keyspace}.${tableName}`);
    // Every participant validates at once, at the largest depth; the trees are then folded to about
    // one partition per leaf of the fullest replica, so sparse ranges compare cheaply.
    const full = new Map<EndpointAddress, MerkleTree>();
    const payload = encodeValidationRequest({ keyspace, table: tableName, range, depth: MERKLE_DEPTH_MAX, nowSeconds });
    await Promise.all(replicas.map(async (e) => {
      const tree = e === m.self
        ? await validate({ storage: this.o.storage, timers: this.o.timers, tableId: table.id, range, depth: MERKLE_DEPTH_MAX, nowSeconds })
        : decodeTree(await this.o.messaging.request(e, Verb.ValidationRequest, payload, VALIDATION_TIMEOUT_MS), range);
      full.set(e, tree);
    }));
    const depth = depthFor(Math.max(...[...full.values()].map((t) => t.partitions)) * 2);
    const trees = new Map<EndpointAddress, MerkleTree>([...full].map(([e, t]) => [e, t.fold(depth)]));
    let mismatched = 0;
    let bytes = 0;
    const list = [...trees.keys()];
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        const ta = trees.get(list[a]!)!;
        const tb = trees.get(list[b]!)!;
        const diff = ta.difference(tb);
        if (diff.length === 0) continue;
        mismatched += ta.differingLeaves(tb);
        for (const [receiver, source] of [[list[a]!, list[b]!], [list[b]!, list[a]!]] as const) {
          const r = await this.o.streams.requestSync(receiver, { planId: id, operation: 'REPAIR', source, keyspace, tables: [tableName], ranges: diff });
          bytes += r.bytes;
        }
      }
    }
    return { mismatched, bytes };
  }
}

interface ValidationRequest {
  readonly keyspace: string;
  readonly table: string;
  readonly range: TokenRange;
  readonly depth: number;
  readonly nowSeconds: number;
}

function encodeValidationRequest(r: ValidationRequest): Buffer {
  const w = new ByteWriter(128);
  w.u8(MESSAGE_VERSION);
  w.string(r.keyspace);
  w.string(r.table);
  w.i64(r.range.left);
  w.i64(r.range.right);
  w.u8(r.depth);
  w.f64(r.nowSeconds);
  return Buffer.from(w.view());
}

function decodeValidationRequest(payload: Buffer): ValidationRequest {
  const r = new ByteReader(payload);
  if (r.u8() !== MESSAGE_VERSION) throw new RepairError('unknown validation request version');
  const keyspace = r.string();
  const table = r.string();
  const left = token(r.i64());
  const range = tokenRange(left, token(r.i64()));
  const depth = r.u8();
  if (depth > MERKLE_DEPTH_MAX) throw new RepairError(`merkle depth ${depth} above ${MERKLE_DEPTH_MAX}`);
  return { keyspace, table, range, depth, nowSeconds: r.f64() };
}

function encodeTree(tree: MerkleTree): Buffer {
  const head = Buffer.alloc(1 + 1 + 8);
  head.writeUInt8(MESSAGE_VERSION, 0);
  head.writeUInt8(tree.depth, 1);
  head.writeDoubleBE(tree.partitions, 2);
  return Buffer.concat([head, tree.leaves]);
}

function decodeTree(payload: Buffer, range: TokenRange): MerkleTree {
  if (payload.length < 10 || payload.readUInt8(0) !== MESSAGE_VERSION) throw new RepairError('bad merkle tree message');
  const depth = payload.readUInt8(1);
  if (depth > MERKLE_DEPTH_MAX || payload.length !== 10 + (1 << depth) * 32) throw new RepairError('bad merkle tree size');
  const tree = new MerkleTree(range, depth, Buffer.from(payload.subarray(10)));
  tree.partitions = payload.readDoubleBE(2);
  return tree;
}
