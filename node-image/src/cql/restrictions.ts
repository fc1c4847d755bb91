// WHERE-clause analysis shared by SELECT, UPDATE and DELETE: which partition keys, token range,
// clustering prefixes and slices a statement selects, and which relations must be evaluated row
// by row (filtering). Errors match Cassandra's wording where drivers and users see them.
import { invalidRequest } from '../lib/index.ts';
import { murmur3Token, TOKEN_MAX, TOKEN_MIN } from '../lib/index.ts';
import type { ColumnMetadata, CqlType, TableMetadata } from '../schema/index.ts';
import { comparatorFor, formatCqlIdentifier, serializePartitionKey } from '../schema/index.ts';
import type { ClusteringBound, Slice } from '../storage/index.ts';
import type { Relation, RelationOp, Term } from './ast.ts';
import { UNSET } from './service.ts';
import type { CompiledTerm, EvalEnv, Receiver, TermContext, TermValue } from './terms.ts';
import { formatTermText } from './term-text.ts';
import { compileTerm, splitCollection, splitMap, splitTupleLike } from './terms.ts';

/** Produces the candidate values of an EQ (one value) or IN (several) restriction. */
export type ValuesFn = (env: EvalEnv) => Buffer[];

export interface SliceBound {
  readonly term: CompiledTerm;
  readonly inclusive: boolean;
}

export interface ColumnSlice {
  /** For a single column: [term]; for a multi-column relation: the tuple term split per column. */
  readonly start: { readonly values: (env: EvalEnv) => Buffer[]; readonly inclusive: boolean } | null;
  readonly end: { readonly values: (env: EvalEnv) => Buffer[]; readonly inclusive: boolean } | null;
  /** Position of the first clustering column the slice bounds. */
  readonly firstColumn: number;
}

export interface RowFilter {
  readonly column: ColumnMetadata;
  /**
   * For relations over several columns (a mixed-order multi-column slice): the columns read and
   * the test over their values; `test` is then unused.
   */
  readonly tuple?: {
    readonly columns: readonly ColumnMetadata[];
    readonly test: (values: ReadonlyArray<Buffer | null>, env: EvalEnv) => boolean;
  };
  /** True when a secondary index serves this relation (no ALLOW FILTERING needed). */
  readonly indexed: boolean;
  readonly describe: string;
  /** Evaluates the relation on a column value (null when the row has no value). */
  readonly test: (value: Buffer | null, env: EvalEnv) => boolean;
}

export interface TokenBound {
  readonly term: CompiledTerm;
  readonly inclusive: boolean;
}

export interface WhereAnalysis {
  /** Per partition-key column, its EQ/IN values; null when not restricted that way. */
  readonly partitionKey: ReadonlyArray<ValuesFn | null>;
  readonly partitionKeyIsIn: boolean;
  readonly tokenStart: TokenBound | null;
  readonly tokenEnd: TokenBound | null;
  /** EQ/IN restrictions on a prefix of the clustering columns (each yields candidate prefixes). */
  readonly clusteringPrefix: ReadonlyArray<(env: EvalEnv) => Buffer[][]>;
  /** Number of clustering columns fixed by the prefix. */
  readonly clusteringPrefixLength: number;
  readonly clusteringIsIn: boolean;
  /** Clustering positions restricted by a single-value EQ (ORDER BY may skip them). */
  readonly clusteringEqPositions?: ReadonlySet<number>;
  readonly clusteringSlice: ColumnSlice | null;
  /** Relations evaluated per row. */
  readonly filters: readonly RowFilter[];
  /** Whether any relation requires ALLOW FILTERING. */
  readonly needsFiltering: boolean;
  /** Why filtering is needed (the first reason, for error messages). */
  readonly filteringReason: string | null;
}

const FILTERING_MESSAGE =
  'Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING';

export { FILTERING_MESSAGE };

function receiverOf(table: TableMetadata, column: ColumnMetadata, name = column.name, type: CqlType = column.type): Receiver {
  return { keyspace: table.keyspace, table: table.name, name, type };
}

