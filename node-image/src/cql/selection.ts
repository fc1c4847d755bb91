// The SELECT clause: compiles selectors (columns, WRITETIME/TTL, functions, casts, element and
// field access, token(), aggregates) into evaluators over one result row's context, and the
// column specs of the result metadata.
import { invalidRequest, murmur3Token } from '../lib/index.ts';
import type { ColumnMetadata, CqlType, TableMetadata } from '../schema/index.ts';
import { codecFor, comparatorFor, formatType } from '../schema/index.ts';
import type { Row } from '../storage/index.ts';
import type { SelectClause, Selector } from './ast.ts';
import type { AggregateFunction, AggregateState, FunctionEnv, ScalarFunction } from './functions/function-types.ts';
import { isAggregateName, nativeAggregate, nativeScalarOverloads } from './functions/native-functions.ts';
import { columnValue, simpleCellOf } from './row-values.ts';
import type { ColumnSpec } from './service.ts';
import { UNSET } from './service.ts';
import type { EvalEnv, TermContext } from './terms.ts';
import { compileTerm, serializeCollection, serializeMap, splitCollection, splitMap, splitTupleLike } from './terms.ts';
import { resolveType } from './type-resolver.ts';

/** Everything a selector may look at for one result row. */
export interface RowContext {
  readonly partitionKey: readonly Buffer[];
  readonly partitionKeyBytes: Buffer;
  /** Null for a partition that only has static data. */
  readonly clustering: readonly Buffer[] | null;
  readonly row: Row | null;
  readonly staticRow: Row | null;
  readonly nowSeconds: number;
}

export interface CompiledSelector {
  readonly name: string;
  readonly type: CqlType;
  readonly isAggregate: boolean;
  /** Scalar evaluation (not for aggregates). */
  evaluate(ctx: RowContext, env: EvalEnv): Buffer | null;
  /** Aggregates (and selectors containing them): a fresh accumulator. */
  newAccumulator(): Accumulator;
}

export interface Accumulator {
  add(ctx: RowContext, env: EvalEnv): void;
  result(env: EvalEnv): Buffer | null;
}

export interface Selection {
  readonly selectors: readonly CompiledSelector[];
  readonly columns: readonly ColumnSpec[];
  readonly isAggregate: boolean;
  /** Columns that must be fetched from storage ('all' when unknown). */
  readonly fetchedColumns: readonly string[] | 'all';
  /** Whether any selector reads a clustering or regular column (static-only partitions then still yield a row). */
  readonly columnsRead: ReadonlySet<string>;
}

function columnOf(table: TableMetadata, name: string): ColumnMetadata {
  const c = table.columns.find((x) => x.name === name);
  if (c === undefined) throw invalidRequest(`Undefined column name ${name} in selection clause`);
  return c;
}

export function readColumn(ctx: RowContext, column: ColumnMetadata): Buffer | null {
  switch (column.kind) {
    case 'partition_key':
      return ctx.partitionKey[column.position] ?? null;
    case 'clustering':
      return ctx.clustering === null ? null : (ctx.clustering[column.position] ?? null);
    case 'static':
      return ctx.staticRow === null ? null : columnValue(ctx.staticRow, column);
    case 'regular':
      return ctx.row === null ? null : columnValue(ctx.row, column);
  }
}

function scalarSelector(name: string, type: CqlType, evaluate: (ctx: RowContext, env: EvalEnv) => Buffer | null): CompiledSelector {
  return {
    name, type, isAggregate: false, evaluate,
    newAccumulator(): Accumulator {
      // A scalar in an aggregate query takes its value from the first row (Cassandra semantics).
      let first: RowContext | null = null;
      return {
        add(ctx) {
          first ??= ctx;
        },
        result(env) {
          return first === null ? null : evaluate(first, env);
        },
      };
    },
  };
}

