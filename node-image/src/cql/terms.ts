// Compiles CQL terms (literals, bind markers, collection literals, function calls, casts)
// against the type of the column (or pseudo-column) that receives them. Constant terms are
// serialized once at prepare time; bind markers are validated against the receiver's type at
// execution; nondeterministic functions run per execution.
import { CqlError, ErrorCode, invalidRequest } from '../lib/index.ts';
import type { CqlType } from '../schema/index.ts';
import { codecFor, comparatorFor, formatType, hasUnorderedParts, parseJsonExact } from '../schema/index.ts';
import type { Term } from './ast.ts';
import type { FunctionEnv, ScalarFunction } from './functions/function-types.ts';
import { nativeScalarOverloads } from './functions/native-functions.ts';
import type { BoundValue, ColumnSpec } from './service.ts';
import { UNSET } from './service.ts';
import { resolveType, typesCompatible } from './type-resolver.ts';
import type { TypeScope } from './type-resolver.ts';

export type TermValue = Buffer | null | typeof UNSET;

/** What a compiled term is evaluated with. */
export interface EvalEnv extends FunctionEnv {
  readonly values: readonly BoundValue[];
}

export interface CompiledTerm {
  /** The value when the term needs no bind values and no per-execution function; else undefined. */
  readonly constant: TermValue | undefined;
  readonly type: CqlType;
  evaluate(env: EvalEnv): TermValue;
}

export interface Receiver {
  readonly keyspace: string;
  readonly table: string;
  /** Column name, or a pseudo-name such as `[limit]`, `in(k)`, `key(m)`, `value(m)`. */
  readonly name: string;
  readonly type: CqlType;
}

/** Collects the receiver of every bind marker while a statement is compiled. */
export class BindCollector {
  readonly specs: Array<ColumnSpec | undefined> = [];

  constructor(count: number) {
    this.specs.length = count;
  }

  record(index: number, receiver: Receiver): void {
    this.specs[index] = { keyspace: receiver.keyspace, table: receiver.table, name: receiver.name, type: receiver.type };
  }

  /** Every marker's spec; throws if a marker was never compiled (a bug in statement preparation). */
  complete(): ColumnSpec[] {
    // A plain loop: `map` would skip the holes of the sparse array and hide missing markers.
    const out: ColumnSpec[] = [];
    for (let i = 0; i < this.specs.length; i++) {
      const spec = this.specs[i];
      if (spec === undefined) throw invalidRequest(`Invalid bind marker position ${i}`);
      out.push(spec);
    }
    return out;
  }
}

export interface TermContext {
  readonly binds: BindCollector;
  readonly scope: TypeScope;
}

function constantTerm(value: TermValue, type: CqlType): CompiledTerm {
  return { constant: value, type, evaluate: () => value };
}

const EMPTY_COLLECTION = Buffer.from([0, 0, 0, 0]);

function describe(receiver: Receiver): string {
  return `"${receiver.name}"`;
}

