// Payloads of the coordinator's internode verbs (docs/design/coordinator.md, "Wire formats"):
// mutations (storage's commit-log encoding), read commands, read results (storage's partition
// body encoding, also what digests hash), counter mutations carrying their deltas, truncate and
// schema snapshots. Decoders validate and throw CoordinatorMessageError on malformed input, which
// the handlers turn into a Failure response. Invariant: decode(encode(x)) equals x.
import { ByteReader, ByteWriter, DecodeError, MutationDecoder, MutationEncoder, PartitionDecoder, PartitionEncoder, inlineColumnNames } from '../../storage/index.ts';
import type {
  Cell, Clustering, ClusteringBound, ClusteringFilter, DataLimits, Mutation, PartitionPosition, PartitionSelector, PartitionUpdate,
  ReadCommand, ReadPartition, ReadResult, Row, Slice,
} from '../../storage/index.ts';
import { isConsistencyLevel } from '../../lib/index.ts';
import type { ConsistencyLevel } from '../../lib/index.ts';

/** Bounds on decoded collections: a peer cannot make us allocate without limit. */
export const MESSAGE_LIST_ENTRIES_MAX = 1_000_000;
const INITIAL_WRITER_BYTES = 4096;

export class CoordinatorMessageError extends Error {
  override readonly name = 'CoordinatorMessageError';
}

function reader(payload: Buffer): ByteReader {
  return new ByteReader(payload);
}

function count(r: ByteReader, what: string): number {
  const n = r.varint();
  if (n > MESSAGE_LIST_ENTRIES_MAX) throw new CoordinatorMessageError(`${what}: ${n} entries exceed ${MESSAGE_LIST_ENTRIES_MAX}`);
  return n;
}

function done(r: ByteReader, what: string): void {
  if (r.remaining !== 0) throw new CoordinatorMessageError(`${what}: ${r.remaining} trailing bytes`);
}

/** Runs a decoder, turning codec errors into CoordinatorMessageError. */
function decoding<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof DecodeError || error instanceof RangeError) throw new CoordinatorMessageError(`malformed ${what}: ${error.message}`);
    throw error;
  }
}

/**
 * Encoders sharing one growable buffer (one per coordinator; single-threaded). Every encode returns
 * a fresh exact-size copy, because the transport may keep the payload after the call returns.
 */
export class MessageWriter {
  private readonly writer = new ByteWriter(INITIAL_WRITER_BYTES);
  private readonly mutations = new MutationEncoder();
  private readonly partitions = new PartitionEncoder(inlineColumnNames);

  private finish(): Buffer {
    const out = Buffer.allocUnsafe(this.writer.length);
    this.writer.buffer.copy(out, 0, 0, this.writer.length);
    return out;
  }

  mutation(mutation: Mutation): Buffer {
    this.writer.reset();
    this.mutations.write(this.writer, mutation);
    return this.finish();
  }

  /** A counter mutation (deltas flagged) with the consistency level its leader must reach. */
  counterMutation(mutation: Mutation, consistency: ConsistencyLevel): Buffer {
    this.writer.reset();
    const w = this.writer;
    w.u8(consistency);
    const deltas: number[] = [];
    const updates = mutation.updates.map((u, ui) => stripDeltas(u, ui, deltas));
    this.mutations.write(w, { keyspace: mutation.keyspace, key: mutation.key, token: mutation.token, updates });
    w.varint(deltas.length / 3);
    for (const d of deltas) w.varint(d);
    return this.finish();
  }

  readCommand(command: ReadCommand): Buffer {
    this.writer.reset();
    writeReadCommand(this.writer, command);
    return this.finish();
  }

  readResult(result: ReadResult): Buffer {
    this.writer.reset();
    this.writeResult(result);
    return this.finish();
  }

  /** The bytes a digest hashes: the encoded result (written into the shared buffer, not copied). */
  readResultView(result: ReadResult): Buffer {
    this.writer.reset();
    this.writeResult(result);
    return this.writer.view();
  }

  private writeResult(result: ReadResult): void {
    const w = this.writer;
    w.varint(result.partitions.length);
    for (const p of result.partitions) {
      w.varBytes(p.key);
      w.i64(p.token);
      this.partitions.writePartition(w, p);
    }
  }

  string(value: string): Buffer {
    this.writer.reset();
    this.writer.string(value);
    return this.finish();
  }
}