function formatSelectorName(s: Selector): string {
  switch (s.kind) {
    case 'column': return s.name;
    case 'writetime': return `writetime(${s.column})`;
    case 'maxwritetime': return `maxwritetime(${s.column})`;
    case 'ttl': return `ttl(${s.column})`;
    case 'countStar': return 'count';
    case 'function': {
      const lower = s.name.toLowerCase();
      const prefix = isAggregateName(lower) || lower === 'token' ? 'system.' : 'system.';
      return `${prefix}${lower}(${s.args.map(formatSelectorName).join(', ')})`;
    }
    case 'cast': return `cast(${formatSelectorName(s.selector)} as ${JSON.stringify(s.type).includes('"name"') ? '' : ''}${castTypeName(s)})`;
    case 'field': return `${formatSelectorName(s.selector)}.${s.field}`;
    case 'element': return `${formatSelectorName(s.selector)}[?]`;
    case 'slice': return `${formatSelectorName(s.selector)}[?..?]`;
    case 'term': return '[term]';
  }
}

function castTypeName(s: Extract<Selector, { kind: 'cast' }>): string {
  return s.type.kind === 'native' ? s.type.name : 'type';
}

const CASTABLE_NUMERIC = new Set(['tinyint', 'smallint', 'int', 'bigint', 'varint', 'decimal', 'float', 'double', 'counter']);

function castValue(from: CqlType, to: CqlType, bytes: Buffer): Buffer | null {
  if (from.kind !== 'native' || to.kind !== 'native') throw invalidRequest(`Cannot cast ${formatType(from)} to ${formatType(to)}`);
  const fromCodec = codecFor(from);
  const toCodec = codecFor(to);
  if (to.name === 'text' || to.name === 'ascii') return Buffer.from(fromCodec.format(bytes), 'utf8');
  const js = fromCodec.deserialize(bytes);
  if (CASTABLE_NUMERIC.has(from.name) && CASTABLE_NUMERIC.has(to.name)) {
    let numeric: number | bigint;
    if (typeof js === 'object' && js !== null && 'unscaled' in (js as object)) {
      const d = js as { unscaled: bigint; scale: number };
      numeric = Number(d.unscaled) / 10 ** d.scale;
    } else numeric = js as number | bigint;
    switch (to.name) {
      case 'tinyint': return toCodec.serialize(Number(BigInt.asIntN(8, BigInt(Math.trunc(Number(numeric))))));
      case 'smallint': return toCodec.serialize(Number(BigInt.asIntN(16, BigInt(Math.trunc(Number(numeric))))));
      case 'int': return toCodec.serialize(Number(BigInt.asIntN(32, BigInt(Math.trunc(Number(numeric))))));
      case 'bigint': case 'counter': return toCodec.serialize(BigInt.asIntN(64, typeof numeric === 'bigint' ? numeric : BigInt(Math.trunc(numeric))));
      case 'varint': return toCodec.serialize(typeof numeric === 'bigint' ? numeric : BigInt(Math.trunc(numeric)));
      case 'float': case 'double': return toCodec.serialize(Number(numeric));
      case 'decimal': return toCodec.fromString(String(numeric));
    }
  }
  if (from.name === 'timestamp' && to.name === 'date') return toCodec.serialize(Math.floor((js as number) / 86_400_000));
  if (from.name === 'date' && to.name === 'timestamp') return toCodec.serialize((js as number) * 86_400_000);
  if (from.name === 'timeuuid' && (to.name === 'timestamp' || to.name === 'date')) {
    const fns = nativeScalarOverloads(to.name === 'timestamp' ? 'totimestamp' : 'todate');
    const fn = fns.find((f) => f.argumentTypes[0]!.kind === 'native' && (f.argumentTypes[0] as { name: string }).name === 'timeuuid');
    return fn === undefined ? null : fn.execute([bytes], NO_ENV);
  }
  if (from.name === to.name) return bytes;
  throw invalidRequest(`Cannot cast ${formatType(from)} to ${formatType(to)}`);
}

const NO_ENV: FunctionEnv = {
  nowMs: 0,
  get timeuuids(): never { throw new Error('unexpected'); },
  get random(): never { throw new Error('unexpected'); },
};

