// The compiled fast path of the commonest write: an INSERT or UPDATE that names one whole row by
// equality (no IN, no slice) and sets scalar regular columns. Everything that does not depend on
// bound values is decided at prepare time (eligibility, the storage order of the cells), so an
// execution evaluates each term once, builds the cells already sorted, and allocates only the
// mutation itself: no closures, Maps, sorts or promises. Invariant: the mutation is exactly the
// one the general path (modification.ts buildMutations) builds, with the same errors in the same
// order (timestamp, TTL, partition key, clustering, then values in statement order).
import { murmur3Token } from '../../lib/index.ts';
import type { ColumnMetadata, CqlType, TableMetadata } from '../../schema/index.ts';
import { serializePartitionKey } from '../../schema/index.ts';
import type { Cell, LivenessInfo, Mutation, PartitionUpdate, Row } from '../../storage/index.ts';
import { NO_DELETION_TIME } from '../../storage/index.ts';
import type { ValuesFn, WhereAnalysis } from '../restrictions.ts';
import { clusteringPrefixes } from '../restrictions.ts';
import { UNSET } from '../service.ts';
import type { CompiledTerm, EvalEnv, TermValue } from '../terms.ts';

const EMPTY = Buffer.alloc(0);

/** A `column = term` assignment of the statement, in statement order. */
export interface ColumnAssignment {
  readonly column: ColumnMetadata;
  readonly term: CompiledTerm;
}

/** What the general path's WriteParams carries, evaluated by the caller in the same order. */
export interface SingleRowWriteParams {
  readonly timestampMicros: number;
  readonly ttlSeconds: number;
  readonly nowSeconds: number;
}

function isMultiCell(type: CqlType): boolean {
  return (type.kind === 'list' || type.kind === 'set' || type.kind === 'map' || type.kind === 'udt') && !type.frozen;
}

function isCounter(type: CqlType): boolean {
  return type.kind === 'native' && type.name === 'counter';
}

