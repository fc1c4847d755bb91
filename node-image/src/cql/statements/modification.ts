// INSERT, UPDATE and DELETE: preparation checks everything that does not depend on bound values
// (columns, operations, key coverage); execution evaluates terms, names the partitions and rows,
// and builds storage mutations. Conditional forms (IF ...) go through the coordinator's CAS.
import { ConsistencyLevel, invalidRequest } from '../../lib/index.ts';
import type { ColumnMetadata, CqlType, TableMetadata } from '../../schema/index.ts';
import { cellPathComparatorFor, clusteringComparator, comparatorFor } from '../../schema/index.ts';
import type {
  Cell, ComplexDeletion, DeletionTime, LivenessInfo, Mutation, PartitionUpdate, RangeTombstone, ReadCommand,
  ReadPartition, Row,
} from '../../storage/index.ts';
import { NO_DELETION_TIME, toLivePartition } from '../../storage/index.ts';
import type {
  Assignment, Condition, DeleteStatement, DeleteTarget, IfClause, InsertStatement, ModificationStatement, UpdateStatement,
  UsingClause,
} from '../ast.ts';
import type { ListPathSource } from '../list-paths.ts';
import { mergePartitionMutations } from './mutation-merge.ts';
import type { WhereAnalysis } from '../restrictions.ts';
import { analyzeWhere, clusteringPrefixes, clusteringSlices, partitionTargets } from '../restrictions.ts';
import { cellsOf, columnValue } from '../row-values.ts';
import type { ColumnSpec, QueryResponse } from '../service.ts';
import { UNSET } from '../service.ts';
import type { CompiledTerm, EvalEnv, Receiver, TermContext, TermValue } from '../terms.ts';
import { compileTerm, splitCollection, splitMap, splitTupleLike } from '../terms.ts';
import type { Execution, PrepareContext, PreparedModification } from './statement-context.ts';
import { columnReceiver, resolveTable, typeScope } from './statement-context.ts';
import { SingleRowWritePlan } from './single-row-write.ts';
import type { WriteOptions } from '../../coordinator/index.ts';
import type { ConsistencyLevel as ConsistencyLevelCode } from '../../lib/index.ts';

/** Cassandra's maximum TTL: 20 years. */
export const TTL_MAX_SECONDS = 630_720_000;
const EMPTY = Buffer.alloc(0);

/** The answer of every successful unconditional write without warnings (immutable, shared). */
const VOID_RESPONSE: QueryResponse = Object.freeze({ result: Object.freeze({ kind: 'void' as const }), warnings: Object.freeze([]) as readonly string[] });
const voidResponse = (): QueryResponse => VOID_RESPONSE;
/** Write options of a plain write per consistency code (built once; a request allocates none). */
const SIMPLE_WRITE_OPTIONS: readonly WriteOptions[] = Object.values(ConsistencyLevel).reduce<WriteOptions[]>((table, level) => {
  table[level] = Object.freeze({ consistency: level, writeType: 'SIMPLE' });
  return table;
}, []);

function simpleWriteOptions(consistency: ConsistencyLevelCode): WriteOptions {
  return SIMPLE_WRITE_OPTIONS[consistency] ?? { consistency, writeType: 'SIMPLE' };
}

type Op =
  | { readonly kind: 'set'; readonly column: ColumnMetadata; readonly term: CompiledTerm }
  | { readonly kind: 'add'; readonly column: ColumnMetadata; readonly term: CompiledTerm }
  | { readonly kind: 'prepend'; readonly column: ColumnMetadata; readonly term: CompiledTerm }
  | { readonly kind: 'subtract'; readonly column: ColumnMetadata; readonly term: CompiledTerm }
  | { readonly kind: 'setElement'; readonly column: ColumnMetadata; readonly key: CompiledTerm; readonly term: CompiledTerm }
  | { readonly kind: 'setField'; readonly column: ColumnMetadata; readonly field: number; readonly term: CompiledTerm }
  | { readonly kind: 'delete'; readonly column: ColumnMetadata }
  | { readonly kind: 'deleteElement'; readonly column: ColumnMetadata; readonly key: CompiledTerm }
  | { readonly kind: 'deleteField'; readonly column: ColumnMetadata; readonly field: number };

export type CompiledCondition =
  | { readonly kind: 'notExists' }
  | { readonly kind: 'exists' }
  | { readonly kind: 'conditions'; readonly list: ReadonlyArray<{ readonly column: ColumnMetadata; readonly test: (row: Row | null, env: EvalEnv) => boolean }> };

interface WriteParams {
  readonly timestampMicros: number;
  readonly ttlSeconds: number;
  readonly nowSeconds: number;
  readonly nowMs: number;
  readonly env: EvalEnv;
}

function isMultiCell(type: CqlType): boolean {
  return (type.kind === 'list' || type.kind === 'set' || type.kind === 'map' || type.kind === 'udt') && !type.frozen;
}

function isCounterColumn(c: ColumnMetadata): boolean {
  return c.type.kind === 'native' && c.type.name === 'counter';
}

/** Collects the cells of one row, then sorts them into storage order. */
class RowBuilder {
  readonly cells: Cell[] = [];
  readonly complexDeletions: ComplexDeletion[] = [];
  liveness: LivenessInfo | null = null;
  deletion: DeletionTime | null = null;

  live(column: ColumnMetadata, path: Buffer | null, value: Buffer, p: WriteParams): void {
    this.cells.push({
      column: column.name, path, value, timestampMicros: p.timestampMicros, ttlSeconds: p.ttlSeconds,
      localDeletionTimeSeconds: p.ttlSeconds > 0 ? p.nowSeconds + p.ttlSeconds : NO_DELETION_TIME, tombstone: false,
    });
  }

  tombstone(column: ColumnMetadata, path: Buffer | null, p: WriteParams): void {
    this.cells.push({
      column: column.name, path, value: EMPTY, timestampMicros: p.timestampMicros, ttlSeconds: 0,
      localDeletionTimeSeconds: p.nowSeconds, tombstone: true,
    });
  }

  counterDelta(column: ColumnMetadata, delta: bigint, p: WriteParams): void {
    const value = Buffer.allocUnsafe(8);
    value.writeBigInt64BE(BigInt.asIntN(64, delta), 0);
    this.cells.push({
      column: column.name, path: null, value, timestampMicros: p.timestampMicros, ttlSeconds: 0,
      localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false, counterDelta: true,
    });
  }

  deleteComplex(column: ColumnMetadata, markedForDeleteAtMicros: number, p: WriteParams): void {
    this.complexDeletions.push({ column: column.name, deletion: { markedForDeleteAtMicros, localDeletionTimeSeconds: p.nowSeconds } });
  }

  get isEmpty(): boolean {
    return this.cells.length === 0 && this.complexDeletions.length === 0 && this.liveness === null && this.deletion === null;
  }