export function compileTerm(term: Term, receiver: Receiver, ctx: TermContext): CompiledTerm {
  const type = receiver.type;
  switch (term.kind) {
    case 'null':
      return constantTerm(null, type);
    case 'bind': {
      // A named marker (`:name`) is described by its own name; `?` by its receiver's.
      ctx.binds.record(term.index, term.name === null ? receiver : { ...receiver, name: term.name });
      const codec = codecFor(type);
      const index = term.index;
      // Drivers send sets and maps in their own order: bound values are brought to the sorted,
      // de-duplicated form every stored and compared value has.
      const normalize = hasUnorderedParts(type);
      return {
        constant: undefined,
        type,
        evaluate(env) {
          const v = env.values[index];
          if (v === undefined) throw invalidRequest(`There were ${env.values.length} markers(?) in CQL but ${index + 1} values were expected`);
          if (v === null || v === UNSET) return v;
          codec.validate(v);
          return normalize ? codec.normalize(v) : v;
        },
      };
    }
    case 'constant':
      return constantTerm(constantToBytes(term.type, term.text, receiver), type);
    case 'list':
      if (type.kind === 'list') return compileSequence(term.elements, receiver, type.element, ctx, 'list');
      if (type.kind === 'set') return compileSequence(term.elements, receiver, type.element, ctx, 'set');
      throw invalidRequest(`Invalid list literal for ${receiver.name} of type ${formatType(type)}`);
    case 'set':
      if (type.kind === 'set') return compileSequence(term.elements, receiver, type.element, ctx, 'set');
      throw invalidRequest(`Invalid set literal for ${receiver.name} of type ${formatType(type)}`);
    case 'emptyBraces':
      if (type.kind === 'set' || type.kind === 'map') return constantTerm(EMPTY_COLLECTION, type);
      if (type.kind === 'udt') return compileUdt([], receiver, type, ctx);
      throw invalidRequest(`Invalid set literal for ${receiver.name} of type ${formatType(type)}`);
    case 'map':
      if (type.kind === 'map') return compileMap(term.entries, receiver, type, ctx);
      throw invalidRequest(`Invalid map literal for ${receiver.name} of type ${formatType(type)}`);
    case 'udt':
      if (type.kind === 'udt') return compileUdt(term.fields, receiver, type, ctx);
      if (type.kind === 'map') {
        throw invalidRequest(`Invalid map literal for ${receiver.name}: field names are not terms; quote the keys`);
      }
      throw invalidRequest(`Invalid user type literal for ${receiver.name} of type ${formatType(type)}`);
    case 'tuple':
      if (type.kind === 'tuple') return compileTuple(term.elements, receiver, type, ctx);
      throw invalidRequest(`Invalid tuple type literal for ${receiver.name} of type ${formatType(type)}`);
    case 'function':
      return compileFunctionTerm(term, receiver, ctx);
    case 'cast': {
      const castType = resolveType(term.type, ctx.scope);
      if (!typesCompatible(castType, type)) {
        throw invalidRequest(`Cannot assign value of type ${formatType(castType)} to ${describe(receiver)} of type ${formatType(type)}`);
      }
      return compileTerm(term.term, { ...receiver, type: castType }, ctx);
    }
    case 'negate':
    case 'binary':
      return compileArithmetic(term, receiver, ctx);
  }
}

// ------------------------------------------------------------------------------------------
// Constants

function parseIntegral(text: string, bits: number, receiver: Receiver, typeName: string): bigint {
  let v: bigint;
  try {
    v = BigInt(text);
  } catch {
    throw invalidRequest(`Invalid INTEGER constant (${text}) for ${describe(receiver)} of type ${typeName}`);
  }
  const min = -(1n << BigInt(bits - 1));
  const max = (1n << BigInt(bits - 1)) - 1n;
  if (v < min || v > max) throw invalidRequest(`Unable to make ${typeName === 'bigint' || typeName === 'counter' ? 'long' : typeName} from '${text}'`);
  return v;
}

