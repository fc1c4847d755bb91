// `codecFor(type)`: the codec of a CQL type, built once per type object and cached. A codec
// validates, decodes, encodes, normalizes (sorts set elements and map keys), displays (cqlsh),
// and converts to and from JSON and string literals. Values stay bytes everywhere else.
import { assert, assertNever, invalidRequest } from '../../lib/index.ts';
import { comparatorFor } from '../comparators.ts';
import type { ValueComparator } from '../comparators.ts';
import type { CqlType } from '../cql-type.ts';
import { formatType } from '../type-format.ts';
import type { JsValue } from './js-value.ts';
import { javaClassName, javaDisplay, parseJsonExact, quoteJson } from './json-text.ts';
import { LiteralReader } from './literal-reader.ts';
import { customOps, nativeOps } from './native-codecs.ts';
import type { FromStringOptions, NativeOps } from './native-codecs.ts';

export type { FromStringOptions } from './native-codecs.ts';

export interface TypeCodec {
  readonly type: CqlType;
  /** Serialized form of a JS value (sets and maps come out sorted and without duplicate keys). */
  serialize(value: JsValue): Buffer;
  /**
   * JS value of valid bytes. The empty value reads as '' (text, ascii), an empty Buffer (blob,
   * custom), [] (tuple, UDT), and null for every other type.
   */
  deserialize(bytes: Buffer): JsValue | null;
  /** Throws Invalid (Cassandra's message) unless `bytes` is a valid value of the type. */
  validate(bytes: Buffer): void;
  /** Canonical bytes of a valid value: set elements and map keys sorted, duplicates dropped, at every level. */
  normalize(bytes: Buffer): Buffer;
  /** cqlsh display text of valid bytes. */
  format(bytes: Buffer): string;
  /** Cassandra's JSON text of valid bytes (SELECT JSON, toJson). */
  toJson(bytes: Buffer): string;
  /** Bytes of a decoded JSON value (JSON.parse output or parseJsonExact's, whose numbers are JsonNumbers). */
  fromJson(value: unknown): Buffer;
  /** Bytes of a CQL literal's text: a string or number constant, or a collection/tuple/UDT literal. */
  fromString(text: string, options?: FromStringOptions): Buffer;
}

/** Codec internals shared by composite codecs. */
interface CodecImpl extends TypeCodec {
  /** Display text inside a collection, tuple or UDT (text and timestamps quoted). */
  formatNested(bytes: Buffer): string;
  /** Reads one value (not null) at the reader's cursor. */
  readLiteral(reader: LiteralReader, options: FromStringOptions | undefined): Buffer;
  /** True when the type contains a set or map whose bytes may need sorting. */
  readonly hasUnorderedParts: boolean;
}

const EMPTY = Buffer.alloc(0);
const LENGTH_BYTES = 4;
const NULL_IN_COLLECTION = 'null is not supported inside collections';

class NativeCodec implements CodecImpl {
  readonly type: CqlType;
  readonly hasUnorderedParts = false;
  private readonly ops: Omit<NativeOps, 'name'>;
  private readonly colonsInLiteral: boolean;

  constructor(type: CqlType, ops: Omit<NativeOps, 'name'>) {
    this.type = type;
    this.ops = ops;
    this.colonsInLiteral = type.kind === 'native' && type.name === 'time';
  }

  serialize(value: JsValue): Buffer {
    return this.ops.encode(value);
  }

  deserialize(bytes: Buffer): JsValue | null {
    if (bytes.length === 0) return this.ops.emptyValue;
    return this.ops.decode(bytes);
  }

  validate(bytes: Buffer): void {
    const error = this.ops.validate(bytes);
    if (error !== undefined) throw invalidRequest(error);
  }

  normalize(bytes: Buffer): Buffer {
    return bytes;
  }

  format(bytes: Buffer): string {
    return bytes.length === 0 && this.ops.emptyValue === null ? '' : this.ops.display(bytes);
  }

  formatNested(bytes: Buffer): string {
    const text = this.format(bytes);
    return this.ops.quotedWhenNested ? `'${text.replaceAll("'", "''")}'` : text;
  }

