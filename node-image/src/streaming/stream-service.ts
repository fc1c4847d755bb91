// Partition streaming between nodes. A receiver pulls the partitions of a table over token
// ranges from a source, page by page (StreamRequest), and applies them to its storage as
// mutations (commit log + memtable, so what it received survives a crash). A node can be asked to
// pull from a source (SyncRequest): decommission, removenode and repair move data that way.
// Invariants: every partition (or row chunk of a huge one) is applied atomically and applying is
// idempotent (reconciliation is last-write-wins), so a broken stream restarts from its last
// cursor and never exposes a half-applied page as lost data; outgoing bytes pass the node-wide
// throttle; retries, pages and waits are bounded.
import type { EndpointAddress, TokenRange } from '../cluster/index.ts';
import { MAX_TOKEN, MIN_TOKEN, normalizeRanges, rangeSize } from '../cluster/index.ts';
import type { Clock, Logger, TimerHandle, Timers } from '../io/index.ts';
import { CqlError, ErrorCode } from '../lib/index.ts';
import { MessagingError, Verb } from '../messaging/index.ts';
import type { MessagingService } from '../messaging/index.ts';
import type { SchemaSnapshot, TableMetadata } from '../schema/index.ts';
import { ByteWriter } from '../storage/index.ts';
import type { Mutation, ReadCommand, ReadPartition, StorageEngine } from '../storage/index.ts';
import {
  decodePageRequest, decodePageResponse, decodeSyncRequest, decodeSyncResponse, encodePageRequest, encodePageResponse,
  encodeSyncRequest, encodeSyncResponse, writeMutation,
} from './stream-messages.ts';
import type { PageRequest, StreamCursor, SyncRequest } from './stream-messages.ts';
import { StreamSessions } from './stream-sessions.ts';
import type { StreamSessionView } from './stream-sessions.ts';
import { StreamThrottle } from './stream-throttle.ts';

export interface StreamLimits {
  /** A page stops growing past this many encoded bytes. */
  readonly pageBytesMax: number;
  /** Partitions read from storage per step while filling a page. */
  readonly readPartitionsMax: number;
  /** Deadline of one page request. */
  readonly pageTimeoutMs: number;
  /** Attempts per page before the stream fails (connection lost, timeout, source restarting). */
  readonly pageAttemptsMax: number;
  readonly retryDelayInitialMs: number;
  readonly retryDelayMaxMs: number;
  /** Deadline of a SyncRequest (the target streams everything before answering). */
  readonly syncTimeoutMs: number;
  /** A partition encoded larger than this is sent as several row chunks. */
  readonly partitionSplitBytes: number;
  /** Storage refusing writes (Overloaded) is retried this often, every overloadRetryMs. */
  readonly overloadRetriesMax: number;
  readonly overloadRetryMs: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  pageBytesMax: 1024 * 1024,
  readPartitionsMax: 256,
  pageTimeoutMs: 60_000,
  pageAttemptsMax: 10,
  retryDelayInitialMs: 250,
  retryDelayMaxMs: 8000,
  syncTimeoutMs: 6 * 3_600_000,
  partitionSplitBytes: 4 * 1024 * 1024,
  overloadRetriesMax: 600,
  overloadRetryMs: 100,
};

/** Cassandra's stream_throughput_outbound default (24 MiB/s). */
export const STREAM_THROUGHPUT_DEFAULT_BYTES_PER_SECOND = 24 * 1024 * 1024;

export interface PullPlan {
  readonly planId: string;
  /** BOOTSTRAP, DECOMMISSION, REBUILD, REPAIR, REMOVENODE, REPLACE. */
  readonly operation: string;
  readonly source: EndpointAddress;
  readonly keyspace: string;
  /** Table names; empty means every table of the keyspace. */
  readonly tables: readonly string[];
  readonly ranges: readonly TokenRange[];
}

export interface StreamResult {
  readonly bytes: number;
  readonly partitions: number;
}

export class StreamError extends Error {
  override readonly name = 'StreamError';
}

export interface StreamServiceOptions {
  readonly messaging: MessagingService;
  readonly storage: StorageEngine;
  readonly schema: () => SchemaSnapshot;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Outgoing bytes per second over all streams; 0 = unthrottled. */
  readonly throughputBytesPerSecond: number;
  readonly limits?: Partial<StreamLimits>;
}