function constantToBytes(kind: string, text: string, receiver: Receiver): Buffer {
  const type = receiver.type;
  const reject = (): never => {
    throw invalidRequest(`Invalid ${kind.toUpperCase()} constant (${text}) for ${describe(receiver)} of type ${formatType(type)}`);
  };
  if (type.kind === 'custom') return codecFor(type).fromString(text);
  if (type.kind !== 'native') return reject();
  const codec = codecFor(type);
  const name = type.name;
  switch (kind) {
    case 'string':
      switch (name) {
        case 'text': return Buffer.from(text, 'utf8');
        case 'ascii': {
          const b = Buffer.from(text, 'utf8');
          codec.validate(b);
          return b;
        }
        case 'timestamp': case 'date': case 'time': case 'inet': case 'duration':
          return codec.fromString(text);
        default:
          return reject();
      }
    case 'integer':
      switch (name) {
        case 'int': return codec.serialize(Number(parseIntegral(text, 32, receiver, 'int')));
        case 'smallint': return codec.serialize(Number(parseIntegral(text, 16, receiver, 'smallint')));
        case 'tinyint': return codec.serialize(Number(parseIntegral(text, 8, receiver, 'tinyint')));
        case 'bigint': case 'counter': return codec.serialize(parseIntegral(text, 64, receiver, name));
        case 'timestamp': return codec.serialize(Number(parseIntegral(text, 64, receiver, 'timestamp')));
        case 'varint': return codec.serialize(BigInt(text));
        case 'decimal': case 'double': case 'float': case 'date': case 'time':
          return codec.fromString(text);
        default:
          return reject();
      }
    case 'float':
      if (name === 'decimal' || name === 'double' || name === 'float') return codec.fromString(text);
      return reject();
    case 'nan':
    case 'infinity':
      if (name === 'double' || name === 'float') return codec.serialize(kind === 'nan' ? Number.NaN : text.startsWith('-') ? -Infinity : Infinity);
      return reject();
    case 'boolean':
      if (name === 'boolean') return codec.serialize(text.toLowerCase() === 'true');
      return reject();
    case 'uuid':
      if (name === 'uuid' || name === 'timeuuid') return codec.fromString(text);
      return reject();
    case 'hex':
      if (name === 'blob') {
        const hex = text.slice(2);
        if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw invalidRequest(`Invalid HEX constant (${text}) for ${describe(receiver)} of type blob`);
        return Buffer.from(hex, 'hex');
      }
      return reject();
    case 'duration':
      if (name === 'duration') return codec.fromString(text);
      return reject();
    default:
      return reject();
  }
}

// ------------------------------------------------------------------------------------------
// Collections, tuples, UDTs

function lengthPrefixed(parts: ReadonlyArray<Buffer | null>, withCount: boolean): Buffer {
  let size = withCount ? 4 : 0;
  for (const p of parts) size += 4 + (p === null ? 0 : p.length);
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  if (withCount) {
    out.writeInt32BE(parts.length, 0);
    offset = 4;
  }
  for (const p of parts) {
    if (p === null) {
      out.writeInt32BE(-1, offset);
      offset += 4;
    } else {
      out.writeInt32BE(p.length, offset);
      p.copy(out, offset + 4);
      offset += 4 + p.length;
    }
  }
  return out;
}

/** Serialized list/set from element bytes (sets sorted and de-duplicated). */
export function serializeCollection(kind: 'list' | 'set', elementType: CqlType, elements: Buffer[]): Buffer {
  if (kind === 'set') {
    const compare = comparatorFor(elementType);
    const sorted = [...elements].sort(compare);
    const unique: Buffer[] = [];
    for (const e of sorted) if (unique.length === 0 || compare(unique[unique.length - 1]!, e) !== 0) unique.push(e);
    return lengthPrefixed(unique, true);
  }
  return lengthPrefixed(elements, true);
}

export function serializeMap(keyType: CqlType, entries: Array<readonly [Buffer, Buffer]>): Buffer {
  const compare = comparatorFor(keyType);
  const sorted = [...entries].sort((a, b) => compare(a[0], b[0]));
  const unique: Array<readonly [Buffer, Buffer]> = [];
  for (const e of sorted) {
    if (unique.length > 0 && compare(unique[unique.length - 1]![0], e[0]) === 0) unique[unique.length - 1] = e;
    else unique.push(e);
  }
  const flat: Buffer[] = [];
  for (const [k, v] of unique) flat.push(k, v);
  const out = lengthPrefixed(flat, false);
  const counted = Buffer.allocUnsafe(4 + out.length);
  counted.writeInt32BE(unique.length, 0);
  out.copy(counted, 4);
  return counted;
}

export function serializeTupleLike(parts: ReadonlyArray<Buffer | null>): Buffer {
  return lengthPrefixed(parts, false);
}

function notNull(v: TermValue, what: string): Buffer {
  if (v === null) throw invalidRequest(`null is not supported inside collections`);
  if (v === UNSET) throw invalidRequest(`Invalid unset value in ${what}`);
  return v;
}