  build(clustering: readonly Buffer[], table: TableMetadata): Row {
    const cells = this.cells;
    if (cells.length > 1) {
      const byColumn = new Map(table.regularAndStatic.map((c) => [c.name, cellPathComparatorFor(c.type)]));
      cells.sort((a, b) => {
        if (a.column !== b.column) return a.column < b.column ? -1 : 1;
        if (a.path === null || b.path === null) return 0;
        return byColumn.get(a.column)!(a.path, b.path);
      });
      // Within one statement the last write to a path wins (e.g. `SET m['a'] = 1, m['a'] = 2`).
      for (let i = cells.length - 1; i > 0; i--) {
        const a = cells[i - 1]!;
        const b = cells[i]!;
        if (a.column === b.column && (a.path === null ? b.path === null : b.path !== null && byColumn.get(a.column)!(a.path, b.path) === 0)) {
          cells.splice(i - 1, 1);
        }
      }
    }
    this.complexDeletions.sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : 0));
    return { clustering, liveness: this.liveness, deletion: this.deletion, cells, complexDeletions: this.complexDeletions };
  }
}

function requireValue(v: TermValue, what: string): Buffer | null {
  if (v === UNSET) throw invalidRequest(`Invalid unset value for ${what}`);
  return v;
}

function listIndex(key: TermValue, column: ColumnMetadata): number {
  if (key === null || key === UNSET) throw invalidRequest(`Invalid null value for list index of ${column.name}`);
  return key.readInt32BE(0);
}

/** Applies one operation to a row; `current` is the row as stored (for list read-before-write). */
function applyOp(op: Op, b: RowBuilder, p: WriteParams, current: Row | null, lists: ListPathSource): void {
  const column = op.column;
  const type = column.type;
  switch (op.kind) {
    case 'set': {
      const v = op.term.evaluate(p.env);
      if (v === UNSET) return;
      if (isCounterColumn(column)) {
        throw invalidRequest(`Cannot set the value of counter column ${column.name} (counters can only be incremented/decremented, not set)`);
      }
      if (!isMultiCell(type)) {
        if (v === null) b.tombstone(column, null, p);
        else b.live(column, null, v, p);
        return;
      }
      b.deleteComplex(column, p.timestampMicros - 1, p);
      if (v !== null) addElements(column, v, b, p, lists, 'append');
      return;
    }
    case 'add': {
      const v = op.term.evaluate(p.env);
      if (v === UNSET) return;
      if (isCounterColumn(column)) {
        if (v === null) throw invalidRequest(`Invalid null value for counter increment`);
        b.counterDelta(column, v.readBigInt64BE(0), p);
        return;
      }
      if (v === null) return;
      addElements(column, v, b, p, lists, 'append');
      return;
    }
    case 'prepend': {
      const v = op.term.evaluate(p.env);
      if (v === UNSET || v === null) return;
      addElements(column, v, b, p, lists, 'prepend');
      return;
    }
    case 'subtract': {
      const v = op.term.evaluate(p.env);
      if (v === UNSET) return;
      if (isCounterColumn(column)) {
        if (v === null) throw invalidRequest(`Invalid null value for counter increment`);
        b.counterDelta(column, -v.readBigInt64BE(0), p);
        return;
      }
      if (v === null) return;
      if (type.kind === 'set' || type.kind === 'map') {
        // `s - {..}` removes elements; `m - {..}` removes keys (a set of keys).
        for (const e of splitCollection(v)) b.tombstone(column, e, p);
        return;
      }
      if (type.kind === 'list') {
        if (current === null) return;
        const remove = splitCollection(v);
        const compare = comparatorFor(type.element);
        for (const cell of cellsOf(current, column.name)) {
          if (remove.some((r) => compare(r, cell.value) === 0)) b.tombstone(column, cell.path, p);
        }
      }
      return;
    }
    case 'setElement': {
      const key = op.key.evaluate(p.env);
      const v = requireValue(op.term.evaluate(p.env), `column ${column.name}`);
      if (type.kind === 'map') {
        if (key === null || key === UNSET) throw invalidRequest(`Invalid null value for map key`);
        if (v === null) b.tombstone(column, key, p);
        else b.live(column, key, v, p);
        return;
      }
      if (type.kind === 'list') {
        const index = listIndex(key, column);
        const cells = current === null ? [] : cellsOf(current, column.name);
        if (cells.length === 0) throw invalidRequest(`Attempted to set an element on a list which is null`);
        if (index < 0 || index >= cells.length) throw invalidRequest(`List index ${index} out of bound, list has size ${cells.length}`);
        const path = cells[index]!.path;
        if (v === null) b.tombstone(column, path, p);
        else b.live(column, path, v, p);
        return;
      }
      throw invalidRequest(`Invalid operation (${column.name}[?] = ?) for non list/map column ${column.name}`);
    }
    case 'setField': {
      const v = requireValue(op.term.evaluate(p.env), `field of ${column.name}`);
      const path = fieldPath(op.field);
      if (v === null) b.tombstone(column, path, p);
      else b.live(column, path, v, p);
      return;
    }
    case 'delete':
      if (isMultiCell(type)) b.deleteComplex(column, p.timestampMicros, p);
      else b.tombstone(column, null, p);
      return;
    case 'deleteElement': {
      const key = op.key.evaluate(p.env);
      if (type.kind === 'map' || type.kind === 'set') {
        if (key === null || key === UNSET) throw invalidRequest(`Invalid null value for ${type.kind} element`);
        b.tombstone(column, key, p);
        return;
      }
      if (type.kind === 'list') {
        const index = listIndex(key, column);
        const cells = current === null ? [] : cellsOf(current, column.name);
        if (cells.length === 0) throw invalidRequest(`Attempted to delete an element from a list which is null`);
        if (index < 0 || index >= cells.length) throw invalidRequest(`List index ${index} out of bound, list has size ${cells.length}`);
        b.tombstone(column, cells[index]!.path, p);
      }
      return;
    }
    case 'deleteField':
      b.tombstone(column, fieldPath(op.field), p);
      return;
  }
}

function fieldPath(index: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeUInt16BE(index, 0);
  return b;
}

function addElements(column: ColumnMetadata, v: Buffer, b: RowBuilder, p: WriteParams, lists: ListPathSource, mode: 'append' | 'prepend'): void {
  const type = column.type;
  switch (type.kind) {
    case 'list': {
      const elements = splitCollection(v);
      if (mode === 'append') {
        for (const e of elements) b.live(column, p.env.timeuuids.next(), e, p);
      } else {
        for (let i = elements.length - 1; i >= 0; i--) b.live(column, lists.nextPrependPath(p.nowMs), elements[i]!, p);
      }
      return;
    }
    case 'set':
      for (const e of splitCollection(v)) b.live(column, e, EMPTY, p);
      return;
    case 'map':
      for (const [k, val] of splitMap(v)) b.live(column, k, val, p);
      return;
    case 'udt': {
      const fields = splitTupleLike(v);
      fields.forEach((f, i) => {
        if (f !== null) b.live(column, fieldPath(i), f, p);
      });
      return;
    }
    default:
      throw invalidRequest(`Invalid operation for column ${column.name}`);
  }
}

function needsReadBeforeWrite(op: Op): boolean {
  return op.column.type.kind === 'list' && (op.kind === 'setElement' || op.kind === 'deleteElement' || op.kind === 'subtract');
}

// ------------------------------------------------------------------------------------------
// Preparation