function valuesOf(term: CompiledTerm, columnName: string): ValuesFn {
  return (env) => {
    const v = term.evaluate(env);
    if (v === null) throw invalidRequest(`Invalid null value in condition for column ${columnName}`);
    if (v === UNSET) throw invalidRequest(`Invalid unset value for column ${columnName}`);
    return [v];
  };
}

/** IN (a, b) (a list/tuple term) or IN ? (a bind marker of list<type>). */
function inValuesOf(value: Term, table: TableMetadata, column: ColumnMetadata, ctx: TermContext): ValuesFn {
  if (value.kind === 'bind') {
    const listType: CqlType = { kind: 'list', element: column.type, frozen: true };
    const term = compileTerm(value, receiverOf(table, column, `in(${column.name})`, listType), ctx);
    return (env) => {
      const v = term.evaluate(env);
      if (v === null) throw invalidRequest(`Invalid null value for column ${column.name}`);
      if (v === UNSET) throw invalidRequest(`Invalid unset value for column ${column.name}`);
      return splitCollection(v);
    };
  }
  const elements = value.kind === 'list' || value.kind === 'tuple' ? value.elements : [value];
  const terms = elements.map((e) => compileTerm(e, receiverOf(table, column), ctx));
  return (env) => {
    const out: Buffer[] = [];
    for (const t of terms) {
      const v = t.evaluate(env);
      if (v === null) throw invalidRequest(`Invalid null value in condition for column ${column.name}`);
      if (v === UNSET) throw invalidRequest(`Invalid unset value for column ${column.name}`);
      out.push(v);
    }
    // IN values are de-duplicated and sorted by the column's type, as Cassandra does.
    const compare = comparatorFor(column.type);
    out.sort(compare);
    return out.filter((v, i) => i === 0 || compare(out[i - 1]!, v) !== 0);
  };
}

function comparisonTest(op: RelationOp, compare: (a: Buffer, b: Buffer) => number, term: CompiledTerm): (value: Buffer | null, env: EvalEnv) => boolean {
  return (value, env) => {
    const expected = term.evaluate(env);
    if (expected === UNSET) throw invalidRequest('Invalid unset value in relation');
    if (value === null || expected === null) return op === '!=' ? value !== expected : false;
    const c = compare(value, expected);
    switch (op) {
      case '=': return c === 0;
      case '!=': return c !== 0;
      case '<': return c < 0;
      case '<=': return c <= 0;
      case '>': return c > 0;
      case '>=': return c >= 0;
      default: return false;
    }
  };
}