function compileSequence(elements: readonly Term[], receiver: Receiver, elementType: CqlType, ctx: TermContext, kind: 'list' | 'set'): CompiledTerm {
  const elementReceiver: Receiver = { ...receiver, name: `value(${receiver.name})`, type: elementType };
  const compiled = elements.map((e) => compileTerm(e, elementReceiver, ctx));
  const build = (env: EvalEnv | null): Buffer => {
    const parts = compiled.map((c) => notNull(env === null ? c.constant! : c.evaluate(env), kind));
    return serializeCollection(kind, elementType, parts);
  };
  if (compiled.every((c) => c.constant !== undefined)) return constantTerm(build(null), receiver.type);
  return { constant: undefined, type: receiver.type, evaluate: (env) => build(env) };
}

function compileMap(entries: ReadonlyArray<readonly [Term, Term]>, receiver: Receiver, type: Extract<CqlType, { kind: 'map' }>, ctx: TermContext): CompiledTerm {
  const keyReceiver: Receiver = { ...receiver, name: `key(${receiver.name})`, type: type.key };
  const valueReceiver: Receiver = { ...receiver, name: `value(${receiver.name})`, type: type.value };
  const compiled = entries.map(([k, v]) => [compileTerm(k, keyReceiver, ctx), compileTerm(v, valueReceiver, ctx)] as const);
  const build = (env: EvalEnv | null): Buffer =>
    serializeMap(type.key, compiled.map(([k, v]) => [
      notNull(env === null ? k.constant! : k.evaluate(env), 'map'),
      notNull(env === null ? v.constant! : v.evaluate(env), 'map'),
    ] as const));
  if (compiled.every(([k, v]) => k.constant !== undefined && v.constant !== undefined)) return constantTerm(build(null), type);
  return { constant: undefined, type, evaluate: (env) => build(env) };
}

function compileUdt(fields: ReadonlyArray<readonly [string, Term]>, receiver: Receiver, type: Extract<CqlType, { kind: 'udt' }>, ctx: TermContext): CompiledTerm {
  const byIndex: Array<CompiledTerm | null> = type.fieldNames.map(() => null);
  for (const [name, term] of fields) {
    const i = type.fieldNames.indexOf(name);
    if (i < 0) throw invalidRequest(`Unknown field '${name}' in value of user defined type ${type.name}`);
    byIndex[i] = compileTerm(term, { ...receiver, name: `${receiver.name}.${name}`, type: type.fieldTypes[i]! }, ctx);
  }
  const build = (env: EvalEnv | null): Buffer =>
    serializeTupleLike(byIndex.map((c) => {
      if (c === null) return null;
      const v = env === null ? c.constant! : c.evaluate(env);
      return v === UNSET ? null : v;
    }));
  if (byIndex.every((c) => c === null || c.constant !== undefined)) return constantTerm(build(null), type);
  return { constant: undefined, type, evaluate: (env) => build(env) };
}

function compileTuple(elements: readonly Term[], receiver: Receiver, type: Extract<CqlType, { kind: 'tuple' }>, ctx: TermContext): CompiledTerm {
  if (elements.length > type.elements.length) {
    throw invalidRequest(`Invalid tuple literal for ${receiver.name}: too many elements. Type ${formatType(type)} expects ${type.elements.length} but got ${elements.length}`);
  }
  const compiled = elements.map((e, i) => compileTerm(e, { ...receiver, name: `${receiver.name}[${i}]`, type: type.elements[i]! }, ctx));
  const build = (env: EvalEnv | null): Buffer =>
    serializeTupleLike(compiled.map((c) => {
      const v = env === null ? c.constant! : c.evaluate(env);
      return v === UNSET ? null : v;
    }));
  if (compiled.every((c) => c.constant !== undefined)) return constantTerm(build(null), type);
  return { constant: undefined, type, evaluate: (env) => build(env) };
}