export function compileSelector(s: Selector, table: TableMetadata, ctx: TermContext): CompiledSelector {
  const name = formatSelectorName(s);
  switch (s.kind) {
    case 'column': {
      const column = columnOf(table, s.name);
      return scalarSelector(column.name, column.type, (rc) => readColumn(rc, column));
    }
    case 'writetime':
    case 'maxwritetime':
    case 'ttl': {
      const column = columnOf(table, s.column);
      if (column.kind === 'partition_key' || column.kind === 'clustering') {
        throw invalidRequest(`Cannot use selection function ${s.kind === 'ttl' ? 'ttl' : 'writeTime'} on PRIMARY KEY part ${column.name}`);
      }
      const multi = (column.type.kind === 'list' || column.type.kind === 'set' || column.type.kind === 'map' || column.type.kind === 'udt') &&
        'frozen' in column.type && !column.type.frozen;
      if (multi && s.kind !== 'maxwritetime') {
        throw invalidRequest(`Cannot use selection function ${s.kind === 'ttl' ? 'ttl' : 'writeTime'} on non-frozen ${column.type.kind === 'udt' ? 'UDT' : 'collection'} ${column.name}`);
      }
      const type: CqlType = { kind: 'native', name: s.kind === 'ttl' ? 'int' : 'bigint' };
      return scalarSelector(name, type, (rc) => {
        const row = column.kind === 'static' ? rc.staticRow : rc.row;
        if (row === null) return null;
        const cell = simpleCellOf(row, column.name);
        if (cell === null || cell.tombstone) return null;
        if (s.kind === 'ttl') {
          if (cell.ttlSeconds === 0) return null;
          const out = Buffer.allocUnsafe(4);
          out.writeInt32BE(Math.max(0, cell.localDeletionTimeSeconds - rc.nowSeconds), 0);
          return out;
        }
        const out = Buffer.allocUnsafe(8);
        out.writeBigInt64BE(BigInt(cell.timestampMicros), 0);
        return out;
      });
    }
    case 'countStar': {
      const type: CqlType = { kind: 'native', name: 'bigint' };
      return {
        name: 'count', type, isAggregate: true,
        evaluate: () => {
          throw invalidRequest('count(*) is an aggregate');
        },
        newAccumulator(): Accumulator {
          let n = 0n;
          return {
            add() {
              n++;
            },
            result() {
              const b = Buffer.allocUnsafe(8);
              b.writeBigInt64BE(n, 0);
              return b;
            },
          };
        },
      };
    }
    case 'function':
      return compileFunctionSelector(s, name, table, ctx);
    case 'cast': {
      const inner = compileSelector(s.selector, table, ctx);
      const to = resolveType(s.type, ctx.scope);
      return mapSelector(inner, `cast(${inner.name} as ${formatType(to)})`, to, (v) => (v === null ? null : castValue(inner.type, to, v)));
    }
    case 'field': {
      const inner = compileSelector(s.selector, table, ctx);
      const type = inner.type;
      if (type.kind !== 'udt') throw invalidRequest(`Invalid field selection: ${inner.name} of type ${formatType(type)} is not a user type`);
      const index = type.fieldNames.indexOf(s.field);
      if (index < 0) throw invalidRequest(`${inner.name} of type ${formatType(type)} has no field ${s.field}`);
      return mapSelector(inner, `${inner.name}.${s.field}`, type.fieldTypes[index]!, (v) => (v === null ? null : (splitTupleLike(v)[index] ?? null)));
    }
    case 'element': {
      const inner = compileSelector(s.selector, table, ctx);
      const type = inner.type;
      if (type.kind === 'map') {
        const key = compileTerm(s.key, { keyspace: table.keyspace, table: table.name, name: `key(${inner.name})`, type: type.key }, ctx);
        const compare = comparatorFor(type.key);
        return mapSelectorEnv(inner, `${inner.name}[?]`, type.value, (v, env) => {
          const k = key.evaluate(env);
          if (v === null || k === null || k === UNSET) return null;
          return splitMap(v).find(([ek]) => compare(ek, k) === 0)?.[1] ?? null;
        });
      }
      if (type.kind === 'set') {
        const key = compileTerm(s.key, { keyspace: table.keyspace, table: table.name, name: `value(${inner.name})`, type: type.element }, ctx);
        const compare = comparatorFor(type.element);
        return mapSelectorEnv(inner, `${inner.name}[?]`, type.element, (v, env) => {
          const k = key.evaluate(env);
          if (v === null || k === null || k === UNSET) return null;
          return splitCollection(v).find((e) => compare(e, k) === 0) ?? null;
        });
      }
      if (type.kind === 'list') {
        throw invalidRequest(`Element selection is only allowed on sets and maps, but ${inner.name} is a list`);
      }
      throw invalidRequest(`Invalid element selection: ${inner.name} is of type ${formatType(type)} is not a collection`);
    }
    case 'slice': {
      const inner = compileSelector(s.selector, table, ctx);
      const type = inner.type;
      if (type.kind !== 'map' && type.kind !== 'set') throw invalidRequest(`Slice selection is only allowed on sets and maps, but ${inner.name} is of type ${formatType(type)}`);
      const keyType = type.kind === 'map' ? type.key : type.element;
      const recv = { keyspace: table.keyspace, table: table.name, name: `key(${inner.name})`, type: keyType };
      const from = s.from === null ? null : compileTerm(s.from, recv, ctx);
      const to = s.to === null ? null : compileTerm(s.to, recv, ctx);
      const compare = comparatorFor(keyType);
      return mapSelectorEnv(inner, `${inner.name}[?..?]`, type, (v, env) => {
        if (v === null) return null;
        const lo = from?.evaluate(env) ?? null;
        const hi = to?.evaluate(env) ?? null;
        const inRange = (k: Buffer): boolean =>
          (lo === null || lo === UNSET || compare(k, lo) >= 0) && (hi === null || hi === UNSET || compare(k, hi) <= 0);
        if (type.kind === 'map') return serializeMap(keyType, splitMap(v).filter(([k]) => inRange(k)));
        return serializeCollection('set', keyType, splitCollection(v).filter(inRange));
      });
    }
    case 'term':
      throw invalidRequest('Terms are not supported as selectors without a type hint; use a cast');
  }
}