function filterFor(relation: Relation, table: TableMetadata, column: ColumnMetadata, ctx: TermContext): RowFilter {
  const target = formatCqlIdentifier(column.name);
  const indexed = relation.kind === 'simple' && relation.op === '=' && table.indexes.some((i) => (i.options['target'] ?? '') === target);
  const describe = `${column.name} ${relation.op}`;
  if (relation.kind === 'element') {
    const type = column.type;
    if (type.kind !== 'map') throw invalidRequest(`Column ${column.name} is not a map, cannot use element access`);
    const key = compileTerm(relation.key, receiverOf(table, column, `key(${column.name})`, type.key), ctx);
    const value = compileTerm(relation.value, receiverOf(table, column, `value(${column.name})`, type.value), ctx);
    const keyCompare = comparatorFor(type.key);
    const test = comparisonTest(relation.op, comparatorFor(type.value), value);
    return {
      column, indexed: false, describe,
      test: (v, env) => {
        const k = key.evaluate(env);
        if (v === null || k === null || k === UNSET) return false;
        const entry = splitMap(v).find(([ek]) => keyCompare(ek, k) === 0);
        return test(entry === undefined ? null : entry[1], env);
      },
    };
  }
  if (relation.kind !== 'simple') throw invalidRequest(`Unsupported relation on ${column.name}`);
  const type = column.type;
  switch (relation.op) {
    case 'IN': {
      const values = inValuesOf(relation.value, table, column, ctx);
      const compare = comparatorFor(type);
      return { column, indexed: false, describe, test: (v, env) => v !== null && values(env).some((x) => compare(v, x) === 0) };
    }
    case 'CONTAINS': {
      if (type.kind !== 'list' && type.kind !== 'set' && type.kind !== 'map') {
        throw invalidRequest(`Cannot use CONTAINS on non-collection column ${column.name}`);
      }
      const elementType = type.kind === 'map' ? type.value : type.element;
      const term = compileTerm(relation.value, receiverOf(table, column, `value(${column.name})`, elementType), ctx);
      const compare = comparatorFor(elementType);
      return {
        column, indexed: table.indexes.some((i) => [`values(${target})`, target].includes(i.options['target'] ?? '')), describe,
        test: (v, env) => {
          const x = term.evaluate(env);
          if (v === null || x === null || x === UNSET) return false;
          const elements = type.kind === 'map' ? splitMap(v).map(([, val]) => val) : splitCollection(v);
          return elements.some((e) => compare(e, x) === 0);
        },
      };
    }
    case 'CONTAINS KEY': {
      if (type.kind !== 'map') throw invalidRequest(`Cannot use CONTAINS KEY on non-map column ${column.name}`);
      const term = compileTerm(relation.value, receiverOf(table, column, `key(${column.name})`, type.key), ctx);
      const compare = comparatorFor(type.key);
      return {
        column, indexed: table.indexes.some((i) => (i.options['target'] ?? '') === `keys(${target})`), describe,
        test: (v, env) => {
          const x = term.evaluate(env);
          if (v === null || x === null || x === UNSET) return false;
          return splitMap(v).some(([k]) => compare(k, x) === 0);
        },
      };
    }
    case 'IS NOT NULL':
      throw invalidRequest('Unsupported restriction: ' + column.name + ' IS NOT NULL');
    case 'LIKE':
      throw invalidRequest(`LIKE restriction is only supported on properly indexed columns. ${column.name} LIKE is not valid.`);
    default: {
      if (type.kind === 'list' || type.kind === 'set' || type.kind === 'map') {
        if (!('frozen' in type && type.frozen)) {
          throw invalidRequest(`Collection column '${column.name}' (${type.kind}<...>) cannot be restricted by a '${relation.op}' relation`);
        }
      }
      const term = compileTerm(relation.value, receiverOf(table, column), ctx);
      return { column, indexed, describe, test: comparisonTest(relation.op, comparatorFor(type), term) };
    }
  }
}

/** Splits a tuple value into per-column values (multi-column relations). */
function tupleValues(term: CompiledTerm, columns: readonly ColumnMetadata[]): (env: EvalEnv) => Buffer[] {
  return (env) => {
    const v = term.evaluate(env);
    if (v === null || v === UNSET) throw invalidRequest(`Invalid null value in condition for columns (${columns.map((c) => c.name).join(', ')})`);
    const parts = splitTupleLike(v);
    return parts.map((p, i) => {
      if (p === null) throw invalidRequest(`Invalid null value in condition for column ${columns[i]!.name}`);
      return p;
    });
  };
}