// ------------------------------------------------------------------------------------------
// Functions and arithmetic

function compileFunctionTerm(term: Extract<Term, { kind: 'function' }>, receiver: Receiver, ctx: TermContext): CompiledTerm {
  const name = term.name.toLowerCase();
  if (name === 'fromjson') {
    if (term.args.length !== 1) throw invalidRequest('fromJson() accepts only one argument');
    const textArg = compileTerm(term.args[0]!, { ...receiver, name: `fromjson(${receiver.name})`, type: { kind: 'native', name: 'text' } }, ctx);
    const codec = codecFor(receiver.type);
    const convert = (v: TermValue): TermValue => {
      if (v === null || v === UNSET) return v;
      // Exact parsing: bigint, varint and decimal values keep every digit.
      const parsed = parseJsonExact(v.toString('utf8'));
      if (parsed === null) return null;
      try {
        return codec.fromJson(parsed);
      } catch (error) {
        // Cassandra reports a value of the wrong type as a failure of the function itself.
        const message = error instanceof Error ? error.message : String(error);
        throw new CqlError(ErrorCode.FunctionFailure, `org.apache.cassandra.serializers.MarshalException: ${message}`, {
          kind: 'function_failure', keyspace: 'system', functionName: 'fromjson', argumentTypes: ['text'],
        });
      }
    };
    if (textArg.constant !== undefined) return constantTerm(convert(textArg.constant), receiver.type);
    return { constant: undefined, type: receiver.type, evaluate: (env) => convert(textArg.evaluate(env)) };
  }
  const overloads = nativeScalarOverloads(name);
  if (overloads.length === 0) throw invalidRequest(`Unknown function '${term.keyspace === null ? '' : `${term.keyspace}.`}${term.name}'`);
  let lastError: unknown = null;
  for (const fn of overloads) {
    if (fn.argumentTypes.length !== term.args.length) continue;
    if (!typesCompatible(fn.returnType, receiver.type) && !(receiver.type.kind === 'custom')) {
      lastError = invalidRequest(`Type error: cannot assign result of function ${term.name} (type ${formatType(fn.returnType)}) to ${receiver.name} (type ${formatType(receiver.type)})`);
      continue;
    }
    try {
      const args = term.args.map((a, i) => compileTerm(a, { ...receiver, name: `${name}(${i})`, type: fn.argumentTypes[i]! }, ctx));
      return compileCall(fn, args);
    } catch (error) {
      lastError = error;
    }
  }
  if (lastError !== null) throw lastError;
  throw invalidRequest(`Invalid number of arguments in call to function ${term.name}: ${overloads[0]!.argumentTypes.length} required but ${term.args.length} provided`);
}

export function compileCall(fn: ScalarFunction, args: readonly CompiledTerm[]): CompiledTerm {
  const run = (values: TermValue[], env: FunctionEnv): TermValue => {
    const plain = values.map((v) => (v === UNSET ? null : v));
    if (!fn.calledOnNullInput && plain.some((v) => v === null)) return null;
    return fn.execute(plain, env);
  };
  if (fn.deterministic && args.every((a) => a.constant !== undefined)) {
    const env: FunctionEnv = {
      nowMs: 0,
      get timeuuids(): never { throw new Error('deterministic function used a timeuuid'); },
      get random(): never { throw new Error('deterministic function used randomness'); },
    };
    return constantTerm(run(args.map((a) => a.constant!), env), fn.returnType);
  }
  return { constant: undefined, type: fn.returnType, evaluate: (env) => run(args.map((a) => a.evaluate(env)), env) };
}

