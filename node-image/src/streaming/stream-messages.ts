// Wire forms of the streaming verbs: StreamRequest (a receiver pulls one page of partitions of a
// table over token ranges from a source) and SyncRequest (a node is asked to pull ranges from a
// source: decommission, removenode and repair push this way). Pages carry storage mutations, so
// the receiver applies exactly what the source stores (deletions and TTLs included).
// Invariants: ranges are normalized and never wrap; a cursor lies inside its range; every count
// and length read from the wire is bounded before anything is allocated.
import type { TokenRange } from '../cluster/index.ts';
import { token, tokenRange } from '../cluster/index.ts';
import { ByteReader, ByteWriter, MutationDecoder, MutationEncoder } from '../storage/index.ts';
import type { Mutation } from '../storage/index.ts';

export const STREAM_MESSAGE_VERSION = 1;
/** Ranges in one request (a node has at most 1536 tokens x a few replicas). */
export const STREAM_RANGES_MAX = 65_536;
/** Tables named in one sync request. */
export const STREAM_TABLES_MAX = 4096;
/** Mutations in one page. */
export const STREAM_PAGE_MUTATIONS_MAX = 100_000;

export class StreamMessageError extends Error {
  override readonly name = 'StreamMessageError';
}

/** Where a pull resumes: the range index and the last partition received in it (null: from its start). */
export interface StreamCursor {
  readonly rangeIndex: number;
  readonly token: bigint | null;
  readonly key: Buffer | null;
}

export interface PageRequest {
  readonly planId: string;
  readonly operation: string;
  readonly keyspace: string;
  /** Table name (names, not ids, so nodes whose schemas were created apart still agree). */
  readonly table: string;
  readonly ranges: readonly TokenRange[];
  readonly cursor: StreamCursor;
  readonly pageBytesMax: number;
}

export interface PageResponse {
  readonly mutations: readonly Mutation[];
  /** Null when every range is done. */
  readonly next: StreamCursor | null;
  /** Encoded bytes of the mutations (what the throttle counted). */
  readonly bytes: number;
  /** The source's estimate of the table's bytes over the ranges (first page; 0 when unknown). */
  readonly estimatedTotalBytes: number;
}

export interface SyncRequest {
  readonly planId: string;
  readonly operation: string;
  /** Internode address to pull from. */
  readonly source: string;
  readonly keyspace: string;
  /** Table names; empty means every table of the keyspace. */
  readonly tables: readonly string[];
  readonly ranges: readonly TokenRange[];
}

export interface SyncResponse {
  readonly bytes: number;
  readonly partitions: number;
}

function count(r: ByteReader, max: number, what: string): number {
  const n = r.varint();
  if (n > max) throw new StreamMessageError(`${what}: ${n} exceeds ${max}`);
  return n;
}

function writeRanges(w: ByteWriter, ranges: readonly TokenRange[]): void {
  w.varint(ranges.length);
  for (const range of ranges) {
    w.i64(range.left);
    w.i64(range.right);
  }
}

function readRanges(r: ByteReader): TokenRange[] {
  const n = count(r, STREAM_RANGES_MAX, 'ranges');
  const out: TokenRange[] = [];
  for (let i = 0; i < n; i++) {
    const left = token(r.i64());
    out.push(tokenRange(left, token(r.i64())));
  }
  return out;
}

function writeCursor(w: ByteWriter, c: StreamCursor): void {
  w.varint(c.rangeIndex);
  if (c.token === null || c.key === null) w.u8(0);
  else {
    w.u8(1);
    w.i64(c.token);
    w.varBytes(c.key);
  }
}

function readCursor(r: ByteReader): StreamCursor {
  const rangeIndex = r.varint();
  if (r.u8() === 0) return { rangeIndex, token: null, key: null };
  const token = r.i64();
  return { rangeIndex, token, key: Buffer.from(r.varBytes()) };
}

function header(w: ByteWriter): void {
  w.u8(STREAM_MESSAGE_VERSION);
}

function checkHeader(r: ByteReader): void {
  const v = r.u8();
  if (v !== STREAM_MESSAGE_VERSION) throw new StreamMessageError(`unknown stream message version ${v}`);
}