export function analyzeWhere(
  table: TableMetadata,
  relations: readonly Relation[],
  ctx: TermContext,
  options: { forModification: boolean },
): WhereAnalysis {
  const pkCount = table.partitionKey.length;
  const partitionKey: Array<ValuesFn | null> = new Array(pkCount).fill(null);
  let partitionKeyIsIn = false;
  let tokenStart: TokenBound | null = null;
  let tokenEnd: TokenBound | null = null;
  const clusteringEq = new Map<number, { fn: (env: EvalEnv) => Buffer[][]; width: number; isIn: boolean }>();
  let slice: { firstColumn: number; width: number; start: ColumnSlice['start']; end: ColumnSlice['end'] } | null = null;
  const filters: RowFilter[] = [];
  let needsFiltering = false;
  let filteringReason: string | null = null;
  const pkFilters: Relation[] = [];
  const markFiltering = (reason: string): void => {
    needsFiltering = true;
    filteringReason ??= reason;
  };

  const column = (name: string): ColumnMetadata => {
    const c = table.columns.find((x) => x.name === name);
    if (c === undefined) throw invalidRequest(`Undefined column name ${name} in table ${table.keyspace}.${table.name}`);
    return c;
  };

  for (const relation of relations) {
    if (relation.kind === 'token') {
      const names = relation.columns;
      const expected = table.partitionKey.map((c) => c.name);
      if (names.length !== expected.length || names.some((n, i) => n !== expected[i])) {
        throw invalidRequest(`The token function arguments must be in the partition key order: ${expected.join(', ')}`);
      }
      const value = relation.value;
      const term = value.kind === 'function' && value.name.toLowerCase() === 'token' && (value.keyspace === null || value.keyspace === 'system')
        ? compileTokenOf(value.args, table, ctx)
        : compileTerm(value, { keyspace: table.keyspace, table: table.name, name: `partition key token`, type: { kind: 'native', name: 'bigint' } }, ctx);
      switch (relation.op) {
        case '>': tokenStart = { term, inclusive: false }; break;
        case '>=': tokenStart = { term, inclusive: true }; break;
        case '<': tokenEnd = { term, inclusive: false }; break;
        case '<=': tokenEnd = { term, inclusive: true }; break;
        case '=':
          tokenStart = { term, inclusive: true };
          tokenEnd = { term, inclusive: true };
          break;
        default:
          throw invalidRequest(`${relation.op} is not supported on the token function`);
      }
      continue;
    }
    if (relation.kind === 'multi') {
      const cols = relation.columns.map(column);
      cols.forEach((c, i) => {
        if (c.kind !== 'clustering') throw invalidRequest(`Multi-column relations can only be applied to clustering columns but was applied to: ${c.name}`);
        if (i > 0 && c.position !== cols[i - 1]!.position + 1) {
          throw invalidRequest(`Clustering columns must appear in the PRIMARY KEY order in multi-column relations: (${relation.columns.join(', ')})`);
        }
      });
      const first = cols[0]!.position;
      const tupleType: CqlType = { kind: 'tuple', elements: cols.map((c) => c.type) };
      const tupleReceiver: Receiver = { keyspace: table.keyspace, table: table.name, name: `(${relation.columns.join(',')})`, type: tupleType };
      if (relation.op === '=') {
        const values = tupleValues(compileTerm(relation.value, tupleReceiver, ctx), cols);
        clusteringEq.set(first, { fn: (env) => [values(env)], width: cols.length, isIn: false });
      } else if (relation.op === 'IN') {
        let fn: (env: EvalEnv) => Buffer[][];
        if (relation.value.kind === 'bind') {
          const listTerm = compileTerm(relation.value, { ...tupleReceiver, name: `in(${relation.columns.join(',')})`, type: { kind: 'list', element: tupleType, frozen: true } }, ctx);
          fn = (env) => {
            const v = listTerm.evaluate(env);
            if (v === null || v === UNSET) throw invalidRequest('Invalid null value for IN restriction');
            return splitCollection(v).map((t) => splitTupleLike(t).map((p) => p ?? Buffer.alloc(0)));
          };
        } else {
          const elements = relation.value.kind === 'list' || relation.value.kind === 'tuple' ? relation.value.elements : [relation.value];
          const terms = elements.map((e) => tupleValues(compileTerm(e, tupleReceiver, ctx), cols));
          fn = (env) => terms.map((t) => t(env));
        }
        clusteringEq.set(first, { fn, width: cols.length, isIn: true });
      } else {
        let values = tupleValues(compileTerm(relation.value, tupleReceiver, ctx), cols);
        const desc = cols[0]!.clusteringOrder === 'desc';
        const isLower = relation.op === '>' || relation.op === '>=';
        let inclusive = relation.op === '>=' || relation.op === '<=';
        if (cols.some((c) => (c.clusteringOrder === 'desc') !== desc)) {
          // Mixed ASC/DESC: not one contiguous range in clustering order. Read the range of the
          // first column (inclusive) and compare the tuple in value order row by row.
          filters.push(tupleSliceFilter(cols, values, relation.op));
          const tuple = values;
          values = (env) => [tuple(env)[0]!];
          inclusive = true;
        }
        const bound = { values, inclusive };
        // A DESC column stores larger values first: a lower bound in value order is an end bound in clustering order.
        const asStart = isLower !== desc;
        slice ??= { firstColumn: first, width: cols.length, start: null, end: null };
        if (slice.firstColumn !== first) throw invalidRequest('Mixing single column relations and multi column relations on clustering columns is not allowed');
        if (asStart) {
          if (slice.start !== null) throw invalidRequest(`More than one restriction was found for the start bound on ${relation.columns.join(', ')}`);
          slice = { ...slice, start: bound };
        } else {
          if (slice.end !== null) throw invalidRequest(`More than one restriction was found for the end bound on ${relation.columns.join(', ')}`);
          slice = { ...slice, end: bound };
        }
      }
      continue;
    }
    const c = column(relation.column);
    if (relation.op === '!=') {
      throw invalidRequest(`Unsupported "!=" relation: ${relation.column} != ${formatTermText(relation.value)}`);
    }
    if (c.kind === 'partition_key' && relation.kind === 'simple') {
      if (relation.op === '=') {
        if (partitionKey[c.position] !== null) throw invalidRequest(`${c.name} cannot be restricted by more than one relation if it includes an Equal`);
        partitionKey[c.position] = valuesOf(compileTerm(relation.value, receiverOf(table, c), ctx), c.name);
        continue;
      }
      if (relation.op === 'IN') {
        partitionKey[c.position] = inValuesOf(relation.value, table, c, ctx);
        partitionKeyIsIn = true;
        continue;
      }
      pkFilters.push(relation);
      filters.push(filterFor(relation, table, c, ctx));
      markFiltering(FILTERING_MESSAGE);
      continue;
    }
    if (c.kind === 'clustering' && relation.kind === 'simple' && ['=', 'IN', '<', '<=', '>', '>='].includes(relation.op)) {
      const receiver = receiverOf(table, c);
      if (relation.op === '=') {
        const values = valuesOf(compileTerm(relation.value, receiver, ctx), c.name);
        clusteringEq.set(c.position, { fn: (env) => [values(env)], width: 1, isIn: false });
      } else if (relation.op === 'IN') {
        const values = inValuesOf(relation.value, table, c, ctx);
        clusteringEq.set(c.position, { fn: (env) => values(env).map((v) => [v]), width: 1, isIn: true });
      } else {
        const term = compileTerm(relation.value, receiver, ctx);
        const values = (env: EvalEnv): Buffer[] => {
          const v = term.evaluate(env);
          if (v === null) throw invalidRequest(`Invalid null value in condition for column ${c.name}`);
          if (v === UNSET) throw invalidRequest(`Invalid unset value for column ${c.name}`);
          return [v];
        };
        const isLower = relation.op === '>' || relation.op === '>=';
        const inclusive = relation.op === '>=' || relation.op === '<=';
        const asStart = isLower !== (c.clusteringOrder === 'desc');
        if (slice !== null && slice.firstColumn !== c.position) {
          // A second sliced column: Cassandra refuses unless filtering.
          filters.push(filterFor(relation, table, c, ctx));
          markFiltering(`Clustering column "${c.name}" cannot be restricted (preceding column "${table.clustering[slice.firstColumn]!.name}" is restricted by a non-EQ relation)`);
          continue;
        }
        slice ??= { firstColumn: c.position, width: 1, start: null, end: null };
        if (asStart) {
          if (slice.start !== null) throw invalidRequest(`More than one restriction was found for the start bound on ${c.name}`);
          slice = { ...slice, start: { values, inclusive } };
        } else {
          if (slice.end !== null) throw invalidRequest(`More than one restriction was found for the end bound on ${c.name}`);
          slice = { ...slice, end: { values, inclusive } };
        }
      }
      continue;
    }
    // Regular/static columns, and key columns used with CONTAINS etc.: evaluated per row.
    if (options.forModification && (c.kind === 'regular' || c.kind === 'static')) {
      throw invalidRequest(`Non PRIMARY KEY columns found in where clause: ${c.name} `.trimEnd());
    }
    const filter = filterFor(relation, table, c, ctx);
    filters.push(filter);
    if (!filter.indexed) markFiltering(FILTERING_MESSAGE);
  }

  // Clustering restrictions must form a prefix: EQ/IN on columns 0..k-1, then at most one slice.
  let prefixLength = 0;
  const prefix: Array<(env: EvalEnv) => Buffer[][]> = [];
  let clusteringIsIn = false;
  const clusteringEqPositions = new Set<number>();
  while (clusteringEq.has(prefixLength)) {
    const eq = clusteringEq.get(prefixLength)!;
    if (!eq.isIn) for (let i = 0; i < eq.width; i++) clusteringEqPositions.add(prefixLength + i);
    prefix.push(eq.fn);
    clusteringIsIn ||= eq.isIn;
    clusteringEq.delete(prefixLength);
    prefixLength += eq.width;
  }
  let clusteringSlice: ColumnSlice | null = null;
  if (slice !== null) {
    if (slice.firstColumn === prefixLength) {
      clusteringSlice = { firstColumn: slice.firstColumn, start: slice.start, end: slice.end };
    } else {
      const sliced = table.clustering[slice.firstColumn]!;
      const missing = table.clustering[prefixLength]!;
      for (let i = slice.firstColumn; i < slice.firstColumn + slice.width; i++) {
        const col = table.clustering[i]!;
        filters.push(sliceFilter(col, slice, i - slice.firstColumn));
      }
      markFiltering(`PRIMARY KEY column "${sliced.name}" cannot be restricted as preceding column "${missing.name}" is not restricted`);
    }
  }
  for (const [position, eq] of clusteringEq) {
    const col = table.clustering[position]!;
    const missing = table.clustering[prefixLength]!;
    for (let i = 0; i < eq.width; i++) filters.push(eqFilter(table.clustering[position + i]!, eq.fn, i));
    markFiltering(
      clusteringSlice !== null && position > clusteringSlice.firstColumn
        ? `Clustering column "${col.name}" cannot be restricted (preceding column "${table.clustering[clusteringSlice.firstColumn]!.name}" is restricted by a non-EQ relation)`
        : `PRIMARY KEY column "${col.name}" cannot be restricted as preceding column "${missing.name}" is not restricted`,
    );
  }

  const restrictedPk = partitionKey.filter((p) => p !== null).length;
  if (restrictedPk > 0 && restrictedPk < pkCount) {
    // A partial partition key is evaluated per row.
    partitionKey.forEach((fn, i) => {
      if (fn === null) return;
      const col = table.partitionKey[i]!;
      filters.push(eqListFilter(col, fn));
    });
    markFiltering(FILTERING_MESSAGE);
    partitionKey.fill(null);
  }
  if ((tokenStart !== null || tokenEnd !== null) && restrictedPk === pkCount) {
    throw invalidRequest('Columns "' + table.partitionKey.map((c) => c.name).join(', ') + '" cannot be restricted by both a normal relation and a token relation');
  }
  void pkFilters;
  return {
    partitionKey,
    partitionKeyIsIn,
    tokenStart,
    tokenEnd,
    clusteringPrefix: prefix,
    clusteringPrefixLength: prefixLength,
    clusteringIsIn,
    clusteringEqPositions,
    clusteringSlice,
    filters,
    needsFiltering,
    filteringReason,
  };
}