function mapSelector(inner: CompiledSelector, name: string, type: CqlType, f: (v: Buffer | null) => Buffer | null): CompiledSelector {
  return mapSelectorEnv(inner, name, type, (v) => f(v));
}

function mapSelectorEnv(inner: CompiledSelector, name: string, type: CqlType, f: (v: Buffer | null, env: EvalEnv) => Buffer | null): CompiledSelector {
  return {
    name, type, isAggregate: inner.isAggregate,
    evaluate: (rc, env) => f(inner.evaluate(rc, env), env),
    newAccumulator(): Accumulator {
      const acc = inner.newAccumulator();
      return { add: (rc, env) => acc.add(rc, env), result: (env) => f(acc.result(env), env) };
    },
  };
}

function compileFunctionSelector(s: Extract<Selector, { kind: 'function' }>, name: string, table: TableMetadata, ctx: TermContext): CompiledSelector {
  const lower = s.name.toLowerCase();
  if (lower === 'token') {
    const expected = table.partitionKey.map((c) => c.name);
    const given = s.args.map((a) => (a.kind === 'column' ? a.name : '?'));
    if (given.length !== expected.length || given.some((g, i) => g !== expected[i])) {
      throw invalidRequest(`Invalid number of arguments in call to function system.token: ${expected.length} required but ${given.length} provided`);
    }
    return scalarSelector(`system.token(${expected.join(', ')})`, { kind: 'native', name: 'bigint' }, (rc) => {
      const out = Buffer.allocUnsafe(8);
      out.writeBigInt64BE(murmur3Token(rc.partitionKeyBytes), 0);
      return out;
    });
  }
  const args = s.args.map((a) => compileSelector(a, table, ctx));
  if (lower === 'tojson') {
    if (args.length !== 1) throw invalidRequest('toJson() accepts only one argument');
    const arg = args[0]!;
    const codec = codecFor(arg.type);
    return mapSelector(arg, `system.tojson(${arg.name})`, { kind: 'native', name: 'text' }, (v) => Buffer.from(v === null ? 'null' : codec.toJson(v), 'utf8'));
  }
  if (isAggregateName(lower) && !(lower === 'count' && args.length === 0)) {
    const fn = nativeAggregate(lower, args.map((a) => a.type));
    if (fn !== null) return aggregateSelector(fn, args, `system.${lower}(${args.map((a) => a.name).join(', ')})`);
  }
  const overloads = nativeScalarOverloads(lower);
  if (overloads.length === 0) throw invalidRequest(`Unknown function '${s.name}'`);
  const fn = overloads.find((f) => f.argumentTypes.length === args.length && f.argumentTypes.every((t, i) => sameType(t, args[i]!.type)));
  if (fn === undefined) {
    throw invalidRequest(`Type error: ${args.map((a) => a.name).join(', ')} cannot be passed as argument of function system.${lower} of type ${overloads.map((o) => o.argumentTypes.map(formatType).join(', ')).join(' | ')}`);
  }
  return scalarFunctionSelector(fn, args, name);
}

