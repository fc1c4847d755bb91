// The SELECT clause: compiles selectors (columns, WRITETIME/TTL, functions, casts, element and
// field access, token(), aggregates) into evaluators over one result row's context, and the
// column specs of the result metadata.
import { invalidRequest, murmur3Token } from '../lib/index.ts';
import type { ColumnMetadata, CqlType, TableMetadata } from '../schema/index.ts';
import { codecFor, comparatorFor, formatType, serializePartitionKey } from '../schema/index.ts';
import type { Row } from '../storage/index.ts';
import type { SelectClause, Selector, Term } from './ast.ts';
import type { AggregateFunction, AggregateState, FunctionEnv, ScalarFunction } from './functions/function-types.ts';
import { isAggregateName, nativeAggregate, nativeScalarOverloads } from './functions/native-functions.ts';
import { columnValue, simpleCellOf } from './row-values.ts';
import type { ColumnSpec } from './service.ts';
import { UNSET } from './service.ts';
import type { EvalEnv, TermContext } from './terms.ts';
import { compileTerm, serializeCollection, serializeMap, splitCollection, splitMap, splitTupleLike } from './terms.ts';
import { formatTermText } from './term-text.ts';
import { resolveType, typeExprToString } from './type-resolver.ts';

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
  if (c === undefined) throw invalidRequest(`Undefined column name ${name} in table ${table.keyspace}.${table.name}`);
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

const OPERATOR_SYMBOLS: Readonly<Record<string, string>> = {
  _add: '+', _substract: '-', _multiply: '*', _divide: '/', _modulo: '%',
};