/** `token(v1, v2)` on the right of a token relation: the token of those partition key values. */
function compileTokenOf(args: readonly Term[], table: TableMetadata, ctx: TermContext): CompiledTerm {
  if (args.length !== table.partitionKey.length) {
    throw invalidRequest(`Invalid number of arguments in call to function system.token: ${table.partitionKey.length} required but ${args.length} provided`);
  }
  const parts = args.map((a, i) => compileTerm(a, receiverOf(table, table.partitionKey[i]!), ctx));
  const type: CqlType = { kind: 'native', name: 'bigint' };
  const tokenOf = (values: TermValue[]): TermValue => {
    if (values.some((v) => v === null || v === UNSET)) return null;
    const out = Buffer.allocUnsafe(8);
    out.writeBigInt64BE(murmur3Token(serializePartitionKey(values as Buffer[])), 0);
    return out;
  };
  if (parts.every((p) => p.constant !== undefined)) {
    const value = tokenOf(parts.map((p) => p.constant!));
    return { constant: value, type, evaluate: () => value };
  }
  return { constant: undefined, type, evaluate: (env) => tokenOf(parts.map((p) => p.evaluate(env))) };
}

/** `(c1, c2) op (v1, v2)` compared in value order (lexicographically, each column by its type). */
function tupleSliceFilter(columns: readonly ColumnMetadata[], values: (env: EvalEnv) => Buffer[], op: RelationOp): RowFilter {
  const compares = columns.map((c) => comparatorFor(c.type));
  const test = (actual: ReadonlyArray<Buffer | null>, env: EvalEnv): boolean => {
    const expected = values(env);
    let c = 0;
    for (let i = 0; i < columns.length && c === 0; i++) {
      const a = actual[i];
      if (a === null || a === undefined) return false;
      c = compares[i]!(a, expected[i]!);
    }
    switch (op) {
      case '>': return c > 0;
      case '>=': return c >= 0;
      case '<': return c < 0;
      case '<=': return c <= 0;
      default: return false;
    }
  };
  return { column: columns[0]!, indexed: false, describe: `(${columns.map((c) => c.name).join(', ')}) ${op}`, test: () => true, tuple: { columns, test } };
}

