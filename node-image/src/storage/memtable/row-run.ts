// A many-row partition's rows while every one is encoded and each arrived past the one before in
// clustering order, or each before it: a time series written as time goes (clustered by time,
// ascending or descending). The rows' encodings are described by nine int32s each in one typed
// array, in arrival order, and no object is kept per row: a B+ tree of EncodedRow objects held
// an object, a clustering array and a buffer per row, which the young-generation collector copied
// and the old one then traced, and each insert paid a leaf move. The first write that does not
// continue the run (out of order, an overwrite, a row that must stay objects) turns the run into
// a tree (the memtable does, with toEncodedRows). Reads and flushes get EncodedRow objects made
// on demand, their clusterings views of the slab. docs/design/storage.md, "Row runs".
import { assert } from '../../lib/index.ts';
import type { KeyProbe } from '../btree-map.ts';
import type { Clustering, Row } from '../model.ts';
import { EncodedRow } from './encoded-rows.ts';
import type { EncodedRowTarget, EncodedRowView, EncodedRows } from './encoded-rows.ts';

// A row's fields, STRIDE int32s from i * STRIDE (i: arrival number).
const SLAB = 0;
const START = 1;
const LENGTH = 2;
const SIZE = 3;
const CELLS = 4;
const MIN_DELTA = 5;
const MAX_DELTA = 6;
const DROP_TIME = 7;
const EXPIRING = 8;
const STRIDE = 9;
const INITIAL_ROWS = 4;

/** A position among rows in clustering order (the subset of a B+ tree cursor the memtable reads use). */
export interface RowsCursor {
  readonly valid: boolean;
  readonly value: Row | EncodedRow;
  next(): void;
  prev(): void;
}

export class RowRun {
  /** The timestamp base of the rows' encodings (the partition header's, when flushed). */
  readonly base: number;
  private readonly codec: EncodedRows;
  private readonly compare: (a: Clustering, b: Clustering) => number;
  /** 1: arrival order is clustering order; -1: its reverse; 0: one row so far. */
  private order: -1 | 0 | 1 = 0;
  private fields = new Int32Array(INITIAL_ROWS * STRIDE);
  private count = 0;
  /**
   * The clustering of the row that arrived last (the next one must sort past it, the way the run
   * goes): the run's own copies, overwritten in place while the lengths stay (a time series: no
   * allocation per row).
   */
  private newest: Buffer[];

  /** A run of one row, encoded in `first` with deltas from `base`, with clustering `clustering`. */
  constructor(codec: EncodedRows, compare: (a: Clustering, b: Clustering) => number, base: number, clustering: Clustering, first: EncodedRowTarget, sizeBytes: number) {
    this.codec = codec;
    this.compare = compare;
    this.base = base;
    this.newest = copies(clustering);
    this.push(first, sizeBytes);
  }

  get size(): number {
    return this.count;
  }

  /**
   * Whether a row with this clustering continues the run: past the last arrival, the way the run
   * goes (either way after the first row). An equal clustering (an overwrite) does not.
   */
  continuesWith(clustering: Clustering): boolean {
    const c = this.compare(clustering, this.newest);
    return c !== 0 && (this.order === 0 || (c > 0) === (this.order > 0));
  }

  /** Adds a row continuesWith() accepted, encoded in `e` (its clustering is copied, not kept). */
  append(clustering: Clustering, e: EncodedRowTarget, sizeBytes: number): void {
    if (this.order === 0) this.order = this.compare(clustering, this.newest) > 0 ? 1 : -1;
    this.remember(clustering);
    this.push(e, sizeBytes);
  }

  private remember(clustering: Clustering): void {
    const own = this.newest;
    let fits = own.length === clustering.length;
    for (let i = 0; fits && i < own.length; i++) fits = own[i]!.length === clustering[i]!.length;
    if (!fits) {
      this.newest = copies(clustering);
      return;
    }
    for (let i = 0; i < own.length; i++) own[i]!.set(clustering[i]!);
  }

  private push(e: EncodedRowTarget, sizeBytes: number): void {
    const i = this.count;
    if ((i + 1) * STRIDE > this.fields.length) {
      const grown = new Int32Array(this.fields.length * 2);
      grown.set(this.fields);
      this.fields = grown;
    }
    const f = this.fields;
    const at = i * STRIDE;
    f[at + SLAB] = e.slabNumber;
    f[at + START] = e.start;
    f[at + LENGTH] = e.length;
    f[at + SIZE] = sizeBytes;
    f[at + CELLS] = e.cellCount;
    f[at + MIN_DELTA] = e.minTimestampDelta;
    f[at + MAX_DELTA] = e.maxTimestampDelta;
    f[at + DROP_TIME] = e.dropTimeSeconds;
    f[at + EXPIRING] = e.expiringCount;
    this.count = i + 1;
  }

  /** Arrival number of the row at clustering-order position `pos` (and, the same way, the position of arrival number `pos`). */
  private arrival(pos: number): number {
    return this.order < 0 ? this.count - 1 - pos : pos;
  }

  /** How arrival numbers go in clustering order. */
  private get step(): -1 | 1 {
    return this.order < 0 ? -1 : 1;
  }