export class MessageReader {
  private readonly mutations = new MutationDecoder();
  private readonly partitions = new PartitionDecoder(inlineColumnNames);

  mutation(payload: Buffer): Mutation {
    return decoding('mutation', () => {
      const r = reader(payload);
      const m = this.mutations.read(r);
      done(r, 'mutation');
      return m;
    });
  }

  counterMutation(payload: Buffer): { mutation: Mutation; consistency: ConsistencyLevel } {
    return decoding('counter mutation', () => {
      const r = reader(payload);
      const consistency = r.u8();
      if (!isConsistencyLevel(consistency)) throw new CoordinatorMessageError(`unknown consistency level ${consistency}`);
      const m = this.mutations.read(r);
      const n = count(r, 'counter deltas');
      const updates = m.updates.map((u) => ({ ...u, staticRow: u.staticRow, rows: [...u.rows] })) as Array<PartitionUpdate & { rows: Row[]; staticRow: Row | null }>;
      for (let i = 0; i < n; i++) {
        const ui = r.varint();
        const ri = r.varint();
        const ci = r.varint();
        const update = updates[ui];
        if (update === undefined) throw new CoordinatorMessageError(`counter delta names update ${ui}`);
        const row = ri === 0 ? update.staticRow : update.rows[ri - 1];
        if (row === undefined || row === null || ci >= row.cells.length) throw new CoordinatorMessageError(`counter delta names a missing cell`);
        const cells = [...row.cells];
        cells[ci] = { ...cells[ci]!, counterDelta: true };
        const changed: Row = { ...row, cells };
        if (ri === 0) update.staticRow = changed;
        else update.rows[ri - 1] = changed;
      }
      done(r, 'counter mutation');
      return { mutation: { ...m, updates }, consistency };
    });
  }

  readCommand(payload: Buffer): ReadCommand {
    return decoding('read command', () => {
      const r = reader(payload);
      const c = readReadCommand(r);
      done(r, 'read command');
      return c;
    });
  }

  readResult(payload: Buffer): ReadResult {
    return decoding('read result', () => {
      const r = reader(payload);
      const n = count(r, 'partitions');
      const partitions: ReadPartition[] = [];
      for (let i = 0; i < n; i++) {
        const key = r.varBytes();
        const token = r.i64();
        const contents = this.partitions.readPartition(r);
        partitions.push({ key, token, ...contents });
      }
      done(r, 'read result');
      return { partitions };
    });
  }

  string(payload: Buffer): string {
    return decoding('string', () => {
      const r = reader(payload);
      const s = r.string();
      done(r, 'string');
      return s;
    });
  }
}

/** Records (update, row, cell) indexes of counter deltas and returns the update without the flag. */
function stripDeltas(update: PartitionUpdate, updateIndex: number, out: number[]): PartitionUpdate {
  const strip = (row: Row | null, rowIndex: number): Row | null => {
    if (row === null) return null;
    let cells: Cell[] | null = null;
    row.cells.forEach((cell, ci) => {
      if (cell.counterDelta !== true) return;
      out.push(updateIndex, rowIndex, ci);
      cells ??= [...row.cells];
      const { counterDelta: _ignored, ...plain } = cell;
      cells[ci] = plain;
    });
    return cells === null ? row : { ...row, cells };
  };
  const staticRow = strip(update.staticRow, 0);
  const rows = update.rows.map((row, i) => strip(row, i + 1)!);
  return { ...update, staticRow, rows };
}

// ---- read commands -----------------------------------------------------------------------------

const SELECTOR_SINGLE = 0;
const SELECTOR_RANGE = 1;
const FILTER_SLICES = 0;
const FILTER_NAMES = 1;

function writePosition(w: ByteWriter, p: PartitionPosition): void {
  w.i64(p.token);
  if (p.key === null) w.u8(0);
  else {
    w.u8(1);
    w.varBytes(p.key);
  }
}

function readPosition(r: ByteReader): PartitionPosition {
  const token = r.i64();
  const hasKey = r.u8();
  if (hasKey > 1) throw new CoordinatorMessageError('bad position flag');
  return { token, key: hasKey === 1 ? r.varBytes() : null };
}

function writeClustering(w: ByteWriter, c: Clustering): void {
  w.varint(c.length);
  for (const v of c) w.varBytes(v);
}

function readClustering(r: ByteReader): Buffer[] {
  const n = count(r, 'clustering');
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(r.varBytes());
  return out;
}