function eqListFilter(column: ColumnMetadata, fn: ValuesFn): RowFilter {
  const compare = comparatorFor(column.type);
  return { column, indexed: false, describe: `${column.name} =`, test: (v, env) => v !== null && fn(env).some((x) => compare(v, x) === 0) };
}

function eqFilter(column: ColumnMetadata, fn: (env: EvalEnv) => Buffer[][], offset: number): RowFilter {
  const compare = comparatorFor(column.type);
  return {
    column, indexed: false, describe: `${column.name} =`,
    test: (v, env) => v !== null && fn(env).some((tuple) => compare(v, tuple[offset]!) === 0),
  };
}

function sliceFilter(column: ColumnMetadata, slice: { start: ColumnSlice['start']; end: ColumnSlice['end'] }, offset: number): RowFilter {
  const compare = comparatorFor(column.type);
  const desc = column.clusteringOrder === 'desc';
  return {
    column, indexed: false, describe: `${column.name} slice`,
    test: (v, env) => {
      if (v === null) return false;
      // Bounds are in clustering order; turn them back into value order for a single column.
      const lower = desc ? slice.end : slice.start;
      const upper = desc ? slice.start : slice.end;
      if (lower !== null) {
        const c = compare(v, lower.values(env)[offset]!);
        if (c < 0 || (c === 0 && !lower.inclusive)) return false;
      }
      if (upper !== null) {
        const c = compare(v, upper.values(env)[offset]!);
        if (c > 0 || (c === 0 && !upper.inclusive)) return false;
      }
      return true;
    },
  };
}