function compileOp(a: Assignment, table: TableMetadata, ctx: TermContext): Op {
  const receiver = columnReceiver(table, a.column);
  const column = table.columns.find((c) => c.name === receiver.name)!;
  if (column.kind === 'partition_key' || column.kind === 'clustering') {
    throw invalidRequest(`PRIMARY KEY part ${column.name} found in SET part`);
  }
  const type = column.type;
  const counter = isCounterColumn(column);
  const frozenCollection = (type.kind === 'list' || type.kind === 'set' || type.kind === 'map') && type.frozen;
  switch (a.kind) {
    case 'set':
      return { kind: 'set', column, term: compileTerm(a.value, receiver, ctx) };
    case 'add':
    case 'subtract': {
      const text = `${column.name} = ${column.name} ${a.kind === 'add' ? '+' : '-'} ...`;
      if (counter) return { kind: a.kind, column, term: compileTerm(a.value, { ...receiver, type: { kind: 'native', name: 'bigint' } }, ctx) };
      if (frozenCollection) throw invalidRequest(`Invalid operation (${text}) for frozen collection column ${column.name}`);
      if (type.kind === 'list' || type.kind === 'set') return { kind: a.kind, column, term: compileTerm(a.value, receiver, ctx) };
      if (type.kind === 'map') {
        const valueType: CqlType = a.kind === 'add' ? type : { kind: 'set', element: type.key, frozen: true };
        return { kind: a.kind, column, term: compileTerm(a.value, { ...receiver, type: valueType }, ctx) };
      }
      throw invalidRequest(`Invalid operation (${text}) for non counter column ${column.name}`);
    }
    case 'prepend':
      if (type.kind !== 'list') throw invalidRequest(`Invalid operation (${column.name} = ... + ${column.name}) for non list column ${column.name}`);
      if (type.frozen) throw invalidRequest(`Invalid operation (${column.name} = ... + ${column.name}) for frozen collection column ${column.name}`);
      return { kind: 'prepend', column, term: compileTerm(a.value, receiver, ctx) };
    case 'setElement': {
      if (type.kind === 'map' && !type.frozen) {
        return {
          kind: 'setElement', column,
          key: compileTerm(a.key, { ...receiver, name: `key(${column.name})`, type: type.key }, ctx),
          term: compileTerm(a.value, { ...receiver, name: `value(${column.name})`, type: type.value }, ctx),
        };
      }
      if (type.kind === 'list' && !type.frozen) {
        return {
          kind: 'setElement', column,
          key: compileTerm(a.key, { ...receiver, name: `idx(${column.name})`, type: { kind: 'native', name: 'int' } }, ctx),
          term: compileTerm(a.value, { ...receiver, name: `value(${column.name})`, type: type.element }, ctx),
        };
      }
      if (frozenCollection) throw invalidRequest(`Invalid operation (${column.name}[?] = ?) for frozen collection column ${column.name}`);
      throw invalidRequest(`Column ${column.name} is not a list or map, cannot set an element of it`);
    }
    case 'setField': {
      if (type.kind !== 'udt') throw invalidRequest(`Invalid operation (${column.name}.${a.field} = ?) for non-UDT column ${column.name}`);
      if (type.frozen) throw invalidRequest(`Invalid operation (${column.name}.${a.field} = ?) for frozen UDT column ${column.name}`);
      const index = type.fieldNames.indexOf(a.field);
      if (index < 0) throw invalidRequest(`UDT column ${column.name} does not have a field named ${a.field}`);
      return { kind: 'setField', column, field: index, term: compileTerm(a.value, { ...receiver, name: `${column.name}.${a.field}`, type: type.fieldTypes[index]! }, ctx) };
    }
  }
}

function compileDeleteTarget(t: DeleteTarget, table: TableMetadata, ctx: TermContext): Op {
  const receiver = columnReceiver(table, t.column);
  const column = table.columns.find((c) => c.name === receiver.name)!;
  if (column.kind === 'partition_key' || column.kind === 'clustering') {
    throw invalidRequest(`Invalid identifier ${column.name} for deletion (should not be a PRIMARY KEY part)`);
  }
  const type = column.type;
  switch (t.kind) {
    case 'column':
      return { kind: 'delete', column };
    case 'element': {
      if (type.kind === 'map' && !type.frozen) {
        return { kind: 'deleteElement', column, key: compileTerm(t.key, { ...receiver, name: `key(${column.name})`, type: type.key }, ctx) };
      }
      if (type.kind === 'set' && !type.frozen) {
        return { kind: 'deleteElement', column, key: compileTerm(t.key, { ...receiver, name: `value(${column.name})`, type: type.element }, ctx) };
      }
      if (type.kind === 'list' && !type.frozen) {
        return { kind: 'deleteElement', column, key: compileTerm(t.key, { ...receiver, name: `idx(${column.name})`, type: { kind: 'native', name: 'int' } }, ctx) };
      }
      throw invalidRequest(`Invalid operation (${column.name}[?]) for a non-collection or frozen column ${column.name}`);
    }
    case 'field': {
      if (type.kind !== 'udt' || type.frozen) throw invalidRequest(`Invalid deletion operation for non-UDT column ${column.name}`);
      const index = type.fieldNames.indexOf(t.field);
      if (index < 0) throw invalidRequest(`UDT column ${column.name} does not have a field named ${t.field}`);
      return { kind: 'deleteField', column, field: index };
    }
  }
}