  toJson(bytes: Buffer): string {
    if (bytes.length === 0 && this.ops.emptyValue === null) return '""';
    return this.ops.json(bytes);
  }

  fromJson(value: unknown): Buffer {
    return this.ops.fromJson(value);
  }

  fromString(text: string, options?: FromStringOptions): Buffer {
    return this.ops.fromString(text, options);
  }

  readLiteral(reader: LiteralReader, options: FromStringOptions | undefined): Buffer {
    const text = reader.peek() === "'" ? reader.readQuoted() : reader.readBare(this.colonsInLiteral);
    return this.ops.fromString(text, options);
  }
}

/** Splits `[int n]` + n x `[int length][bytes]` (a null has length < 0); returns a message when malformed. */
function readCollection(bytes: Buffer, valuesPerEntry: number, kind: string): Buffer[] | string {
  if (bytes.length < LENGTH_BYTES) return `Not enough bytes to read a ${kind}`;
  const count = bytes.readInt32BE(0);
  if (count < 0) return `Invalid negative size for a ${kind}: ${count}`;
  const values: Buffer[] = [];
  let offset = LENGTH_BYTES;
  for (let i = 0; i < count * valuesPerEntry; i++) {
    if (offset + LENGTH_BYTES > bytes.length) return `Not enough bytes to read a ${kind}`;
    const length = bytes.readInt32BE(offset);
    offset += LENGTH_BYTES;
    if (length < 0) return NULL_IN_COLLECTION;
    if (offset + length > bytes.length) return `Not enough bytes to read a ${kind}`;
    values.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  if (offset !== bytes.length) return `Unexpected extraneous bytes after ${kind} value`;
  return values;
}

function writeCollection(count: number, values: readonly Buffer[]): Buffer {
  let size = LENGTH_BYTES;
  for (const v of values) size += LENGTH_BYTES + v.length;
  const out = Buffer.allocUnsafe(size);
  out.writeInt32BE(count, 0);
  let offset = LENGTH_BYTES;
  for (const v of values) {
    out.writeInt32BE(v.length, offset);
    offset += LENGTH_BYTES;
    v.copy(out, offset);
    offset += v.length;
  }
  return out;
}

/** Successive `[int length][bytes]` components (tuple, UDT): null for length < 0; a message when malformed. */
function readComponents(bytes: Buffer, countMax: number, kind: string): Array<Buffer | null> | string {
  const components: Array<Buffer | null> = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (components.length >= countMax) return `Invalid remaining data after end of ${kind} value`;
    if (offset + LENGTH_BYTES > bytes.length) return `Not enough bytes to read size of ${components.length}th component`;
    const length = bytes.readInt32BE(offset);
    offset += LENGTH_BYTES;
    if (length < 0) {
      components.push(null);
      continue;
    }
    if (offset + length > bytes.length) return `Not enough bytes to read ${components.length}th component`;
    components.push(bytes.subarray(offset, offset + length));
    offset += length;
  }
  return components;
}

function writeComponents(components: ReadonlyArray<Buffer | null>): Buffer {
  let size = 0;
  for (const c of components) size += LENGTH_BYTES + (c === null ? 0 : c.length);
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const c of components) {
    out.writeInt32BE(c === null ? -1 : c.length, offset);
    offset += LENGTH_BYTES;
    if (c !== null) {
      c.copy(out, offset);
      offset += c.length;
    }
  }
  return out;
}