/** Every combination of per-column candidate values (IN cartesian product), bounded. */
export function cartesian(columns: ReadonlyArray<Buffer[]>, limit: number): Buffer[][] {
  let out: Buffer[][] = [[]];
  for (const values of columns) {
    const next: Buffer[][] = [];
    for (const prefix of out) for (const v of values) next.push([...prefix, v]);
    out = next;
    if (out.length > limit) {
      throw invalidRequest(`Invalid restriction: the cartesian product of IN values would produce ${out.length} keys, more than the limit of ${limit}`);
    }
  }
  return out;
}

export interface PartitionTarget {
  readonly key: Buffer;
  readonly token: bigint;
  /** Per partition-key column value. */
  readonly components: readonly Buffer[];
}

/** The partitions named by EQ/IN restrictions on every partition-key column. */
export function partitionTargets(table: TableMetadata, where: WhereAnalysis, env: EvalEnv, limit: number): PartitionTarget[] {
  const perColumn = where.partitionKey.map((fn, i) => {
    if (fn === null) throw invalidRequest(`Some partition key parts are missing: ${table.partitionKey[i]!.name}`);
    return fn(env);
  });
  return cartesian(perColumn, limit).map((components) => {
    const key = serializePartitionKey(components);
    return { key, token: murmur3Token(key), components };
  });
}