function compileArithmetic(term: Extract<Term, { kind: 'negate' | 'binary' }>, receiver: Receiver, ctx: TermContext): CompiledTerm {
  const type = receiver.type;
  if (type.kind !== 'native' || !['int', 'bigint', 'smallint', 'tinyint', 'varint', 'float', 'double', 'decimal', 'counter'].includes(type.name)) {
    throw invalidRequest(`Arithmetic operations are only supported on numeric types, not on ${describe(receiver)} of type ${formatType(type)}`);
  }
  const codec = codecFor(type);
  const toNumber = (v: TermValue): number | bigint | null => {
    if (v === null || v === UNSET) return null;
    const js = codec.deserialize(v);
    return typeof js === 'number' || typeof js === 'bigint' ? js : null;
  };
  const integral = type.name !== 'float' && type.name !== 'double' && type.name !== 'decimal';
  if (!integral && type.name === 'decimal') throw invalidRequest('Arithmetic on decimal terms is not supported');
  const apply = (op: string, a: number | bigint, b: number | bigint): number | bigint => {
    if (integral) {
      const x = BigInt(a);
      const y = BigInt(b);
      if ((op === '/' || op === '%') && y === 0n) throw invalidRequest('Cannot divide by zero');
      const r = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
      return type.name === 'bigint' || type.name === 'varint' || type.name === 'counter' ? r : Number(r);
    }
    const x = Number(a);
    const y = Number(b);
    return op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : op === '/' ? x / y : x % y;
  };
  if (term.kind === 'negate') {
    const inner = compileTerm(term.term, receiver, ctx);
    const neg = (v: TermValue): TermValue => {
      const n = toNumber(v);
      return n === null ? null : codec.serialize(apply('-', integral ? 0n : 0, n));
    };
    if (inner.constant !== undefined) return constantTerm(neg(inner.constant), type);
    return { constant: undefined, type, evaluate: (env) => neg(inner.evaluate(env)) };
  }
  const left = compileTerm(term.left, receiver, ctx);
  const right = compileTerm(term.right, receiver, ctx);
  const combine = (a: TermValue, b: TermValue): TermValue => {
    const x = toNumber(a);
    const y = toNumber(b);
    return x === null || y === null ? null : codec.serialize(apply(term.op, x, y));
  };
  if (left.constant !== undefined && right.constant !== undefined) return constantTerm(combine(left.constant, right.constant), type);
  return { constant: undefined, type, evaluate: (env) => combine(left.evaluate(env), right.evaluate(env)) };
}

/** Splits a serialized list or set into element bytes. */
export function splitCollection(bytes: Buffer): Buffer[] {
  if (bytes.length < 4) return [];
  const n = bytes.readInt32BE(0);
  const out: Buffer[] = [];
  let offset = 4;
  for (let i = 0; i < n; i++) {
    const len = bytes.readInt32BE(offset);
    offset += 4;
    if (len < 0) throw invalidRequest('null is not supported inside collections');
    out.push(bytes.subarray(offset, offset + len));
    offset += len;
  }
  return out;
}

/** Splits a serialized map into [key, value] bytes. */
export function splitMap(bytes: Buffer): Array<[Buffer, Buffer]> {
  if (bytes.length < 4) return [];
  const n = bytes.readInt32BE(0);
  const out: Array<[Buffer, Buffer]> = [];
  let offset = 4;
  for (let i = 0; i < n; i++) {
    const kl = bytes.readInt32BE(offset);
    offset += 4;
    if (kl < 0) throw invalidRequest('null is not supported inside collections');
    const k = bytes.subarray(offset, offset + kl);
    offset += kl;
    const vl = bytes.readInt32BE(offset);
    offset += 4;
    if (vl < 0) throw invalidRequest('null is not supported inside collections');
    const v = bytes.subarray(offset, offset + vl);
    offset += vl;
    out.push([k, v]);
  }
  return out;
}

/** Splits a serialized tuple or UDT into its field bytes (null for null fields). */
export function splitTupleLike(bytes: Buffer): Array<Buffer | null> {
  const out: Array<Buffer | null> = [];
  let offset = 0;
  while (offset + 4 <= bytes.length) {
    const len = bytes.readInt32BE(offset);
    offset += 4;
    if (len < 0) out.push(null);
    else {
      out.push(bytes.subarray(offset, offset + len));
      offset += len;
    }
  }
  return out;
}