function sameBuffers(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Sorts serialized elements and drops duplicates (the first of equal ones is kept). */
function sortUnique(values: Buffer[], compare: ValueComparator): Buffer[] {
  values.sort(compare);
  const out: Buffer[] = [];
  for (const v of values) if (out.length === 0 || compare(out[out.length - 1]!, v) !== 0) out.push(v);
  return out;
}

/** Sorts [key, value] pairs by key; for duplicate keys the last pair given wins (as map literals do). */
function sortEntries(entries: Array<[Buffer, Buffer]>, compare: ValueComparator): Array<[Buffer, Buffer]> {
  const indexed = entries.map((entry, index) => ({ entry, index }));
  indexed.sort((x, y) => compare(x.entry[0], y.entry[0]) || x.index - y.index);
  const out: Array<[Buffer, Buffer]> = [];
  for (const { entry } of indexed) {
    if (out.length > 0 && compare(out[out.length - 1]![0], entry[0]) === 0) out[out.length - 1] = entry;
    else out.push(entry);
  }
  return out;
}

function expectArray(value: unknown, what: string): readonly unknown[] {
  const decoded = typeof value === 'string' ? parseJsonExact(value) : value;
  if (!Array.isArray(decoded)) throw invalidRequest(`Expected ${what}, but got a ${javaClassName(decoded)}: ${javaDisplay(decoded)}`);
  return decoded;
}

function expectObject(value: unknown, what: string): Readonly<Record<string, unknown>> {
  const decoded = typeof value === 'string' ? parseJsonExact(value) : value;
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    throw invalidRequest(`Expected ${what}, but got a ${javaClassName(decoded)}: ${javaDisplay(decoded)}`);
  }
  return decoded as Record<string, unknown>;
}

function expectJsArray(value: JsValue, what: string): ReadonlyArray<JsValue | null> {
  assert(Array.isArray(value), `codec ${what}: expected an array`);
  return value as ReadonlyArray<JsValue | null>;
}

/** list and set: `[int n]` + n elements. Sets keep their elements sorted and unique. */
class ListOrSetCodec implements CodecImpl {
  readonly type: CqlType;
  readonly hasUnorderedParts: boolean;
  private readonly element: CodecImpl;
  private readonly kind: 'list' | 'set';
  private readonly compare: ValueComparator;

  constructor(type: Extract<CqlType, { kind: 'list' | 'set' }>) {
    this.type = type;
    this.kind = type.kind;
    this.element = codecImpl(type.element);
    this.compare = comparatorFor(type.element);
    this.hasUnorderedParts = this.kind === 'set' || this.element.hasUnorderedParts;
  }

  private elements(bytes: Buffer): Buffer[] {
    const values = readCollection(bytes, 1, this.kind);
    if (typeof values === 'string') throw invalidRequest(values);
    return values;
  }

  private build(values: Buffer[]): Buffer {
    const ordered = this.kind === 'set' ? sortUnique(values, this.compare) : values;
    return writeCollection(ordered.length, ordered);
  }

  serialize(value: JsValue): Buffer {
    const items = expectJsArray(value, this.kind);
    return this.build(items.map((item) => {
      if (item === null) throw invalidRequest(NULL_IN_COLLECTION);
      return this.element.serialize(item);
    }));
  }

  deserialize(bytes: Buffer): JsValue {
    return this.elements(bytes).map((e) => this.element.deserialize(e));
  }

  validate(bytes: Buffer): void {
    for (const e of this.elements(bytes)) this.element.validate(e);
  }

  normalize(bytes: Buffer): Buffer {
    if (!this.hasUnorderedParts) return bytes;
    const values = this.elements(bytes);
    const normalized = values.map((e) => this.element.normalize(e));
    const ordered = this.kind === 'set' ? sortUnique([...normalized], this.compare) : normalized;
    return sameBuffers(ordered, values) ? bytes : writeCollection(ordered.length, ordered);
  }

  format(bytes: Buffer): string {
    const inner = this.elements(bytes).map((e) => this.element.formatNested(e)).join(', ');
    return this.kind === 'list' ? `[${inner}]` : `{${inner}}`;
  }

  formatNested(bytes: Buffer): string {
    return this.format(bytes);
  }

  toJson(bytes: Buffer): string {
    return `[${this.elements(bytes).map((e) => this.element.toJson(e)).join(', ')}]`;
  }

  fromJson(value: unknown): Buffer {
    const items = expectArray(value, this.kind === 'list' ? 'a list' : 'a list (representing a set)');
    return this.build(items.map((item) => {
      if (item === null) throw invalidRequest(`Invalid null element in ${this.kind}`);
      return this.element.fromJson(item);
    }));
  }

  fromString(text: string, options?: FromStringOptions): Buffer {
    return readWhole(this, text, options);
  }