/** Messaging failures worth retrying (the source may come back or the connection was cut). */
function retryable(error: unknown): boolean {
  if (error instanceof MessagingError) return error.code !== 'MSG_ERR_BAD_MESSAGE' && error.code !== 'MSG_ERR_REMOTE';
  return false;
}

export class StreamService {
  readonly sessions: StreamSessions;
  readonly throttle: StreamThrottle;
  private readonly options: StreamServiceOptions;
  private readonly limits: StreamLimits;
  private readonly logger: Logger;
  private readonly syncs = new Map<string, Promise<StreamResult>>();
  private readonly sleeps = new Map<TimerHandle, () => void>();
  private closed = false;

  constructor(options: StreamServiceOptions) {
    this.options = options;
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
    this.logger = options.logger.child({ component: 'streaming' });
    this.sessions = new StreamSessions(options.clock);
    this.throttle = new StreamThrottle({ clock: options.clock, timers: options.timers, bytesPerSecond: options.throughputBytesPerSecond });
  }

  /** Registers the StreamRequest and SyncRequest handlers. */
  start(): void {
    const m = this.options.messaging;
    m.handle(Verb.StreamRequest, (from, payload) => this.servePage(from, payload));
    m.handle(Verb.SyncRequest, async (from, payload) => {
      const request = decodeSyncRequest(payload);
      this.logger.info({ from, planId: request.planId, operation: request.operation, source: request.source, keyspace: request.keyspace, ranges: request.ranges.length }, 'asked to stream ranges');
      return encodeSyncResponse(await this.sync(request));
    });
  }

  close(): void {
    this.closed = true;
    this.throttle.close();
    for (const [handle, resolve] of this.sleeps) {
      handle.cancel();
      resolve();
    }
    this.sleeps.clear();
  }

  list(): StreamSessionView[] {
    return this.sessions.list();
  }