export function encodePageRequest(m: PageRequest): Buffer {
  const w = new ByteWriter(256);
  header(w);
  w.string(m.planId);
  w.string(m.operation);
  w.string(m.keyspace);
  w.string(m.table);
  writeRanges(w, m.ranges);
  writeCursor(w, m.cursor);
  w.varint(m.pageBytesMax);
  return Buffer.from(w.view());
}

export function decodePageRequest(payload: Buffer): PageRequest {
  const r = new ByteReader(payload);
  checkHeader(r);
  const planId = r.string();
  const operation = r.string();
  const keyspace = r.string();
  const table = r.string();
  const ranges = readRanges(r);
  const cursor = readCursor(r);
  if (cursor.rangeIndex > ranges.length) throw new StreamMessageError(`cursor range ${cursor.rangeIndex} beyond ${ranges.length} ranges`);
  return { planId, operation, keyspace, table, ranges, cursor, pageBytesMax: r.varint() };
}

const mutationEncoder = new MutationEncoder();
const mutationDecoder = new MutationDecoder();

/** Encodes one mutation into `w` and returns its length. */
export function writeMutation(w: ByteWriter, m: Mutation): number {
  const start = w.length;
  w.u32(0);
  mutationEncoder.write(w, m);
  const length = w.length - start - 4;
  w.u32At(start, length);
  return length;
}

/** A page response whose mutations were already written with writeMutation into `body`. */
export function encodePageResponse(options: {
  readonly body: Buffer; readonly mutationCount: number; readonly next: StreamCursor | null; readonly estimatedTotalBytes: number;
}): Buffer {
  const w = new ByteWriter(options.body.length + 64);
  header(w);
  w.varint(options.estimatedTotalBytes);
  if (options.next === null) w.u8(0);
  else {
    w.u8(1);
    writeCursor(w, options.next);
  }
  w.varint(options.mutationCount);
  w.bytes(options.body);
  return Buffer.from(w.view());
}

export function decodePageResponse(payload: Buffer): PageResponse {
  const r = new ByteReader(payload);
  checkHeader(r);
  const estimatedTotalBytes = r.varint();
  const next = r.u8() === 0 ? null : readCursor(r);
  const n = count(r, STREAM_PAGE_MUTATIONS_MAX, 'mutations');
  const mutations: Mutation[] = [];
  const bodyStart = r.offset;
  for (let i = 0; i < n; i++) {
    const length = r.u32();
    const end = r.offset + length;
    if (end > r.end) throw new StreamMessageError('truncated mutation in stream page');
    mutations.push(mutationDecoder.read(new ByteReader(payload, r.offset, end)));
    r.offset = end;
  }
  return { mutations, next, bytes: r.offset - bodyStart, estimatedTotalBytes };
}

export function encodeSyncRequest(m: SyncRequest): Buffer {
  const w = new ByteWriter(256);
  header(w);
  w.string(m.planId);
  w.string(m.operation);
  w.string(m.source);
  w.string(m.keyspace);
  w.varint(m.tables.length);
  for (const name of m.tables) w.string(name);
  writeRanges(w, m.ranges);
  return Buffer.from(w.view());
}

export function decodeSyncRequest(payload: Buffer): SyncRequest {
  const r = new ByteReader(payload);
  checkHeader(r);
  const planId = r.string();
  const operation = r.string();
  const source = r.string();
  const keyspace = r.string();
  const n = count(r, STREAM_TABLES_MAX, 'tables');
  const tables: string[] = [];
  for (let i = 0; i < n; i++) tables.push(r.string());
  return { planId, operation, source, keyspace, tables, ranges: readRanges(r) };
}

export function encodeSyncResponse(m: SyncResponse): Buffer {
  const w = new ByteWriter(32);
  header(w);
  w.varint(m.bytes);
  w.varint(m.partitions);
  return Buffer.from(w.view());
}

export function decodeSyncResponse(payload: Buffer): SyncResponse {
  const r = new ByteReader(payload);
  checkHeader(r);
  const bytes = r.varint();
  return { bytes, partitions: r.varint() };
}