  readLiteral(reader: LiteralReader, options: FromStringOptions | undefined): Buffer {
    const [open, close] = this.kind === 'list' ? ['[', ']'] : ['{', '}'];
    reader.enter();
    reader.expect(open);
    const values: Buffer[] = [];
    if (!reader.accept(close)) {
      do {
        if (reader.acceptNull()) reader.fail(NULL_IN_COLLECTION);
        values.push(this.element.readLiteral(reader, options));
      } while (reader.accept(','));
      reader.expect(close);
    }
    reader.leave();
    return this.build(values);
  }
}

/** map: `[int n]` + n x (key, value), sorted by key, keys unique. */
class MapCodec implements CodecImpl {
  readonly type: CqlType;
  readonly hasUnorderedParts = true;
  private readonly key: CodecImpl;
  private readonly value: CodecImpl;
  private readonly compare: ValueComparator;

  constructor(type: Extract<CqlType, { kind: 'map' }>) {
    this.type = type;
    this.key = codecImpl(type.key);
    this.value = codecImpl(type.value);
    this.compare = comparatorFor(type.key);
  }

  private entries(bytes: Buffer): Array<[Buffer, Buffer]> {
    const values = readCollection(bytes, 2, 'map');
    if (typeof values === 'string') throw invalidRequest(values);
    const out: Array<[Buffer, Buffer]> = [];
    for (let i = 0; i < values.length; i += 2) out.push([values[i]!, values[i + 1]!]);
    return out;
  }

  private build(entries: Array<[Buffer, Buffer]>): Buffer {
    const sorted = sortEntries(entries, this.compare);
    return writeCollection(sorted.length, sorted.flat());
  }

  serialize(value: JsValue): Buffer {
    const pairs = expectJsArray(value, 'map');
    return this.build(pairs.map((pair) => {
      const [k, v] = expectJsArray(pair as JsValue, 'map entry');
      if (k === null || k === undefined || v === null || v === undefined) throw invalidRequest(NULL_IN_COLLECTION);
      return [this.key.serialize(k), this.value.serialize(v)];
    }));
  }

  deserialize(bytes: Buffer): JsValue {
    return this.entries(bytes).map(([k, v]) => [this.key.deserialize(k), this.value.deserialize(v)]);
  }

  validate(bytes: Buffer): void {
    for (const [k, v] of this.entries(bytes)) {
      this.key.validate(k);
      this.value.validate(v);
    }
  }

  normalize(bytes: Buffer): Buffer {
    const entries = this.entries(bytes);
    const normalized = entries.map(([k, v]): [Buffer, Buffer] => [this.key.normalize(k), this.value.normalize(v)]);
    const sorted = sortEntries(normalized, this.compare);
    return sameBuffers(sorted.flat(), entries.flat()) ? bytes : writeCollection(sorted.length, sorted.flat());
  }

  format(bytes: Buffer): string {
    return `{${this.entries(bytes).map(([k, v]) => `${this.key.formatNested(k)}: ${this.value.formatNested(v)}`).join(', ')}}`;
  }

  formatNested(bytes: Buffer): string {
    return this.format(bytes);
  }

  toJson(bytes: Buffer): string {
    const parts = this.entries(bytes).map(([k, v]) => {
      // JSON object keys are strings: non-string key JSON is itself quoted.
      const keyJson = this.key.toJson(k);
      return `${keyJson.startsWith('"') ? keyJson : quoteJson(keyJson)}: ${this.value.toJson(v)}`;
    });
    return `{${parts.join(', ')}}`;
  }

  fromJson(value: unknown): Buffer {
    const object = expectObject(value, 'a map');
    const entries: Array<[Buffer, Buffer]> = [];
    for (const [k, v] of Object.entries(object)) {
      if (v === null) throw invalidRequest('Invalid null value in map');
      // Keys arrive as JSON object keys (strings): non-text key types parse them as their string/JSON form.
      entries.push([this.key.fromJson(k), this.value.fromJson(v)]);
    }
    return this.build(entries);
  }

  fromString(text: string, options?: FromStringOptions): Buffer {
    return readWhole(this, text, options);
  }