/** The result column name Cassandra gives a selector (Selectable.toString). */
export function formatSelectorName(s: Selector): string {
  switch (s.kind) {
    case 'column': return s.name;
    case 'writetime': return `writetime(${s.column})`;
    case 'maxwritetime': return `maxwritetime(${s.column})`;
    case 'ttl': return `ttl(${s.column})`;
    case 'countStar': return 'count';
    case 'function': {
      const lower = s.name.toLowerCase();
      const symbol = OPERATOR_SYMBOLS[lower];
      if (symbol !== undefined && s.args.length === 2) return `${formatSelectorName(s.args[0]!)} ${symbol} ${formatSelectorName(s.args[1]!)}`;
      if (lower === '_negate' && s.args.length === 1) return `-${formatSelectorName(s.args[0]!)}`;
      return `system.${lower}(${s.args.map(formatSelectorName).join(', ')})`;
    }
    case 'cast': return `cast(${formatSelectorName(s.selector)} as ${typeExprToString(s.type).toLowerCase()})`;
    case 'field': return `${formatSelectorName(s.selector)}.${s.field}`;
    case 'element': return `${formatSelectorName(s.selector)}[${formatTermText(s.key)}]`;
    case 'slice': {
      const from = s.from === null ? '' : formatTermText(s.from);
      const to = s.to === null ? '' : formatTermText(s.to);
      return `${formatSelectorName(s.selector)}[${from}..${to}]`;
    }
    case 'term': return formatTermText(s.term);
  }
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

/**
 * Compiles one selector. `expected` is the type a literal term selector takes (a function's
 * argument type, the other operand of an operator); without it the literal's own kind decides.
 */
export function compileSelector(s: Selector, table: TableMetadata, ctx: TermContext, expected: CqlType | null = null): CompiledSelector {
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
      return mapSelector(inner, name, to, (v) => (v === null ? null : castValue(inner.type, to, v)));
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
        return mapSelectorEnv(inner, name, type.value, (v, env) => {
          const k = key.evaluate(env);
          if (v === null || k === null || k === UNSET) return null;
          return splitMap(v).find(([ek]) => compare(ek, k) === 0)?.[1] ?? null;
        });
      }
      if (type.kind === 'set') {
        const key = compileTerm(s.key, { keyspace: table.keyspace, table: table.name, name: `value(${inner.name})`, type: type.element }, ctx);
        const compare = comparatorFor(type.element);
        return mapSelectorEnv(inner, name, type.element, (v, env) => {
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
      return mapSelectorEnv(inner, name, type, (v, env) => {
        if (v === null) return null;
        const lo = from?.evaluate(env) ?? null;
        const hi = to?.evaluate(env) ?? null;
        const inRange = (k: Buffer): boolean =>
          (lo === null || lo === UNSET || compare(k, lo) >= 0) && (hi === null || hi === UNSET || compare(k, hi) <= 0);
        if (type.kind === 'map') return serializeMap(keyType, splitMap(v).filter(([k]) => inRange(k)));
        return serializeCollection('set', keyType, splitCollection(v).filter(inRange));
      });
    }
    case 'term': {
      const type = expected ?? inferTermType(s.term, ctx);
      if (type === null) throw invalidRequest(`Cannot infer type for term ${name} in selection clause (try using a cast to force a type)`);
      const term = compileTerm(s.term, { keyspace: table.keyspace, table: table.name, name, type }, ctx);
      return scalarSelector(name, type, (_rc, env) => {
        const v = term.evaluate(env);
        return v === UNSET ? null : v;
      });
    }
  }
}

/** The type of a literal selector without context (Cassandra's exact type of a constant). */
function inferTermType(term: Term, ctx: TermContext): CqlType | null {
  switch (term.kind) {
    case 'constant':
      switch (term.type) {
        case 'string': return { kind: 'native', name: 'text' };
        case 'integer': return { kind: 'native', name: 'int' };
        case 'float': case 'nan': case 'infinity': return { kind: 'native', name: 'double' };
        case 'boolean': return { kind: 'native', name: 'boolean' };
        case 'uuid': return { kind: 'native', name: 'uuid' };
        case 'hex': return { kind: 'native', name: 'blob' };
        case 'duration': return { kind: 'native', name: 'duration' };
      }
      return null;
    case 'cast': return resolveType(term.type, ctx.scope);
    default: return null;
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
    // Cassandra's token() takes one argument per partition key column, of those columns' types,
    // and hashes the values as a partition key (usually the key columns themselves).
    const keyTypes = table.partitionKey.map((c) => c.type);
    if (s.args.length !== keyTypes.length) {
      throw invalidRequest(`Invalid number of arguments in call to function system.token: ${keyTypes.length} required but ${s.args.length} provided`);
    }
    const isKey = s.args.every((a, i) => a.kind === 'column' && a.name === table.partitionKey[i]!.name);
    if (isKey) {
      return scalarSelector(name, { kind: 'native', name: 'bigint' }, (rc) => {
        const out = Buffer.allocUnsafe(8);
        out.writeBigInt64BE(murmur3Token(rc.partitionKeyBytes), 0);
        return out;
      });
    }
    const args = s.args.map((a, i) => compileSelector(a, table, ctx, keyTypes[i]!));
    args.forEach((a, i) => {
      if (!sameType(keyTypes[i]!, a.type)) {
        throw invalidRequest(`Type error: ${a.name} cannot be passed as argument ${i} of function system.token of type ${formatType(keyTypes[i]!)}`);
      }
    });
    const tokenFn: ScalarFunction = {
      name: 'token', argumentTypes: keyTypes, returnType: { kind: 'native', name: 'bigint' }, deterministic: true, calledOnNullInput: false,
      execute: (values) => {
        const out = Buffer.allocUnsafe(8);
        out.writeBigInt64BE(murmur3Token(serializePartitionKey(values as Buffer[])), 0);
        return out;
      },
    };
    return scalarFunctionSelector(tokenFn, args, name);
  }
  if (OPERATOR_SYMBOLS[lower] !== undefined || lower === '_negate') return compileOperator(s, name, table, ctx);
  if (lower === 'tojson') {
    if (s.args.length !== 1) throw invalidRequest('toJson() accepts only one argument');
    const arg = compileSelector(s.args[0]!, table, ctx);
    const codec = codecFor(arg.type);
    return mapSelector(arg, name, { kind: 'native', name: 'text' }, (v) => Buffer.from(v === null ? 'null' : codec.toJson(v), 'utf8'));
  }
  if (isAggregateName(lower) && !(lower === 'count' && s.args.length === 0)) {
    const args = s.args.map((a) => compileSelector(a, table, ctx));
    const fn = nativeAggregate(lower, args.map((a) => a.type));
    if (fn !== null) return aggregateSelector(fn, args, name);
  }
  const overloads = nativeScalarOverloads(lower);
  if (overloads.length === 0) throw invalidRequest(`Unknown function '${s.name}'`);
  // Non-literal arguments have their own types; literal arguments take the overload's.
  const fixed = s.args.map((a) => (a.kind === 'term' ? null : compileSelector(a, table, ctx)));
  let lastError: unknown = null;
  for (const fn of overloads) {
    if (fn.argumentTypes.length !== s.args.length) continue;
    if (!fixed.every((a, i) => a === null || sameType(fn.argumentTypes[i]!, a.type))) continue;
    try {
      const args = s.args.map((a, i) => fixed[i] ?? compileSelector(a, table, ctx, fn.argumentTypes[i]!));
      return scalarFunctionSelector(fn, args, name);
    } catch (error) {
      lastError = error;
    }
  }
  if (lastError !== null) throw lastError;
  const shown = s.args.map(formatSelectorName).join(', ');
  if (!overloads.some((o) => o.argumentTypes.length === s.args.length)) {
    throw invalidRequest(`Invalid number of arguments in call to function system.${lower}: ${overloads[0]!.argumentTypes.length} required but ${s.args.length} provided`);
  }
  throw invalidRequest(`Type error: ${shown} cannot be passed as argument 0 of function system.${lower} of type ${overloads.map((o) => o.argumentTypes.map(formatType).join(', ')).join(' | ')}`);
}

const NUMERIC_RANK: Readonly<Record<string, number>> = {
  tinyint: 1, smallint: 2, int: 3, bigint: 4, counter: 4, varint: 5, float: 6, double: 7, decimal: 8,
};

/** The result type of arithmetic on two numeric types (Cassandra's OperationFcts widening). */
function widerNumeric(a: CqlType, b: CqlType): CqlType {
  const ra = a.kind === 'native' ? NUMERIC_RANK[a.name] : undefined;
  const rb = b.kind === 'native' ? NUMERIC_RANK[b.name] : undefined;
  if (ra === undefined) throw invalidRequest(`the '${formatType(a)}' type is not a numeric type`);
  if (rb === undefined) throw invalidRequest(`the '${formatType(b)}' type is not a numeric type`);
  const names = [(a as { name: string }).name, (b as { name: string }).name];
  // varint with a floating point operand gives decimal in Cassandra.
  if (names.includes('varint') && (names.includes('float') || names.includes('double'))) return { kind: 'native', name: 'decimal' };
  const wider = ra >= rb ? a : b;
  return (wider as { name: string }).name === 'counter' ? { kind: 'native', name: 'bigint' } : wider;
}

type Numeric = { readonly kind: 'int'; readonly value: bigint } | { readonly kind: 'float'; readonly value: number } | { readonly kind: 'decimal'; readonly unscaled: bigint; readonly scale: number };

function toNumeric(type: CqlType, bytes: Buffer): Numeric {
  const js = codecFor(type).deserialize(bytes);
  if (typeof js === 'bigint') return { kind: 'int', value: js };
  if (typeof js === 'number') return Number.isInteger(js) && (type as { name: string }).name !== 'float' && (type as { name: string }).name !== 'double' ? { kind: 'int', value: BigInt(js) } : { kind: 'float', value: js };
  const d = js as { unscaled: bigint; scale: number };
  return { kind: 'decimal', unscaled: d.unscaled, scale: d.scale };
}

function numericToBytes(type: CqlType, n: Numeric): Buffer {
  const name = (type as { name: string }).name;
  const codec = codecFor(type);
  const asNumber = (): number => (n.kind === 'int' ? Number(n.value) : n.kind === 'float' ? n.value : Number(n.unscaled) / 10 ** n.scale);
  switch (name) {
    case 'tinyint': return codec.serialize(Number(BigInt.asIntN(8, n.kind === 'int' ? n.value : BigInt(Math.trunc(asNumber())))));
    case 'smallint': return codec.serialize(Number(BigInt.asIntN(16, n.kind === 'int' ? n.value : BigInt(Math.trunc(asNumber())))));
    case 'int': return codec.serialize(Number(BigInt.asIntN(32, n.kind === 'int' ? n.value : BigInt(Math.trunc(asNumber())))));
    case 'bigint': case 'counter': return codec.serialize(BigInt.asIntN(64, n.kind === 'int' ? n.value : BigInt(Math.trunc(asNumber()))));
    case 'varint': return codec.serialize(n.kind === 'int' ? n.value : BigInt(Math.trunc(asNumber())));
    case 'float': case 'double': return codec.serialize(asNumber());
    case 'decimal': {
      if (n.kind === 'decimal') return codec.serialize({ unscaled: n.unscaled, scale: n.scale });
      if (n.kind === 'int') return codec.serialize({ unscaled: n.value, scale: 0 });
      return codec.fromString(String(n.value));
    }
    default: throw invalidRequest(`the '${formatType(type)}' type is not a numeric type`);
  }
}

function toDecimal(n: Numeric): { unscaled: bigint; scale: number } {
  if (n.kind === 'decimal') return n;
  if (n.kind === 'int') return { unscaled: n.value, scale: 0 };
  const text = String(n.value);
  const [int, frac = ''] = text.split('.');
  return { unscaled: BigInt(`${int}${frac}`), scale: frac.length };
}

function applyOperator(op: string, a: Numeric, b: Numeric, resultType: CqlType): Numeric {
  const name = (resultType as { name: string }).name;
  if (name === 'decimal') {
    const x = toDecimal(a);
    const y = toDecimal(b);
    const scale = Math.max(x.scale, y.scale);
    const xu = x.unscaled * 10n ** BigInt(scale - x.scale);
    const yu = y.unscaled * 10n ** BigInt(scale - y.scale);
    switch (op) {
      case '+': return { kind: 'decimal', unscaled: xu + yu, scale };
      case '-': return { kind: 'decimal', unscaled: xu - yu, scale };
      case '*': return { kind: 'decimal', unscaled: x.unscaled * y.unscaled, scale: x.scale + y.scale };
      case '%': if (yu === 0n) throw invalidRequest('Cannot divide by zero'); return { kind: 'decimal', unscaled: xu % yu, scale };
      default: {
        if (yu === 0n) throw invalidRequest('Cannot divide by zero');
        const extra = 32;
        return { kind: 'decimal', unscaled: (xu * 10n ** BigInt(extra)) / yu, scale: extra };
      }
    }
  }
  if (name === 'float' || name === 'double') {
    const x = a.kind === 'int' ? Number(a.value) : a.kind === 'float' ? a.value : Number(a.unscaled) / 10 ** a.scale;
    const y = b.kind === 'int' ? Number(b.value) : b.kind === 'float' ? b.value : Number(b.unscaled) / 10 ** b.scale;
    const r = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
    return { kind: 'float', value: name === 'float' ? Math.fround(r) : r };
  }
  const x = a.kind === 'int' ? a.value : BigInt(Math.trunc(a.kind === 'float' ? a.value : Number(a.unscaled) / 10 ** a.scale));
  const y = b.kind === 'int' ? b.value : BigInt(Math.trunc(b.kind === 'float' ? b.value : Number(b.unscaled) / 10 ** b.scale));
  if ((op === '/' || op === '%') && y === 0n) throw invalidRequest('Cannot divide by zero');
  return { kind: 'int', value: op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y };
}

/** `a + b`, `a - b`, `a * b`, `a / b`, `a % b` and `-a` over numeric selectors and literals. */
function compileOperator(s: Extract<Selector, { kind: 'function' }>, name: string, table: TableMetadata, ctx: TermContext): CompiledSelector {
  const lower = s.name.toLowerCase();
  if (lower === '_negate') {
    const inner = compileSelector(s.args[0]!, table, ctx);
    const type = inner.type;
    return mapSelector(inner, name, type, (v) => (v === null ? null : numericToBytes(type, applyOperator('-', { kind: 'int', value: 0n }, toNumeric(type, v), type))));
  }
  const [leftSel, rightSel] = s.args as [Selector, Selector];
  let left = leftSel.kind === 'term' ? null : compileSelector(leftSel, table, ctx);
  let right = rightSel.kind === 'term' ? null : compileSelector(rightSel, table, ctx);
  if (left === null && right === null) {
    left = compileSelector(leftSel, table, ctx);
    right = compileSelector(rightSel, table, ctx);
  }
  // A literal takes the other operand's type when it fits (`i + 1` is int), else its own (`i * 2.5`).
  const literal = (sel: Selector, other: CompiledSelector): CompiledSelector => {
    try {
      return compileSelector(sel, table, ctx, other.type);
    } catch {
      return compileSelector(sel, table, ctx);
    }
  };
  left ??= literal(leftSel, right!);
  right ??= literal(rightSel, left);
  const resultType = widerNumeric(left.type, right.type);
  const op = OPERATOR_SYMBOLS[lower]!;
  const l = left;
  const r = right;
  const combine = (a: Buffer | null, b: Buffer | null): Buffer | null =>
    a === null || b === null || a.length === 0 || b.length === 0 ? null : numericToBytes(resultType, applyOperator(op, toNumeric(l.type, a), toNumeric(r.type, b), resultType));
  return {
    name, type: resultType, isAggregate: l.isAggregate || r.isAggregate,
    evaluate: (rc, env) => combine(l.evaluate(rc, env), r.evaluate(rc, env)),
    newAccumulator(): Accumulator {
      const la = l.newAccumulator();
      const ra = r.newAccumulator();
      return {
        add: (rc, env) => {
          la.add(rc, env);
          ra.add(rc, env);
        },
        result: (env) => combine(la.result(env), ra.result(env)),
      };
    },
  };
}

/** Whether a value of type `b` may be passed where `a` is expected (Cassandra's value compatibility). */
function sameType(a: CqlType, b: CqlType): boolean {
  if (formatType(a) === formatType(b)) return true;
  if (a.kind !== 'native' || b.kind !== 'native') return false;
  // Every value is a valid blob (BytesType accepts any bytes); ascii is valid text.
  return a.name === 'blob' || (a.name === 'text' && b.name === 'ascii');
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