function compileCondition(c: Condition, table: TableMetadata, ctx: TermContext): { column: ColumnMetadata; test: (row: Row | null, env: EvalEnv) => boolean } {
  const receiver = columnReceiver(table, c.column);
  const column = table.columns.find((x) => x.name === receiver.name)!;
  if (column.kind === 'partition_key' || column.kind === 'clustering') {
    throw invalidRequest(`PRIMARY KEY column '${column.name}' cannot have IF conditions`);
  }
  const type = column.type;
  let valueType: CqlType = type;
  let extract: (row: Row | null, env: EvalEnv) => Buffer | null = (row) => (row === null ? null : columnValue(row, column));
  if (c.kind === 'element') {
    if (type.kind === 'map') {
      const key = compileTerm(c.key, { ...receiver, name: `key(${column.name})`, type: type.key }, ctx);
      const compareKey = comparatorFor(type.key);
      valueType = type.value;
      extract = (row, env) => {
        const k = key.evaluate(env);
        const whole = row === null ? null : columnValue(row, column);
        if (whole === null || k === null || k === UNSET) return null;
        return splitMap(whole).find(([ek]) => compareKey(ek, k) === 0)?.[1] ?? null;
      };
    } else if (type.kind === 'list') {
      const key = compileTerm(c.key, { ...receiver, name: `idx(${column.name})`, type: { kind: 'native', name: 'int' } }, ctx);
      valueType = type.element;
      extract = (row, env) => {
        const k = key.evaluate(env);
        const whole = row === null ? null : columnValue(row, column);
        if (whole === null || k === null || k === UNSET) return null;
        return splitCollection(whole)[k.readInt32BE(0)] ?? null;
      };
    } else throw invalidRequest(`Invalid element access on non-collection column ${column.name}`);
  } else if (c.kind === 'field') {
    if (type.kind !== 'udt') throw invalidRequest(`Invalid field selection on non-UDT column ${column.name}`);
    const index = type.fieldNames.indexOf(c.field);
    if (index < 0) throw invalidRequest(`UDT column ${column.name} does not have a field named ${c.field}`);
    valueType = type.fieldTypes[index]!;
    extract = (row) => {
      const whole = row === null ? null : columnValue(row, column);
      return whole === null ? null : (splitTupleLike(whole)[index] ?? null);
    };
  }
  const frozenType: CqlType = (valueType.kind === 'list' || valueType.kind === 'set' || valueType.kind === 'map' || valueType.kind === 'udt')
    ? { ...valueType, frozen: true } as CqlType
    : valueType;
  const compare = comparatorFor(frozenType);
  const elementReceiver: Receiver = { ...receiver, type: frozenType };
  if (c.op === 'IN') {
    const candidates: CompiledTerm[] = c.value.kind === 'list' || c.value.kind === 'tuple'
      ? c.value.elements.map((e) => compileTerm(e, elementReceiver, ctx))
      : [];
    const listTerm = c.value.kind === 'bind'
      ? compileTerm(c.value, { ...elementReceiver, name: `in(${column.name})`, type: { kind: 'list', element: frozenType, frozen: true } }, ctx)
      : null;
    return {
      column,
      test: (row, env) => {
        const actual = extract(row, env);
        const values: Array<Buffer | null> = listTerm !== null
          ? (() => {
              const v = listTerm.evaluate(env);
              return v === null || v === UNSET ? [] : splitCollection(v);
            })()
          : candidates.map((t) => {
              const v = t.evaluate(env);
              return v === UNSET ? null : v;
            });
        return values.some((v) => (v === null ? actual === null : actual !== null && compare(actual, v) === 0));
      },
    };
  }
  if (c.op === 'CONTAINS' || c.op === 'CONTAINS KEY') {
    if (c.kind !== 'column' || (valueType.kind !== 'list' && valueType.kind !== 'set' && valueType.kind !== 'map') || (c.op === 'CONTAINS KEY' && valueType.kind !== 'map')) {
      throw invalidRequest(`Cannot use ${c.op} on non-${c.op === 'CONTAINS KEY' ? 'map' : 'collection'} column ${column.name}`);
    }
    const collection = valueType;
    const elementType = collection.kind === 'map' ? (c.op === 'CONTAINS KEY' ? collection.key : collection.value) : collection.element;
    const compareElement = comparatorFor(elementType);
    const term = compileTerm(c.value, { ...receiver, name: `${c.op === 'CONTAINS KEY' ? 'key' : 'value'}(${column.name})`, type: elementType }, ctx);
    return {
      column,
      test: (row, env) => {
        const expected = term.evaluate(env);
        if (expected === UNSET) throw invalidRequest(`Invalid 'unset' value in condition`);
        if (expected === null) throw invalidRequest(`Invalid null value for ${c.op} condition on ${column.name}`);
        const whole = extract(row, env);
        if (whole === null) return false;
        const elements = collection.kind !== 'map' ? splitCollection(whole)
          : splitMap(whole).map(([k, v]) => (c.op === 'CONTAINS KEY' ? k : v));
        return elements.some((e) => compareElement(e, expected) === 0);
      },
    };
  }
  if (!['=', '!=', '<', '<=', '>', '>='].includes(c.op)) throw invalidRequest(`Unsupported operator ${c.op} in IF condition`);
  const term = compileTerm(c.value, elementReceiver, ctx);
  return {
    column,
    test: (row, env) => {
      const actual = extract(row, env);
      const expected = term.evaluate(env);
      if (expected === UNSET) throw invalidRequest(`Invalid 'unset' value in condition`);
      if (c.op === '=') return expected === null ? actual === null : actual !== null && compare(actual, expected) === 0;
      if (c.op === '!=') return expected === null ? actual !== null : actual === null || compare(actual, expected) !== 0;
      if (expected === null) throw invalidRequest(`Invalid comparison with null for operator "${c.op}"`);
      if (actual === null) return false;
      const r = compare(actual, expected);
      return c.op === '<' ? r < 0 : c.op === '<=' ? r <= 0 : c.op === '>' ? r > 0 : r >= 0;
    },
  };
}

function compileIf(clause: IfClause, table: TableMetadata, ctx: TermContext): CompiledCondition | null {
  switch (clause.kind) {
    case 'none': return null;
    case 'notExists': return { kind: 'notExists' };
    case 'exists': return { kind: 'exists' };
    case 'conditions': return { kind: 'conditions', list: clause.conditions.map((c) => compileCondition(c, table, ctx)) };
  }
}

interface UsingCompiled {
  readonly ttl: CompiledTerm | null;
  readonly timestamp: CompiledTerm | null;
}

function compileUsing(using: UsingClause, table: TableMetadata, ctx: TermContext): UsingCompiled {
  const base = { keyspace: table.keyspace, table: table.name };
  return {
    ttl: using.ttl === null ? null : compileTerm(using.ttl, { ...base, name: '[ttl]', type: { kind: 'native', name: 'int' } }, ctx),
    timestamp: using.timestamp === null ? null : compileTerm(using.timestamp, { ...base, name: '[timestamp]', type: { kind: 'native', name: 'bigint' } }, ctx),
  };
}

export function evaluateTtl(using: UsingCompiled, table: TableMetadata, env: EvalEnv): number {
  if (using.ttl === null) return table.options.defaultTimeToLiveSeconds;
  const v = using.ttl.evaluate(env);
  if (v === null) throw invalidRequest('Invalid null value of TTL');
  if (v === UNSET) return table.options.defaultTimeToLiveSeconds;
  const ttl = v.readInt32BE(0);
  if (ttl < 0) throw invalidRequest(`A TTL must be greater or equal to 0, but was ${ttl}`);
  if (ttl > TTL_MAX_SECONDS) throw invalidRequest(`ttl is too large. requested (${ttl}) maximum (${TTL_MAX_SECONDS})`);
  return ttl;
}

export function evaluateTimestamp(using: UsingCompiled, env: EvalEnv): number | null {
  if (using.timestamp === null) return null;
  const v = using.timestamp.evaluate(env);
  if (v === null) throw invalidRequest('Invalid null value of timestamp');
  if (v === UNSET) return null;
  const ts = v.readBigInt64BE(0);
  if (ts === -(1n << 63n)) throw invalidRequest('Invalid timestamp: Long.MIN_VALUE is reserved');
  if (ts > BigInt(Number.MAX_SAFE_INTEGER) || ts < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw invalidRequest(`Invalid timestamp ${ts}: Cassia supports write timestamps within +/-2^53 microseconds`);
  }
  return Number(ts);
}