/**
 * The one partition named by EQ restrictions on every partition-key column (the caller checked
 * that none is IN): partitionTargets without its cartesian product, same values and errors.
 */
export function singlePartitionTarget(table: TableMetadata, where: WhereAnalysis, env: EvalEnv): PartitionTarget {
  const fns = where.partitionKey;
  const components: Buffer[] = new Array<Buffer>(fns.length);
  for (let i = 0; i < fns.length; i++) {
    const fn = fns[i];
    if (fn === null || fn === undefined) throw invalidRequest(`Some partition key parts are missing: ${table.partitionKey[i]!.name}`);
    const values = fn(env);
    if (values.length !== 1) throw invalidRequest(`Expected one value for partition key column ${table.partitionKey[i]!.name}, got ${values.length}`);
    components[i] = values[0]!;
  }
  const key = serializePartitionKey(components);
  return { key, token: murmur3Token(key), components };
}

/** Clustering prefixes named by EQ/IN restrictions (one empty prefix when there are none). */
export function clusteringPrefixes(where: WhereAnalysis, env: EvalEnv, limit: number): Buffer[][] {
  let out: Buffer[][] = [[]];
  for (const fn of where.clusteringPrefix) {
    const next: Buffer[][] = [];
    for (const p of out) for (const tuple of fn(env)) next.push([...p, ...tuple]);
    out = next;
    if (out.length > limit) {
      throw invalidRequest(`Invalid restriction: the cartesian product of IN values would produce ${out.length} clusterings, more than the limit of ${limit}`);
    }
  }
  return out;
}

const BOTTOM: ClusteringBound = { values: [], inclusive: true };

/** The storage slices selected by the clustering restrictions, in clustering order. */
export function clusteringSlices(where: WhereAnalysis, env: EvalEnv, limit: number, compare: (a: readonly Buffer[], b: readonly Buffer[]) => number): Slice[] {
  const prefixes = clusteringPrefixes(where, env, limit);
  const s = where.clusteringSlice;
  const slices: Slice[] = prefixes.map((prefix) => {
    if (s === null) {
      return prefix.length === 0 ? { start: BOTTOM, end: BOTTOM } : { start: { values: prefix, inclusive: true }, end: { values: prefix, inclusive: true } };
    }
    const start: ClusteringBound = s.start === null ? { values: prefix, inclusive: true } : { values: [...prefix, ...s.start.values(env)], inclusive: s.start.inclusive };
    const end: ClusteringBound = s.end === null ? { values: prefix, inclusive: true } : { values: [...prefix, ...s.end.values(env)], inclusive: s.end.inclusive };
    return { start, end };
  });
  slices.sort((a, b) => compare(a.start.values, b.start.values));
  return slices;
}

/** Token bounds of a token() restriction as [start, end] with inclusivity. */
export function tokenBounds(where: WhereAnalysis, env: EvalEnv): { start: bigint; startInclusive: boolean; end: bigint; endInclusive: boolean } {
  const read = (b: TokenBound | null, fallback: bigint): bigint => {
    if (b === null) return fallback;
    const v = b.term.evaluate(env);
    if (v === null || v === UNSET) throw invalidRequest('Invalid null token value');
    return v.readBigInt64BE(0);
  };
  return {
    start: read(where.tokenStart, TOKEN_MIN),
    startInclusive: where.tokenStart?.inclusive ?? true,
    end: read(where.tokenEnd, TOKEN_MAX),
    endInclusive: where.tokenEnd?.inclusive ?? true,
  };
}

export type { TermValue };