function sameType(a: CqlType, b: CqlType): boolean {
  return formatType(a) === formatType(b) || (a.kind === 'native' && b.kind === 'native' && a.name === 'text' && b.name === 'ascii');
}

function scalarFunctionSelector(fn: ScalarFunction, args: readonly CompiledSelector[], name: string): CompiledSelector {
  const run = (values: Array<Buffer | null>, env: EvalEnv): Buffer | null => {
    if (!fn.calledOnNullInput && values.some((v) => v === null)) return null;
    return fn.execute(values, env);
  };
  const isAggregate = args.some((a) => a.isAggregate);
  return {
    name, type: fn.returnType, isAggregate,
    evaluate: (rc, env) => run(args.map((a) => a.evaluate(rc, env)), env),
    newAccumulator(): Accumulator {
      const accs = args.map((a) => a.newAccumulator());
      return {
        add: (rc, env) => accs.forEach((a) => a.add(rc, env)),
        result: (env) => run(accs.map((a) => a.result(env)), env),
      };
    },
  };
}

function aggregateSelector(fn: AggregateFunction, args: readonly CompiledSelector[], name: string): CompiledSelector {
  return {
    name, type: fn.returnType, isAggregate: true,
    evaluate: () => {
      throw invalidRequest(`${name} is an aggregate`);
    },
    newAccumulator(): Accumulator {
      const state: AggregateState = fn.newState();
      return {
        add: (rc, env) => state.add(args.map((a) => a.evaluate(rc, env))),
        result: () => state.result(),
      };
    },
  };
}

function collectColumns(s: Selector, table: TableMetadata, out: Set<string>): void {
  switch (s.kind) {
    case 'column': out.add(s.name); return;
    case 'writetime': case 'maxwritetime': case 'ttl': out.add(s.column); return;
    case 'function': s.args.forEach((a) => collectColumns(a, table, out)); return;
    case 'cast': case 'field': case 'element': case 'slice': collectColumns(s.selector, table, out); return;
    case 'countStar': case 'term': return;
  }
}

export function compileSelection(clauses: readonly SelectClause[] | null, table: TableMetadata, ctx: TermContext, starColumns: readonly ColumnMetadata[]): Selection {
  const effective: SelectClause[] = clauses === null
    ? starColumns.map((c) => ({ selector: { kind: 'column', name: c.name }, alias: null }))
    : [...clauses];
  const selectors = effective.map((c) => {
    const compiled = compileSelector(c.selector, table, ctx);
    return c.alias === null ? compiled : { ...compiled, name: c.alias };
  });
  const isAggregate = selectors.some((s) => s.isAggregate);
  const columnsRead = new Set<string>();
  for (const c of effective) collectColumns(c.selector, table, columnsRead);
  const fetched = clauses === null ? 'all' : [...columnsRead].filter((n) => {
    const c = table.columns.find((x) => x.name === n);
    return c !== undefined && (c.kind === 'regular' || c.kind === 'static');
  });
  return {
    selectors,
    columns: selectors.map((s) => ({ keyspace: table.keyspace, table: table.name, name: s.name, type: s.type })),
    isAggregate,
    fetchedColumns: fetched,
    columnsRead,
  };
}