  /**
   * Asks `target` to pull `request.ranges` from `request.source` and waits until it has; the target
   * deduplicates by plan, source and keyspace, so a retry after a lost connection joins the running stream.
   */
  async requestSync(target: EndpointAddress, request: SyncRequest): Promise<StreamResult> {
    if (target === this.options.messaging.self) return this.sync(request);
    const payload = encodeSyncRequest(request);
    let delayMs = this.limits.retryDelayInitialMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return decodeSyncResponse(await this.options.messaging.request(target, Verb.SyncRequest, payload, this.limits.syncTimeoutMs));
      } catch (error) {
        if (!retryable(error) || attempt >= this.limits.pageAttemptsMax || this.closed) {
          throw new StreamError(`streaming ${request.keyspace} from ${request.source} to ${target} failed: ${(error as Error).message}`);
        }
        this.logger.warn({ target, planId: request.planId, attempt, error: (error as Error).message }, 'sync request failed; retrying');
        await this.sleep(delayMs);
        delayMs = Math.min(this.limits.retryDelayMaxMs, delayMs * 2);
      }
    }
  }

  private sync(request: SyncRequest): Promise<StreamResult> {
    const key = `${request.planId}|${request.source}|${request.keyspace}`;
    let running = this.syncs.get(key);
    if (running === undefined) {
      running = this.pull({
        planId: request.planId, operation: request.operation, source: request.source as EndpointAddress, keyspace: request.keyspace,
        tables: request.tables, ranges: request.ranges,
      }).finally(() => this.syncs.delete(key));
      this.syncs.set(key, running);
    }
    return running;
  }

  /** Pulls every table of the plan over its ranges from its source and applies it locally. */
  async pull(plan: PullPlan, signal?: AbortSignal): Promise<StreamResult> {
    const tables = this.tablesOf(plan.keyspace, plan.tables);
    const ranges = normalizeRanges(plan.ranges);
    const total = { bytes: 0, partitions: 0 };
    if (ranges.length === 0 || tables.length === 0) return total;
    this.sessions.startReceiving({ planId: plan.planId, operation: plan.operation, peer: plan.source, tableIds: tables.map((t) => t.id) });
    let failed = true;
    try {
      for (const table of tables) {
        const r = await this.pullTable(plan, table, ranges, signal);
        total.bytes += r.bytes;
        total.partitions += r.partitions;
      }
      failed = false;
    } finally {
      this.sessions.finish({ planId: plan.planId, peer: plan.source, direction: 'RECEIVING', failed });
    }
    this.logger.info({ planId: plan.planId, operation: plan.operation, source: plan.source, keyspace: plan.keyspace, ...total }, 'stream received');
    return total;
  }

  private tablesOf(keyspace: string, names: readonly string[]): TableMetadata[] {
    const ks = this.options.schema().keyspaces.get(keyspace);
    if (ks === undefined) throw new StreamError(`unknown keyspace ${keyspace} on ${this.options.messaging.self}`);
    const all = [...ks.tables.values()];
    if (names.length === 0) return all;
    return all.filter((t) => names.includes(t.name));
  }

  private async pullTable(plan: PullPlan, table: TableMetadata, ranges: readonly TokenRange[], signal: AbortSignal | undefined): Promise<StreamResult> {
    let cursor: StreamCursor | null = { rangeIndex: 0, token: null, key: null };
    const total = { bytes: 0, partitions: 0 };
    while (cursor !== null) {
      if (signal?.aborted === true) throw new StreamError('stream cancelled');
      if (this.closed) throw new StreamError('streaming stopped: the node is shutting down');
      const request: PageRequest = {
        planId: plan.planId, operation: plan.operation, keyspace: table.keyspace, table: table.name, ranges, cursor,
        pageBytesMax: this.limits.pageBytesMax,
      };
      const page = decodePageResponse(await this.requestPage(plan.source, request));
      await this.applyAll(page.mutations, table.id);
      total.bytes += page.bytes;
      total.partitions += page.mutations.length;
      this.sessions.page({
        planId: plan.planId, operation: plan.operation, peer: plan.source, direction: 'RECEIVING', tableId: table.id, bytes: page.bytes,
        partitions: page.mutations.length, tableDone: page.next === null, estimatedTableBytes: page.estimatedTotalBytes,
      });
      cursor = page.next;
    }
    return total;
  }

  private async requestPage(source: EndpointAddress, request: PageRequest): Promise<Buffer> {
    const payload = encodePageRequest(request);
    let delayMs = this.limits.retryDelayInitialMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.options.messaging.request(source, Verb.StreamRequest, payload, this.limits.pageTimeoutMs);
      } catch (error) {
        if (!retryable(error) || attempt >= this.limits.pageAttemptsMax || this.closed) {
          throw new StreamError(`stream from ${source} failed after ${attempt} attempt(s): ${(error as Error).message}`);
        }
        this.logger.warn({ source, planId: request.planId, attempt, error: (error as Error).message }, 'stream page failed; resuming from the last partition');
        // A timed-out connection may be one the source already dropped: retry on a fresh one.
        if (error instanceof MessagingError && error.code === 'MSG_ERR_TIMEOUT') this.options.messaging.disconnect(source);
        await this.sleep(delayMs);
        delayMs = Math.min(this.limits.retryDelayMaxMs, delayMs * 2);
      }
    }
  }

  /** Applies a page; updates carry the source's table id, replaced by this node's. */
  private async applyAll(mutations: readonly Mutation[], tableId: string): Promise<void> {
    if (mutations.length === 0) return;
    await Promise.all(mutations.map((m) => this.applyOne(
      m.updates.every((u) => u.tableId === tableId) ? m : { ...m, updates: m.updates.map((u) => ({ ...u, tableId })) },
    )));
  }

  private async applyOne(mutation: Mutation): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.options.storage.apply(mutation);
        return;
      } catch (error) {
        if (!(error instanceof CqlError && error.code === ErrorCode.Overloaded) || attempt >= this.limits.overloadRetriesMax) throw error;
        await this.sleep(this.limits.overloadRetryMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const handle = this.options.timers.setTimeout(() => {
        this.sleeps.delete(handle);
        resolve();
      }, ms);
      this.sleeps.set(handle, resolve);
    });
  }

  // ---- source side ---------------------------------------------------------------------------

  private async servePage(from: string, payload: Buffer): Promise<Buffer> {
    const request = decodePageRequest(payload);
    const table = this.options.schema().keyspaces.get(request.keyspace)?.tables.get(request.table);
    if (table === undefined) throw new CqlError(ErrorCode.Invalid, `stream request for unknown table ${request.keyspace}.${request.table} on ${this.options.messaging.self}`);
    const pageBytesMax = Math.max(1, Math.min(request.pageBytesMax, this.limits.pageBytesMax * 16));
    const body = new ByteWriter(Math.min(pageBytesMax, 1024 * 1024) + 1024);
    let count = 0;
    let cursor: StreamCursor = request.cursor;
    let next: StreamCursor | null = cursor;
    const nowSeconds = Math.floor(this.options.clock.nowMs() / 1000);
    while (next !== null && body.length < pageBytesMax) {
      cursor = next;
      const range = request.ranges[cursor.rangeIndex];
      if (range === undefined) {
        next = null;
        break;
      }
      const result = this.options.storage.read(rangeRead(table.id, range, cursor, this.limits.readPartitionsMax, nowSeconds));
      let last: ReadPartition | null = null;
      for (const partition of result.partitions) {
        count += this.encodePartition(body, table.keyspace, table.id, partition);
        last = partition;
        if (body.length >= pageBytesMax) break;
      }
      const exhausted = result.partitions.length < this.limits.readPartitionsMax && (last === null || last === result.partitions[result.partitions.length - 1]);
      if (exhausted) next = cursor.rangeIndex + 1 < request.ranges.length ? { rangeIndex: cursor.rangeIndex + 1, token: null, key: null } : null;
      else next = { rangeIndex: cursor.rangeIndex, token: last!.token, key: last!.key };
    }
    const estimatedTotalBytes = isStart(request.cursor) ? this.estimateBytes(table.id, request.ranges) : 0;
    const bytes = body.length;
    await this.throttle.acquire(bytes);
    this.sessions.page({
      planId: request.planId, operation: request.operation, peer: from, direction: 'SENDING', tableId: table.id, bytes, partitions: count,
      tableDone: next === null, estimatedTableBytes: estimatedTotalBytes,
    });
    return encodePageResponse({ body: Buffer.from(body.view()), mutationCount: count, next, estimatedTotalBytes });
  }

  private estimateBytes(tableId: string, ranges: readonly TokenRange[]): number {
    const stats = this.options.storage.tableStats(tableId);
    if (stats === null) return 0;
    let share = 0;
    for (const r of ranges) share += rangeSize(r);
    return Math.round((stats.sstableBytes + stats.memtableBytes) * Math.min(1, share));
  }

  /** Writes the partition as one mutation, or as row chunks when it is huge; returns how many. */
  private encodePartition(body: ByteWriter, keyspace: string, tableId: string, p: ReadPartition): number {
    if (p.partitionDeletion === null && p.staticRow === null && p.rows.length === 0 && p.rangeTombstones.length === 0) return 0;
    const start = body.length;
    const length = writeMutation(body, partitionMutation(keyspace, tableId, p, p.rows, true));
    if (length <= this.limits.partitionSplitBytes || p.rows.length < 2) return 1;
    body.truncate(start);
    const chunks = Math.min(p.rows.length, Math.ceil(length / this.limits.partitionSplitBytes));
    const per = Math.ceil(p.rows.length / chunks);
    let written = 0;
    for (let i = 0; i < p.rows.length; i += per) {
      writeMutation(body, partitionMutation(keyspace, tableId, p, p.rows.slice(i, i + per), i === 0));
      written++;
    }
    return written;
  }
}