  readLiteral(reader: LiteralReader, options: FromStringOptions | undefined): Buffer {
    reader.enter();
    reader.expect('{');
    const entries: Array<[Buffer, Buffer]> = [];
    if (!reader.accept('}')) {
      do {
        if (reader.acceptNull()) reader.fail(NULL_IN_COLLECTION);
        const k = this.key.readLiteral(reader, options);
        reader.expect(':');
        if (reader.acceptNull()) reader.fail(NULL_IN_COLLECTION);
        entries.push([k, this.value.readLiteral(reader, options)]);
      } while (reader.accept(','));
      reader.expect('}');
    }
    reader.leave();
    return this.build(entries);
  }
}

/** tuple and UDT: successive nullable components; a value may have fewer components than the type. */
class TupleOrUdtCodec implements CodecImpl {
  readonly type: CqlType;
  readonly hasUnorderedParts: boolean;
  private readonly components: readonly CodecImpl[];
  private readonly fieldNames: readonly string[] | undefined;
  private readonly kind: 'tuple' | 'UDT';

  constructor(type: Extract<CqlType, { kind: 'tuple' | 'udt' }>) {
    this.type = type;
    const types = type.kind === 'tuple' ? type.elements : type.fieldTypes;
    this.components = types.map(codecImpl);
    this.fieldNames = type.kind === 'udt' ? type.fieldNames : undefined;
    this.kind = type.kind === 'tuple' ? 'tuple' : 'UDT';
    this.hasUnorderedParts = this.components.some((c) => c.hasUnorderedParts);
  }

  private split(bytes: Buffer): Array<Buffer | null> {
    const parts = readComponents(bytes, this.components.length, this.kind);
    if (typeof parts === 'string') throw invalidRequest(parts);
    return parts;
  }

  serialize(value: JsValue): Buffer {
    const items = expectJsArray(value, this.kind);
    if (items.length > this.components.length) {
      throw invalidRequest(`Invalid ${this.kind} value: ${items.length} components for ${this.components.length} in ${formatType(this.type)}`);
    }
    return writeComponents(items.map((item, i) => (item === null ? null : this.components[i]!.serialize(item))));
  }

  deserialize(bytes: Buffer): JsValue {
    return this.split(bytes).map((c, i) => (c === null ? null : this.components[i]!.deserialize(c)));
  }

  validate(bytes: Buffer): void {
    this.split(bytes).forEach((c, i) => {
      if (c !== null) this.components[i]!.validate(c);
    });
  }

  normalize(bytes: Buffer): Buffer {
    if (!this.hasUnorderedParts) return bytes;
    const parts = this.split(bytes);
    const normalized = parts.map((c, i) => (c === null ? null : this.components[i]!.normalize(c)));
    return normalized.every((c, i) => c === parts[i]) ? bytes : writeComponents(normalized);
  }

  /** Every declared position: components missing from the bytes read as null. */
  private padded(bytes: Buffer): Array<Buffer | null> {
    const parts = this.split(bytes);
    while (parts.length < this.components.length) parts.push(null);
    return parts;
  }

  format(bytes: Buffer): string {
    const texts = this.padded(bytes).map((c, i) => (c === null ? 'null' : this.components[i]!.formatNested(c)));
    if (this.fieldNames === undefined) return `(${texts.join(', ')})`;
    return `{${texts.map((t, i) => `${this.fieldNames![i]}: ${t}`).join(', ')}}`;
  }

  formatNested(bytes: Buffer): string {
    return this.format(bytes);
  }

  toJson(bytes: Buffer): string {
    const texts = this.padded(bytes).map((c, i) => (c === null ? 'null' : this.components[i]!.toJson(c)));
    if (this.fieldNames === undefined) return `[${texts.join(', ')}]`;
    return `{${texts.map((t, i) => {
      const name = this.fieldNames![i]!;
      // Case-sensitive field names are written quoted inside the JSON key, as Cassandra does.
      const key = name === name.toLowerCase() ? name : `"${name}"`;
      return `${quoteJson(key)}: ${t}`;
    }).join(', ')}}`;
  }