  /** The clustering of the row at position `pos` in clustering order (views of its slab). */
  clusteringAt(pos: number): Clustering {
    const at = this.arrival(pos) * STRIDE;
    const f = this.fields;
    const start = f[at + START]!;
    return this.codec.clusteringAt(this.codec.slabAt(f[at + SLAB]!), start, start + f[at + LENGTH]!);
  }

  /** The row at position `pos` in clustering order, as an EncodedRow (a new object). */
  rowAt(pos: number): EncodedRow {
    assert(pos >= 0 && pos < this.count, 'row run position');
    const at = this.arrival(pos) * STRIDE;
    const f = this.fields;
    const slab = this.codec.slabAt(f[at + SLAB]!);
    const start = f[at + START]!;
    const length = f[at + LENGTH]!;
    return new EncodedRow(
      this.codec.clusteringAt(slab, start, start + length), slab, start, length, f[at + SIZE]!, f[at + CELLS]!,
      f[at + MIN_DELTA]!, f[at + MAX_DELTA]!, f[at + DROP_TIME]!, f[at + EXPIRING]!,
    );
  }

  /** Every row in clustering order (new objects). */
  forEachRow(visit: (value: EncodedRow) => void): void {
    for (let pos = 0; pos < this.count; pos++) visit(this.rowAt(pos));
  }

  /** Every row in clustering order through one view (a flush: no object per row; the view is valid during the call). */
  forEachView(visit: (view: EncodedRowView) => void): void {
    const view = new RunRowView(this.codec);
    const f = this.fields;
    for (let pos = 0; pos < this.count; pos++) {
      const at = this.arrival(pos) * STRIDE;
      view.slab = this.codec.slabAt(f[at + SLAB]!);
      view.start = f[at + START]!;
      view.length = f[at + LENGTH]!;
      view.cellCount = f[at + CELLS]!;
      view.minTimestampDelta = f[at + MIN_DELTA]!;
      view.maxTimestampDelta = f[at + MAX_DELTA]!;
      view.dropTimeSeconds = f[at + DROP_TIME]!;
      view.expiringCount = f[at + EXPIRING]!;
      visit(view);
    }
  }

  first(): RowsCursor {
    return new RunCursor(this, this.arrival(0), this.step);
  }

  last(): RowsCursor {
    return new RunCursor(this, this.arrival(this.count - 1), this.step);
  }

  /**
   * forward: cursor on the first row with probe(clustering) >= 0; backward: on the last row with
   * probe(clustering) <= 0 (BTreeMap.seek's contract). Invalid when there is none.
   */
  seek(probe: KeyProbe<Clustering>, forward: boolean): RowsCursor {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const sign = probe(this.clusteringAt(mid));
      if (forward ? sign < 0 : sign <= 0) lo = mid + 1;
      else hi = mid;
    }
    const pos = forward ? lo : lo - 1;
    const step = this.step;
    // Off either end: an arrival number outside the rows (a run only grows at one end).
    const arrival = pos < 0 ? (step > 0 ? -1 : this.count) : pos >= this.count ? (step > 0 ? this.count : -1) : this.arrival(pos);
    return new RunCursor(this, arrival, step);
  }

  /** The row of arrival number `i` (RunCursor), or null past either end. */
  rowOfArrival(i: number): EncodedRow | null {
    return i >= 0 && i < this.count ? this.rowAt(this.arrival(i)) : null;
  }
}

/** A run row's fields, loaded row after row by forEachView. */
class RunRowView implements EncodedRowView {
  slab: Buffer = EMPTY;
  start = 0;
  length = 0;
  cellCount = 0;
  minTimestampDelta = 0;
  maxTimestampDelta = 0;
  dropTimeSeconds = 0;
  expiringCount = 0;
  private readonly codec: EncodedRows;

  constructor(codec: EncodedRows) {
    this.codec = codec;
  }

  get clustering(): Clustering {
    return this.codec.clusteringAt(this.slab, this.start, this.start + this.length);
  }
}

const EMPTY = Buffer.alloc(0);

/** Copies of the values in buffers of their own (Buffer.alloc: not slices of a shared pool, which they would pin). */
function copies(values: Clustering): Buffer[] {
  return values.map((v) => {
    const own = Buffer.alloc(v.length);
    own.set(v);
    return own;
  });
}

/**
 * A position in a run by arrival number (`step`: the way clustering order goes), so appends do
 * not move it.
 */
class RunCursor implements RowsCursor {
  private readonly run: RowRun;
  private i: number;
  private readonly step: -1 | 1;

  constructor(run: RowRun, i: number, step: -1 | 1) {
    this.run = run;
    this.i = i;
    this.step = step;
  }

  get valid(): boolean {
    return this.i >= 0 && this.i < this.run.size;
  }

  get value(): EncodedRow {
    const row = this.run.rowOfArrival(this.i);
    assert(row !== null, 'cursor is not on a row');
    return row;
  }

  next(): void {
    if (this.valid) this.i += this.step;
  }

  prev(): void {
    if (this.valid) this.i -= this.step;
  }
}