class Modification implements PreparedModification {
  readonly kind: string;
  readonly keyspace: string;
  readonly table: string;
  readonly tableMetadata: TableMetadata;
  readonly bindSpecs: ColumnSpec[];
  readonly partitionKeyBindIndexes: number[];
  readonly resultMetadata = { columns: [] };
  readonly isSchemaChange = false;
  readonly isCounter: boolean;
  readonly hasConditions: boolean;
  readonly hasOwnTimestamp: boolean;
  private readonly where: WhereAnalysis;
  private readonly ops: readonly Op[];
  private readonly using: UsingCompiled;
  private readonly condition: CompiledCondition | null;
  /** INSERT sets the row marker; DELETE without targets deletes rows/partitions/ranges. */
  private readonly mode: 'insert' | 'update' | 'delete';
  private readonly lists: ListPathSource;
  private readonly insertJson: { term: CompiledTerm; defaultUnset: boolean } | null;
  /** The compiled one-row path (single-row-write.ts), or null when the statement needs the general one. */
  private readonly singleRow: SingleRowWritePlan | null;

  constructor(init: {
    kind: string; table: TableMetadata; where: WhereAnalysis; ops: Op[]; using: UsingCompiled; condition: CompiledCondition | null;
    mode: 'insert' | 'update' | 'delete'; bindSpecs: ColumnSpec[]; lists: ListPathSource;
    insertJson: { term: CompiledTerm; defaultUnset: boolean } | null;
  }) {
    this.kind = init.kind;
    this.tableMetadata = init.table;
    this.keyspace = init.table.keyspace;
    this.table = init.table.name;
    this.where = init.where;
    this.ops = init.ops;
    this.using = init.using;
    this.condition = init.condition;
    this.mode = init.mode;
    this.bindSpecs = init.bindSpecs;
    this.lists = init.lists;
    this.insertJson = init.insertJson;
    this.isCounter = init.table.isCounterTable;
    this.hasConditions = init.condition !== null;
    this.hasOwnTimestamp = init.using.timestamp !== null;
    this.partitionKeyBindIndexes = partitionKeyBindIndexes(init.table, init.bindSpecs);
    const assignments = init.ops.every((o) => o.kind === 'set')
      ? init.ops.map((o) => ({ column: o.column, term: (o as Extract<Op, { kind: 'set' }>).term }))
      : null;
    this.singleRow = SingleRowWritePlan.compile({
      table: init.table, mode: init.mode, where: init.where, assignments, hasCondition: init.condition !== null, isJson: init.insertJson !== null,
    });
  }

  /** The mutation of the one-row path: timestamp and TTL are evaluated first, as params() does. */
  private singleRowMutation(plan: SingleRowWritePlan, execution: Execution, batchTimestampMicros: number): Mutation {
    const env = execution.env;
    const timestampMicros = evaluateTimestamp(this.using, env) ?? batchTimestampMicros;
    const ttlSeconds = evaluateTtl(this.using, this.tableMetadata, env);
    const nowSeconds = Math.floor(execution.nowMs / 1000);
    return plan.mutation(env, { timestampMicros, ttlSeconds, nowSeconds }, execution.services.limits.inValuesProductMax);
  }

  private params(execution: Execution, timestampMicros: number): WriteParams {
    const ttl = evaluateTtl(this.using, this.tableMetadata, execution.env);
    if (ttl > 0 && this.isCounter) throw invalidRequest('Cannot provide custom TTL for counter updates');
    return {
      timestampMicros,
      ttlSeconds: this.isCounter ? 0 : ttl,
      nowSeconds: Math.floor(execution.nowMs / 1000),
      nowMs: execution.nowMs,
      env: execution.env,
    };
  }

  timestampFor(execution: Execution): number {
    return evaluateTimestamp(this.using, execution.env) ?? execution.options.timestampMicros ?? execution.services.timestamps.next();
  }

  async buildMutations(execution: Execution, batchTimestampMicros: number): Promise<Mutation[]> {
    if (this.singleRow !== null) return [this.singleRowMutation(this.singleRow, execution, batchTimestampMicros)];
    return this.generalMutations(execution, batchTimestampMicros);
  }

  /** Whether executions take the compiled one-row path. */
  get usesSingleRowPath(): boolean {
    return this.singleRow !== null;
  }

  /** The general path of buildMutations (any statement); tests hold the one-row path to it. */
  async generalMutations(execution: Execution, batchTimestampMicros: number): Promise<Mutation[]> {
    const env = execution.env;
    const ts = evaluateTimestamp(this.using, env) ?? batchTimestampMicros;
    const p = this.params(execution, ts);
    const table = this.tableMetadata;
    const limit = execution.services.limits.inValuesProductMax;
    const { ops, jsonOps } = this.insertJson === null ? { ops: this.ops, jsonOps: null } : this.jsonOps(env);
    const where = jsonOps ?? this.where;
    const targets = partitionTargets(table, where, env, limit);
    const hasRegularOps = ops.some((o) => o.column.kind === 'regular');
    const staticOps = ops.filter((o) => o.column.kind === 'static');
    const regularOps = ops.filter((o) => o.column.kind !== 'static');
    const prefixes = clusteringPrefixes(where, env, limit);
    const fullClustering = where.clusteringPrefixLength === table.clustering.length && where.clusteringSlice === null;
    // An INSERT that names no clustering column and sets only static columns writes the static row alone.
    const staticOnlyInsert = this.mode === 'insert' && regularOps.length === 0 && staticOps.length > 0 && where.clusteringPrefixLength === 0;
    const rowInsert = this.mode === 'insert' && !staticOnlyInsert;
    if (this.mode !== 'delete' || ops.length > 0) {
      if (table.clustering.length > 0 && !fullClustering && (hasRegularOps || rowInsert || (this.mode === 'delete' && !staticOps.length))) {
        if (where.clusteringSlice !== null) throw invalidRequest(`Slice restrictions are not supported on the clustering columns in UPDATE statements`);
        if (where.clusteringPrefixLength > 0 || hasRegularOps || rowInsert) {
          const missing = table.clustering.slice(where.clusteringPrefixLength).map((c) => c.name);
          throw invalidRequest(`Some clustering keys are missing: ${missing.join(', ')}`);
        }
      }
      if (staticOps.length > 0 && regularOps.length === 0 && where.clusteringPrefixLength > 0 && table.clustering.length > 0 && this.mode === 'update') {
        // Cassandra accepts clustering restrictions with static-only updates; the static row is written.
      }
    }
    const needsRead = ops.some(needsReadBeforeWrite);
    const mutations: Mutation[] = [];
    for (const target of targets) {
      const update = await this.buildPartition(execution, p, target.key, target.token, prefixes, { ops, staticOps, regularOps, where, needsRead });
      mutations.push({ keyspace: table.keyspace, key: target.key, token: target.token, updates: [update] });
    }
    return mutations;
  }