  fromJson(value: unknown): Buffer {
    if (this.fieldNames === undefined) {
      const items = expectArray(value, 'a list representation of a tuple');
      if (items.length > this.components.length) throw invalidRequest(`Tuple contains extra items (expected ${this.components.length}, got ${items.length})`);
      if (items.length < this.components.length) throw invalidRequest(`Tuple is missing items (expected ${this.components.length}, got ${items.length})`);
      return writeComponents(items.map((item, i) => (item === null ? null : this.components[i]!.fromJson(item))));
    }
    const object = expectObject(value, 'a map');
    const byName = new Map<string, unknown>();
    for (const [key, v] of Object.entries(object)) {
      // `"\"Name\""` is case-sensitive; unquoted keys are case-insensitive.
      const name = key.length >= 2 && key.startsWith('"') && key.endsWith('"') ? key.slice(1, -1) : key.toLowerCase();
      if (!this.fieldNames.includes(name)) throw invalidRequest(`Unknown field '${name}' in value of user defined type ${(this.type as { name: string }).name}`);
      byName.set(name, v);
    }
    return writeComponents(this.fieldNames.map((name, i) => {
      const v = byName.get(name);
      return v === undefined || v === null ? null : this.components[i]!.fromJson(v);
    }));
  }

  fromString(text: string, options?: FromStringOptions): Buffer {
    return readWhole(this, text, options);
  }

  readLiteral(reader: LiteralReader, options: FromStringOptions | undefined): Buffer {
    reader.enter();
    const values: Array<Buffer | null> = [];
    if (this.fieldNames === undefined) {
      reader.expect('(');
      do {
        if (values.length >= this.components.length) reader.fail(`too many components for ${formatType(this.type)}`);
        values.push(reader.acceptNull() ? null : this.components[values.length]!.readLiteral(reader, options));
      } while (reader.accept(','));
      reader.expect(')');
    } else {
      const byIndex = new Map<number, Buffer | null>();
      reader.expect('{');
      if (!reader.accept('}')) {
        do {
          const field = reader.readFieldName();
          let index = this.fieldNames.indexOf(field.name);
          if (index < 0 && !field.quoted) index = this.fieldNames.indexOf(field.name.toLowerCase());
          if (index < 0) reader.fail(`unknown field ${field.name} in ${formatType(this.type)}`);
          if (byIndex.has(index)) reader.fail(`duplicate field ${field.name}`);
          reader.expect(':');
          byIndex.set(index, reader.acceptNull() ? null : this.components[index]!.readLiteral(reader, options));
        } while (reader.accept(','));
        reader.expect('}');
      }
      for (let i = 0; i < this.components.length; i++) values.push(byIndex.get(i) ?? null);
    }
    reader.leave();
    return writeComponents(values);
  }
}

function readWhole(codec: CodecImpl, text: string, options: FromStringOptions | undefined): Buffer {
  const reader = new LiteralReader(text);
  const bytes = codec.readLiteral(reader, options);
  if (!reader.atEnd()) reader.fail('unexpected text after the value');
  return bytes;
}

const codecCache = new WeakMap<CqlType, CodecImpl>();

function codecImpl(type: CqlType): CodecImpl {
  const cached = codecCache.get(type);
  if (cached !== undefined) return cached;
  const built = buildCodec(type);
  codecCache.set(type, built);
  return built;
}

function buildCodec(type: CqlType): CodecImpl {
  switch (type.kind) {
    case 'native':
      return new NativeCodec(type, nativeOps(type.name));
    case 'custom':
      return new NativeCodec(type, customOps);
    case 'list':
    case 'set':
      return new ListOrSetCodec(type);
    case 'map':
      return new MapCodec(type);
    case 'tuple':
    case 'udt':
      return new TupleOrUdtCodec(type);
    default:
      return assertNever(type, 'type');
  }
}

/** The codec of `type` (cached per type object: reuse type objects from the schema snapshot). */
export function codecFor(type: CqlType): TypeCodec {
  return codecImpl(type);
}

/** True when values of `type` may need `normalize` (they contain a set or a map). */
export function hasUnorderedParts(type: CqlType): boolean {
  return codecImpl(type).hasUnorderedParts;
}

export { EMPTY as EMPTY_VALUE };