/** Storage order of cells: by column name (JS string order, as RowBuilder sorts them). */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class SingleRowWritePlan {
  private readonly table: TableMetadata;
  private readonly insert: boolean;
  private readonly partitionKey: readonly ValuesFn[];
  private readonly where: WhereAnalysis;
  private readonly assignments: readonly ColumnAssignment[];
  /** Statement positions of the assignments in storage order; null when they already are. */
  private readonly storageOrder: Int32Array | null;

  private constructor(init: { table: TableMetadata; insert: boolean; partitionKey: ValuesFn[]; where: WhereAnalysis; assignments: readonly ColumnAssignment[] }) {
    this.table = init.table;
    this.insert = init.insert;
    this.partitionKey = init.partitionKey;
    this.where = init.where;
    this.assignments = init.assignments;
    const order = init.assignments.map((_, i) => i);
    order.sort((a, b) => compareNames(init.assignments[a]!.column.name, init.assignments[b]!.column.name));
    this.storageOrder = order.every((position, i) => position === i) ? null : Int32Array.from(order);
  }

  /**
   * The plan when the statement qualifies, else null (the general path runs). `assignments` is
   * null when some operation is not a plain `column = term`.
   */
  static compile(init: {
    table: TableMetadata;
    mode: 'insert' | 'update' | 'delete';
    where: WhereAnalysis;
    assignments: readonly ColumnAssignment[] | null;
    hasCondition: boolean;
    isJson: boolean;
  }): SingleRowWritePlan | null {
    const { table, where, assignments } = init;
    if (init.mode === 'delete' || init.hasCondition || init.isJson || table.isCounterTable || assignments === null) return null;
    if (init.mode === 'update' && assignments.length === 0) return null;
    const seen = new Set<string>();
    for (const a of assignments) {
      if (a.column.kind !== 'regular' || isMultiCell(a.column.type) || isCounter(a.column.type) || seen.has(a.column.name)) return null;
      seen.add(a.column.name);
    }
    if (where.partitionKeyIsIn || where.clusteringIsIn || where.clusteringSlice !== null || where.filters.length > 0) return null;
    if (where.tokenStart !== null || where.tokenEnd !== null || where.needsFiltering) return null;
    if (where.clusteringPrefixLength !== table.clustering.length) return null;
    if (table.partitionKey.length === 0 || where.partitionKey.length !== table.partitionKey.length) return null;
    const partitionKey: ValuesFn[] = [];
    for (const fn of where.partitionKey) {
      if (fn === null) return null;
      partitionKey.push(fn);
    }
    return new SingleRowWritePlan({ table, insert: init.mode === 'insert', partitionKey, where, assignments });
  }

  /** The one mutation of an execution. `inValuesProductMax` bounds clustering tuples as the general path does. */
  mutation(env: EvalEnv, params: SingleRowWriteParams, inValuesProductMax: number): Mutation {
    const table = this.table;
    const fns = this.partitionKey;
    let key: Buffer;
    if (fns.length === 1) {
      key = serializePartitionKey(fns[0]!(env));
    } else {
      const components: Buffer[] = new Array<Buffer>(fns.length);
      for (let i = 0; i < fns.length; i++) components[i] = fns[i]!(env)[0]!;
      key = serializePartitionKey(components);
    }
    const token = murmur3Token(key);
    const clustering: Buffer[] = table.clustering.length === 0 ? [] : clusteringPrefixes(this.where, env, inValuesProductMax)[0]!;

    const ts = params.timestampMicros;
    const ttl = params.ttlSeconds;
    const now = params.nowSeconds;
    const expiry = ttl > 0 ? now + ttl : NO_DELETION_TIME;
    const liveness: LivenessInfo | null = this.insert ? { timestampMicros: ts, ttlSeconds: ttl, localExpirationTimeSeconds: expiry } : null;
    const assignments = this.assignments;
    const count = assignments.length;
    const cells: Cell[] = [];
    const order = this.storageOrder;
    const cellTimes: CellTimes = { ts, ttl, now, expiry };
    if (order === null) {
      for (let i = 0; i < count; i++) {
        const a = assignments[i]!;
        pushCell(cells, a.column.name, a.term.evaluate(env), cellTimes);
      }
    } else {
      // Evaluate in statement order (errors as the general path reports them), emit in storage order.
      const values: TermValue[] = new Array<TermValue>(count);
      for (let i = 0; i < count; i++) values[i] = assignments[i]!.term.evaluate(env);
      for (let i = 0; i < count; i++) {
        const position = order[i]!;
        pushCell(cells, assignments[position]!.column.name, values[position]!, cellTimes);
      }
    }
    const rows: Row[] = [];
    if (liveness !== null || cells.length > 0) rows.push({ clustering, liveness, deletion: null, cells, complexDeletions: [] });
    const update: PartitionUpdate = { tableId: table.id, key, token, partitionDeletion: null, staticRow: null, rows, rangeTombstones: [] };
    return { keyspace: table.keyspace, key, token, updates: [update] };
  }
}

/** Write timestamp, TTL, now and expiry (seconds) shared by the cells of one execution. */
interface CellTimes {
  readonly ts: number;
  readonly ttl: number;
  readonly now: number;
  readonly expiry: number;
}

/** Appends the cell of one evaluated value (UNSET leaves the column alone, null deletes it). */
function pushCell(cells: Cell[], column: string, value: TermValue, p: CellTimes): void {
  if (value === UNSET) return;
  if (value === null) {
    cells.push({ column, path: null, value: EMPTY, timestampMicros: p.ts, ttlSeconds: 0, localDeletionTimeSeconds: p.now, tombstone: true });
    return;
  }
  cells.push({ column, path: null, value, timestampMicros: p.ts, ttlSeconds: p.ttl, localDeletionTimeSeconds: p.expiry, tombstone: false });
}