  private jsonOps(env: EvalEnv): { ops: Op[]; jsonOps: WhereAnalysis } {
    const table = this.tableMetadata;
    const json = this.insertJson!;
    const text = json.term.evaluate(env);
    if (text === null || text === UNSET) throw invalidRequest('Got null for INSERT JSON values');
    let parsed: unknown;
    try {
      parsed = parseJsonExact(text.toString('utf8'));
    } catch (error) {
      throw invalidRequest(`Could not decode JSON string as a map: ${(error as Error).message}. String was: ${text.toString('utf8')}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw invalidRequest(`Could not decode JSON string as a map: ${text.toString('utf8')}`);
    }
    const byColumn = new Map<string, unknown>();
    for (const [rawKey, value] of Object.entries(parsed as Record<string, unknown>)) {
      // Keys follow CQL identifier rules: quoted keys are case-sensitive, others are lower-cased.
      const name = rawKey.startsWith('"') && rawKey.endsWith('"') && rawKey.length >= 2 ? rawKey.slice(1, -1) : rawKey.toLowerCase();
      const column = table.columns.find((c) => c.name === name);
      if (column === undefined) throw invalidRequest(`JSON values map contains unrecognized column: ${rawKey}`);
      byColumn.set(column.name, value);
    }
    const constant = (v: Buffer | null | typeof UNSET, type: CqlType): CompiledTerm => ({ constant: v, type, evaluate: () => v });
    const ops: Op[] = [];
    const keyValues = new Map<string, Buffer>();
    for (const column of table.columns) {
      const raw = byColumn.get(column.name);
      let value: Buffer | null | typeof UNSET;
      if (raw === undefined) value = json.defaultUnset ? UNSET : null;
      else if (raw === null) value = null;
      else {
        try {
          value = codecForColumn(column).fromJson(raw);
        } catch (error) {
          throw invalidRequest(`Error decoding JSON value for ${column.name}: ${(error as Error).message}`);
        }
      }
      if (column.kind === 'partition_key' || column.kind === 'clustering') {
        if (value === null || value === UNSET) throw invalidRequest(`Invalid null value in condition for column ${column.name}`);
        keyValues.set(column.name, value);
      } else {
        ops.push({ kind: 'set', column, term: constant(value, column.type) });
      }
    }
    return { ops, jsonOps: keyWhere(table, keyValues) };
  }

  private async readCurrent(execution: Execution, key: Buffer, token: bigint, clusterings: Buffer[][]): Promise<ReadPartition | null> {
    const command: ReadCommand = {
      tableId: this.tableMetadata.id,
      partitions: { kind: 'single', key, token },
      clustering: clusterings.length === 0 || clusterings[0]!.length === 0
        ? { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false }
        : { kind: 'names', clusterings, reversed: false },
      columns: 'all',
      limits: { rows: Number.POSITIVE_INFINITY, perPartitionRows: Number.POSITIVE_INFINITY, partitions: 1 },
      nowSeconds: Math.floor(execution.nowMs / 1000),
      resumeAfterClustering: null,
      includeStaticRow: true,
    };
    const consistency = execution.options.consistency === ConsistencyLevel.ANY ? ConsistencyLevel.ONE : execution.options.consistency;
    const result = await execution.services.coordinator.read(command, { consistency });
    const partition = result.partitions[0];
    return partition === undefined ? null : toLivePartition(partition, command.nowSeconds);
  }

  private async buildPartition(
    execution: Execution,
    p: WriteParams,
    key: Buffer,
    token: bigint,
    prefixes: Buffer[][],
    plan: { ops: readonly Op[]; staticOps: readonly Op[]; regularOps: readonly Op[]; where: WhereAnalysis; needsRead: boolean },
  ): Promise<PartitionUpdate> {
    const table = this.tableMetadata;
    const compare = clusteringComparator(table);
    let partitionDeletion: DeletionTime | null = null;
    let staticRow: Row | null = null;
    const rows: Row[] = [];
    const rangeTombstones: RangeTombstone[] = [];
    const current = plan.needsRead ? await this.readCurrent(execution, key, token, prefixes) : null;
    const currentRow = (clustering: readonly Buffer[]): Row | null => {
      if (current === null) return null;
      if (clustering.length === 0) return current.staticRow ?? current.rows[0] ?? null;
      return current.rows.find((r) => compare(r.clustering, clustering) === 0) ?? null;
    };
    const deletion: DeletionTime = { markedForDeleteAtMicros: p.timestampMicros, localDeletionTimeSeconds: p.nowSeconds };

    if (this.mode === 'delete' && plan.ops.length === 0) {
      const where = plan.where;
      if (where.clusteringPrefixLength === 0 && where.clusteringSlice === null) {
        partitionDeletion = deletion;
      } else if (where.clusteringPrefixLength === table.clustering.length && where.clusteringSlice === null) {
        for (const clustering of prefixes) {
          rows.push({ clustering, liveness: null, deletion, cells: [], complexDeletions: [] });
        }
      } else {
        for (const slice of clusteringSlices(where, execution.env, execution.services.limits.inValuesProductMax, compare)) {
          rangeTombstones.push({ start: slice.start, end: slice.end, deletion });
        }
      }
    } else {
      if (plan.staticOps.length > 0) {
        const b = new RowBuilder();
        for (const op of plan.staticOps) applyOp(op, b, p, currentRow([]), this.lists);
        if (!b.isEmpty) staticRow = b.build([], table);
      }
      const writesRows = plan.regularOps.length > 0 || this.mode === 'insert';
      if (writesRows && (table.clustering.length === 0 || prefixes[0]!.length === table.clustering.length)) {
        for (const clustering of table.clustering.length === 0 ? [[]] : prefixes) {
          const b = new RowBuilder();
          if (this.mode === 'insert') {
            b.liveness = {
              timestampMicros: p.timestampMicros, ttlSeconds: p.ttlSeconds,
              localExpirationTimeSeconds: p.ttlSeconds > 0 ? p.nowSeconds + p.ttlSeconds : NO_DELETION_TIME,
            };
          }
          for (const op of plan.regularOps) applyOp(op, b, p, currentRow(clustering), this.lists);
          if (!b.isEmpty) rows.push(b.build(clustering, table));
        }
        rows.sort((a, b) => compare(a.clustering, b.clustering));
      }
    }
    return { tableId: table.id, key, token, partitionDeletion, staticRow, rows, rangeTombstones };
  }

  execute(execution: Execution): Promise<QueryResponse> {
    const plan = this.singleRow;
    if (plan === null) return this.executeGeneral(execution);
    let written: Promise<void>;
    try {
      const mutation = this.singleRowMutation(plan, execution, this.timestampFor(execution));
      written = execution.services.coordinator.write([mutation], simpleWriteOptions(execution.options.consistency));
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const warnings = execution.warnings;
    return warnings.length === 0 ? written.then(voidResponse) : written.then(() => ({ result: VOID_RESPONSE.result, warnings }));
  }

  private async executeGeneral(execution: Execution): Promise<QueryResponse> {
    if (this.condition !== null) return this.executeConditional(execution);
    const ts = this.timestampFor(execution);
    const mutations = await this.buildMutations(execution, ts);
    await execution.services.coordinator.write(mutations, {
      consistency: execution.options.consistency,
      writeType: this.isCounter ? 'COUNTER' : 'SIMPLE',
    });
    return { result: { kind: 'void' }, warnings: execution.warnings };
  }

  private async executeConditional(execution: Execution): Promise<QueryResponse> {
    const ts = execution.options.timestampMicros ?? execution.services.timestamps.next();
    const plan = await this.conditionalPlan(execution, ts);
    const result = await execution.services.coordinator.cas({
      keyspace: plan.keyspace,
      key: plan.key,
      token: plan.token,
      read: plan.read,
      serialConsistency: execution.options.serialConsistency ?? ConsistencyLevel.SERIAL,
      commitConsistency: execution.options.consistency,
      decide: (partition) => {
        const outcome = plan.evaluate(partition);
        return { mutation: outcome.applied ? mergePartitionMutations(plan.mutations, () => this.tableMetadata) : null, result: casResult(this.tableMetadata, [outcome]) };
      },
    });
    return { result, warnings: execution.warnings };
  }

  /**
   * Everything a compare-and-set of this statement needs: the partition, the read that fetches
   * the conditioned row, the mutations to apply, and the condition as a pure function.
   */
  async conditionalPlan(execution: Execution, timestampMicros: number): Promise<ConditionalPlan> {
    if (this.using.timestamp !== null) throw invalidRequest('Cannot provide custom timestamp for conditional updates');
    const table = this.tableMetadata;
    const env = execution.env;
    const limit = execution.services.limits.inValuesProductMax;
    const targets = partitionTargets(table, this.where, env, limit);
    if (targets.length !== 1) throw invalidRequest('IN on the partition key is not supported with conditional updates');
    const prefixes = clusteringPrefixes(this.where, env, limit);
    if (prefixes.length !== 1) throw invalidRequest('IN on the clustering key columns is not supported with conditional updates');
    const clustering = prefixes[0]!;
    const target = targets[0]!;
    const nowSeconds = Math.floor(execution.nowMs / 1000);
    const fullRow = clustering.length === table.clustering.length;
    const read: ReadCommand = {
      tableId: table.id,
      partitions: { kind: 'single', key: target.key, token: target.token },
      clustering: fullRow && clustering.length > 0
        ? { kind: 'names', clusterings: [clustering], reversed: false }
        : { kind: 'slices', slices: [{ start: { values: clustering, inclusive: true }, end: { values: clustering, inclusive: true } }], reversed: false },
      columns: 'all',
      limits: { rows: 1, perPartitionRows: 1, partitions: 1 },
      nowSeconds,
      resumeAfterClustering: null,
      includeStaticRow: true,
    };
    const mutations = await this.buildMutations(execution, timestampMicros);
    const condition = this.condition!;
    // A statement that only touches static columns conditions on the partition, not on a row.
    const staticOnly = !fullRow;
    return {
      keyspace: table.keyspace,
      key: target.key,
      token: target.token,
      read,
      mutations,
      clustering,
      evaluate: (partition) => {
        const live = partition === null ? null : toLivePartition(partition, nowSeconds);
        const row = live === null ? null : (live.rows[0] ?? null);
        const staticRow = live === null ? null : live.staticRow;
        const merged = mergeStatic(staticRow, row);
        const exists = staticOnly ? live !== null && (staticRow !== null || live.rows.length > 0) : row !== null;
        const applied = evaluateCondition(condition, merged, exists, env);
        return { applied, condition, row: merged, exists, partitionKey: target.key, clustering: row?.clustering ?? clustering };
      },
    };
  }
}

export interface CasOutcome {
  readonly applied: boolean;
  readonly condition: CompiledCondition;
  readonly row: Row | null;
  readonly exists: boolean;
  readonly partitionKey: Buffer;
  readonly clustering: readonly Buffer[];
}

export interface ConditionalPlan {
  readonly keyspace: string;
  readonly key: Buffer;
  readonly token: bigint;
  readonly read: ReadCommand;
  readonly mutations: Mutation[];
  readonly clustering: readonly Buffer[];
  evaluate(partition: ReadPartition | null): CasOutcome;
}


function mergeStatic(staticRow: Row | null, row: Row | null): Row | null {
  if (row === null) return staticRow;
  if (staticRow === null) return row;
  return { ...row, cells: [...staticRow.cells, ...row.cells].sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : 0)) };
}

function evaluateCondition(condition: CompiledCondition, row: Row | null, rowExists: boolean, env: EvalEnv): boolean {
  switch (condition.kind) {
    case 'notExists': return !rowExists;
    case 'exists': return rowExists;
    case 'conditions': return condition.list.every((c) => c.test(row, env));
  }
}

/**
 * The `[applied]` result of one or more conditional statements (ModificationStatement's
 * buildCasResultSet): applied -> one row [applied]=true; not applied -> [applied]=false plus the
 * current values: all columns for IF [NOT] EXISTS, the condition columns otherwise (with the
 * primary key for batches); nothing more when no row exists.
 */
export function casResult(table: TableMetadata, outcomes: readonly CasOutcome[], forBatch = false): QueryResponse['result'] {
  const appliedSpec: ColumnSpec = { keyspace: table.keyspace, table: table.name, name: '[applied]', type: { kind: 'native', name: 'boolean' } };
  const bool = (b: boolean): Buffer => Buffer.from([b ? 1 : 0]);
  const applied = outcomes.every((o) => o.applied);
  const withRows = outcomes.filter((o) => o.row !== null);
  if (applied || withRows.length === 0) {
    return { kind: 'rows', metadata: { columns: [appliedSpec] }, rows: [[bool(applied)]], pagingState: null };
  }
  let columns: ColumnMetadata[] = [];
  const wildcard = outcomes.some((o) => o.condition.kind !== 'conditions');
  if (wildcard) columns = selectStarColumns(table);
  else {
    if (forBatch) columns.push(...table.partitionKey, ...table.clustering);
    for (const o of outcomes) {
      if (o.condition.kind !== 'conditions') continue;
      for (const c of o.condition.list) if (!columns.includes(c.column)) columns.push(c.column);
    }
  }
  const rows = withRows.map((o) => [bool(false), ...columns.map((c) => {
    if (c.kind === 'partition_key') return partitionComponent(table, o.partitionKey, c.position);
    if (c.kind === 'clustering') return o.row!.clustering[c.position] ?? o.clustering[c.position] ?? null;
    return columnValue(o.row!, c);
  })]);
  return {
    kind: 'rows',
    metadata: { columns: [appliedSpec, ...columns.map((c) => ({ keyspace: table.keyspace, table: table.name, name: c.name, type: c.type }))] },
    rows,
    pagingState: null,
  };
}

import { codecFor, parseJsonExact, splitPartitionKey } from '../../schema/index.ts';

function codecForColumn(column: ColumnMetadata): ReturnType<typeof codecFor> {
  return codecFor(column.type);
}

function partitionComponent(table: TableMetadata, key: Buffer, position: number): Buffer | null {
  if (table.partitionKey.length === 1) return key;
  return splitPartitionKey(key, table.partitionKey.length)[position] ?? null;
}

/** Columns of `SELECT *`: partition key, clustering, then static and regular columns by name. */
export function selectStarColumns(table: TableMetadata): ColumnMetadata[] {
  const statics = table.regularAndStatic.filter((c) => c.kind === 'static');
  const regulars = table.regularAndStatic.filter((c) => c.kind === 'regular');
  return [...table.partitionKey, ...table.clustering, ...statics, ...regulars];
}

/** A where-analysis equivalent to `k1 = v AND ... AND c1 = v ...` for INSERT. */
function keyWhere(table: TableMetadata, values: ReadonlyMap<string, Buffer>): WhereAnalysis {
  const pk = table.partitionKey.map((c) => {
    const v = values.get(c.name);
    if (v === undefined) return null;
    return () => [v];
  });
  const prefix: Array<(env: EvalEnv) => Buffer[][]> = [];
  let length = 0;
  for (const c of table.clustering) {
    const v = values.get(c.name);
    if (v === undefined) break;
    prefix.push(() => [[v]]);
    length++;
  }
  return {
    partitionKey: pk, partitionKeyIsIn: false, tokenStart: null, tokenEnd: null, clusteringPrefix: prefix,
    clusteringPrefixLength: length, clusteringIsIn: false, clusteringSlice: null, filters: [], needsFiltering: false, filteringReason: null,
  };
}

function partitionKeyBindIndexes(table: TableMetadata, specs: readonly ColumnSpec[]): number[] {
  const indexes: number[] = [];
  for (const column of table.partitionKey) {
    const i = specs.findIndex((s) => s.name === column.name && s.table === table.name);
    if (i < 0) return [];
    indexes.push(i);
  }
  return indexes;
}

function insertWhere(stmt: InsertStatement, table: TableMetadata, ctx: TermContext): { where: WhereAnalysis; ops: Op[] } {
  const columns = stmt.columns!;
  const values = stmt.values!;
  if (columns.length !== values.length) throw invalidRequest('Unmatched column names/values');
  const seen = new Set<string>();
  const keyTerms = new Map<string, CompiledTerm>();
  const ops: Op[] = [];
  columns.forEach((name, i) => {
    const receiver = columnReceiver(table, name);
    if (seen.has(receiver.name)) throw invalidRequest(`Multiple definitions found for column ${receiver.name}`);
    seen.add(receiver.name);
    const column = table.columns.find((c) => c.name === receiver.name)!;
    const term = compileTerm(values[i]!, receiver, ctx);
    if (column.kind === 'partition_key' || column.kind === 'clustering') keyTerms.set(column.name, term);
    else ops.push({ kind: 'set', column, term });
  });
  const missingPk = table.partitionKey.filter((c) => !keyTerms.has(c.name)).map((c) => c.name);
  if (missingPk.length > 0) throw invalidRequest(`Some partition key parts are missing: ${missingPk.join(', ')}`);
  const onlyStatic = ops.length > 0 && ops.every((o) => o.column.kind === 'static');
  const missingClustering = table.clustering.filter((c) => !keyTerms.has(c.name)).map((c) => c.name);
  if (missingClustering.length > 0 && !(onlyStatic && missingClustering.length === table.clustering.length)) {
    throw invalidRequest(`Some clustering keys are missing: ${missingClustering.join(', ')}`);
  }
  const valuesFn = (column: ColumnMetadata) => {
    const term = keyTerms.get(column.name)!;
    return (env: EvalEnv): Buffer[] => {
      const v = term.evaluate(env);
      if (v === null) {
        throw invalidRequest(column.kind === 'partition_key' ? `Invalid null value in condition for column ${column.name}` : `Invalid null value in condition for column ${column.name}`);
      }
      if (v === UNSET) throw invalidRequest(`Invalid unset value for column ${column.name}`);
      if (column.kind === 'partition_key' && v.length === 0 && table.partitionKey.length === 1) {
        throw invalidRequest('Key may not be empty');
      }
      return [v];
    };
  };
  const prefix: Array<(env: EvalEnv) => Buffer[][]> = [];
  for (const c of table.clustering) {
    if (!keyTerms.has(c.name)) break;
    const fn = valuesFn(c);
    prefix.push((env) => fn(env).map((v) => [v]));
  }
  return {
    where: {
      partitionKey: table.partitionKey.map(valuesFn),
      partitionKeyIsIn: false,
      tokenStart: null,
      tokenEnd: null,
      clusteringPrefix: prefix,
      clusteringPrefixLength: prefix.length,
      clusteringIsIn: false,
      clusteringSlice: null,
      filters: [],
      needsFiltering: false,
      filteringReason: null,
    },
    ops,
  };
}

export function prepareModification(stmt: ModificationStatement, ctx: PrepareContext, lists: ListPathSource): PreparedModification {
  const table = resolveTable(ctx, stmt.table);
  if (table.isView) throw invalidRequest(`Cannot directly modify a materialized view`);
  const termCtx: TermContext = { binds: ctx.binds, scope: typeScope(ctx, table.keyspace) };
  let where: WhereAnalysis;
  let ops: Op[];
  let condition: CompiledCondition | null;
  let insertJson: { term: CompiledTerm; defaultUnset: boolean } | null = null;
  const using = compileUsing(stmt.using, table, termCtx);
  switch (stmt.kind) {
    case 'insert': {
      if (table.isCounterTable) throw invalidRequest('INSERT statements are not allowed on counter tables, use UPDATE instead');
      if (stmt.json !== null) {
        insertJson = {
          term: compileTerm(stmt.json, { keyspace: table.keyspace, table: table.name, name: '[json]', type: { kind: 'native', name: 'text' } }, termCtx),
          defaultUnset: stmt.jsonDefaultUnset,
        };
        where = keyWhere(table, new Map());
        ops = [];
      } else {
        ({ where, ops } = insertWhere(stmt, table, termCtx));
      }
      condition = stmt.ifNotExists ? { kind: 'notExists' } : null;
      break;
    }
    case 'update': {
      const u: UpdateStatement = stmt;
      // Compile SET terms before WHERE terms: bind markers are numbered in text order.
      ops = u.assignments.map((a) => compileOp(a, table, termCtx));
      where = analyzeWhere(table, u.where, termCtx, { forModification: true });
      condition = compileIf(u.ifClause, table, termCtx);
      if (table.isCounterTable && ops.some((o) => !isCounterColumn(o.column) && o.kind !== 'delete')) {
        throw invalidRequest('Cannot mix counter and non counter columns in the same table');
      }
      break;
    }
    case 'delete': {
      const d: DeleteStatement = stmt;
      ops = d.targets.map((t) => compileDeleteTarget(t, table, termCtx));
      where = analyzeWhere(table, d.where, termCtx, { forModification: true });
      condition = compileIf(d.ifClause, table, termCtx);
      if (d.using.ttl !== null) throw invalidRequest('TTL is not supported with DELETE statements');
      break;
    }
  }
  if (where.needsFiltering) throw invalidRequest(where.filteringReason ?? 'Invalid restrictions on the primary key');
  if (stmt.kind !== 'insert' || insertJson !== null) {
    const missing = table.partitionKey.filter((_c, i) => where.partitionKey[i] === null).map((c) => c.name);
    if (missing.length > 0 && insertJson === null) throw invalidRequest(`Some partition key parts are missing: ${missing.join(', ')}`);
  }
  if (where.tokenStart !== null || where.tokenEnd !== null) throw invalidRequest('The token function cannot be used in WHERE clauses for UPDATE and DELETE statements');
  if (condition !== null && table.isCounterTable) throw invalidRequest('Conditional updates are not supported on counter tables');
  return new Modification({
    kind: stmt.kind, table, where, ops, using, condition, mode: stmt.kind, bindSpecs: ctx.inBatch === true ? [] : ctx.binds.complete(), lists, insertJson,
  });
}