function writeBound(w: ByteWriter, b: ClusteringBound): void {
  w.u8(b.inclusive ? 1 : 0);
  writeClustering(w, b.values);
}

function readBound(r: ByteReader): ClusteringBound {
  const inclusive = r.u8() === 1;
  return { inclusive, values: readClustering(r) };
}

function writeLimits(w: ByteWriter, l: DataLimits): void {
  w.f64(l.rows);
  w.f64(l.perPartitionRows);
  w.f64(l.partitions);
}

function readLimit(r: ByteReader): number {
  const v = r.f64();
  if (!(v >= 0)) throw new CoordinatorMessageError(`bad limit ${v}`);
  return v;
}

export function writeReadCommand(w: ByteWriter, c: ReadCommand): void {
  w.string(c.tableId);
  const s = c.partitions;
  if (s.kind === 'single') {
    w.u8(SELECTOR_SINGLE);
    w.varBytes(s.key);
    w.i64(s.token);
  } else {
    w.u8(SELECTOR_RANGE);
    writePosition(w, s.start);
    w.u8(s.startInclusive ? 1 : 0);
    writePosition(w, s.end);
    w.u8(s.endInclusive ? 1 : 0);
  }
  const f = c.clustering;
  if (f.kind === 'slices') {
    w.u8(FILTER_SLICES);
    w.u8(f.reversed ? 1 : 0);
    w.varint(f.slices.length);
    for (const slice of f.slices) {
      writeBound(w, slice.start);
      writeBound(w, slice.end);
    }
  } else {
    w.u8(FILTER_NAMES);
    w.u8(f.reversed ? 1 : 0);
    w.varint(f.clusterings.length);
    for (const cl of f.clusterings) writeClustering(w, cl);
  }
  if (c.columns === 'all') w.u8(0);
  else {
    w.u8(1);
    w.varint(c.columns.length);
    for (const name of c.columns) w.string(name);
  }
  writeLimits(w, c.limits);
  w.f64(c.nowSeconds);
  if (c.resumeAfterClustering === null) w.u8(0);
  else {
    w.u8(1);
    writeClustering(w, c.resumeAfterClustering);
  }
  w.u8(c.includeStaticRow ? 1 : 0);
}

export function readReadCommand(r: ByteReader): ReadCommand {
  const tableId = r.string();
  const kind = r.u8();
  let partitions: PartitionSelector;
  if (kind === SELECTOR_SINGLE) {
    const key = r.varBytes();
    partitions = { kind: 'single', key, token: r.i64() };
  } else if (kind === SELECTOR_RANGE) {
    const start = readPosition(r);
    const startInclusive = r.u8() === 1;
    const end = readPosition(r);
    partitions = { kind: 'range', start, startInclusive, end, endInclusive: r.u8() === 1 };
  } else {
    throw new CoordinatorMessageError(`unknown partition selector ${kind}`);
  }
  const filterKind = r.u8();
  let clustering: ClusteringFilter;
  if (filterKind === FILTER_SLICES) {
    const reversed = r.u8() === 1;
    const n = count(r, 'slices');
    const slices: Slice[] = [];
    for (let i = 0; i < n; i++) {
      const start = readBound(r);
      slices.push({ start, end: readBound(r) });
    }
    clustering = { kind: 'slices', slices, reversed };
  } else if (filterKind === FILTER_NAMES) {
    const reversed = r.u8() === 1;
    const n = count(r, 'clusterings');
    const clusterings: Clustering[] = [];
    for (let i = 0; i < n; i++) clusterings.push(readClustering(r));
    clustering = { kind: 'names', clusterings, reversed };
  } else {
    throw new CoordinatorMessageError(`unknown clustering filter ${filterKind}`);
  }
  let columns: string[] | 'all' = 'all';
  if (r.u8() === 1) {
    const n = count(r, 'columns');
    columns = [];
    for (let i = 0; i < n; i++) columns.push(r.string());
  }
  const limits: DataLimits = { rows: readLimit(r), perPartitionRows: readLimit(r), partitions: readLimit(r) };
  const nowSeconds = r.f64();
  const resumeAfterClustering = r.u8() === 1 ? readClustering(r) : null;
  const includeStaticRow = r.u8() === 1;
  return { tableId, partitions, clustering, columns, limits, nowSeconds, resumeAfterClustering, includeStaticRow };
}