function isStart(c: StreamCursor): boolean {
  return c.rangeIndex === 0 && c.token === null;
}

function partitionMutation(keyspace: string, tableId: string, p: ReadPartition, rows: ReadPartition['rows'], first: boolean): Mutation {
  return {
    keyspace, key: p.key, token: p.token,
    updates: [{
      tableId, key: p.key, token: p.token,
      partitionDeletion: first ? p.partitionDeletion : null,
      staticRow: first ? p.staticRow : null,
      rows,
      rangeTombstones: first ? p.rangeTombstones : [],
    }],
  };
}

/** A storage range read of `range` (normalized, non-wrapping) after `cursor`, every column, deletions kept. */
export function rangeRead(tableId: string, range: TokenRange, cursor: StreamCursor, partitionsMax: number, nowSeconds: number): ReadCommand {
  const end = range.right === MIN_TOKEN ? MAX_TOKEN : range.right;
  const start = cursor.token !== null && cursor.key !== null ? { token: cursor.token, key: cursor.key } : { token: range.left, key: null };
  return {
    tableId,
    partitions: { kind: 'range', start, startInclusive: false, end: { token: end, key: null }, endInclusive: true },
    clustering: { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false },
    columns: 'all',
    limits: { rows: Infinity, perPartitionRows: Infinity, partitions: partitionsMax },
    nowSeconds,
    resumeAfterClustering: null,
    includeStaticRow: true,
  };
}
