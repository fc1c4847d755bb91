// fast-check arbitraries of CQL types and of JS values of a type, shared by the schema tests
// (imported by tests only). Options restrict values to forms whose text is invertible.
import fc from 'fast-check';
import type { CqlType, NativeTypeName } from '../cql-type.ts';
import { NATIVE_TYPE_NAMES, nativeType } from '../cql-type.ts';
import { formatInet } from './inet.ts';
import type { JsValue } from './js-value.ts';
import { daysFromCivil } from './temporal.ts';

export interface ValueOptions {
  /** Only values whose cqlsh display parses back (years 1..9999, no zero duration, no mapped IPv6). */
  readonly displayable?: boolean;
  /** Tuples and UDTs with every component present (no shorter values). */
  readonly fullComposites?: boolean;
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const DAY_MS = 86_400_000;
const YEAR_1_DAYS = daysFromCivil(1, 1, 1);
const YEAR_9999_DAYS = daysFromCivil(9999, 12, 31);

/** Types that may key a set or map or sit anywhere (every native type but counter and duration). */
const COMPARABLE_NATIVES: readonly NativeTypeName[] = NATIVE_TYPE_NAMES.filter((n) => n !== 'counter' && n !== 'duration');
const VALUE_NATIVES: readonly NativeTypeName[] = NATIVE_TYPE_NAMES.filter((n) => n !== 'counter');

const identifier = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,8}$/);

/** Random CQL types up to `depth` levels of nesting; nested collections are frozen as CQL requires. */
export function arbType(depth: number, options: { comparableOnly?: boolean } = {}): fc.Arbitrary<CqlType> {
  const natives = fc.constantFrom(...(options.comparableOnly === true ? COMPARABLE_NATIVES : VALUE_NATIVES)).map(nativeType);
  if (depth <= 0) return natives;
  const inner = arbType(depth - 1, options);
  const keyType = arbType(depth - 1, { comparableOnly: true });
  return fc.oneof(
    { weight: 3, arbitrary: natives },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('list' as const), element: inner, frozen: fc.constant(true) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), element: keyType, frozen: fc.constant(true) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('map' as const), key: keyType, value: inner, frozen: fc.constant(true) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('tuple' as const), elements: fc.array(inner, { minLength: 1, maxLength: 3 }) }) },
    {
      weight: 1,
      arbitrary: fc.uniqueArray(identifier, { minLength: 1, maxLength: 3, selector: (n) => n.toLowerCase() }).chain((names) =>
        fc.tuple(...names.map(() => inner)).map((types): CqlType => ({
          kind: 'udt', keyspace: 'ks', name: 'udt_t', fieldNames: names, fieldTypes: types, frozen: true,
        }))),
    },
  );
}

const ipv6Bytes = fc.uint8Array({ minLength: 16, maxLength: 16 })
  .filter((b) => !(b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff));

function nativeValue(name: NativeTypeName, options: ValueOptions): fc.Arbitrary<JsValue> {
  switch (name) {
    case 'int': return fc.integer({ min: INT32_MIN, max: INT32_MAX });
    case 'smallint': return fc.integer({ min: -32768, max: 32767 });
    case 'tinyint': return fc.integer({ min: -128, max: 127 });
    case 'bigint': case 'counter': return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'varint': return fc.oneof(fc.bigInt({ min: -(2n ** 130n), max: 2n ** 130n }), fc.bigInt({ min: -300n, max: 300n }));
    case 'decimal': return fc.record({
      unscaled: fc.oneof(fc.bigInt({ min: -(2n ** 90n), max: 2n ** 90n }), fc.bigInt({ min: -1000n, max: 1000n })),
      scale: fc.integer({ min: -30, max: 30 }),
    });
    case 'float': return fc.float();
    case 'double': return fc.double();
    case 'boolean': return fc.boolean();
    case 'text': return fc.string({ unit: 'grapheme', maxLength: 12 });
    case 'ascii': return fc.string({ unit: 'binary-ascii', maxLength: 12 });
    case 'blob': return fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b));
    case 'uuid': return fc.uuid();
    case 'timeuuid': return fc.uuid({ version: 1 });
    case 'inet': return fc.oneof(fc.ipV4(), ipv6Bytes.map((b) => formatInet(Buffer.from(b))));
    case 'timestamp': return options.displayable === true
      ? fc.integer({ min: YEAR_1_DAYS * DAY_MS, max: (YEAR_9999_DAYS + 1) * DAY_MS - 1 })
      : fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 });
    case 'date': return options.displayable === true
      ? fc.integer({ min: YEAR_1_DAYS, max: YEAR_9999_DAYS })
      : fc.integer({ min: INT32_MIN, max: INT32_MAX });
    case 'time': return fc.bigInt({ min: 0n, max: 86_399_999_999_999n });
    case 'duration': return fc.tuple(
      fc.boolean(), fc.integer({ min: 0, max: INT32_MAX }), fc.integer({ min: 0, max: INT32_MAX }), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
    ).filter(([, m, d, n]) => options.displayable !== true || m !== 0 || d !== 0 || n !== 0n)
      .map(([negative, m, d, n]) => (negative
        ? { months: m === 0 ? 0 : -m, days: d === 0 ? 0 : -d, nanoseconds: -n }
        : { months: m, days: d, nanoseconds: n }));
  }
}

/** Random JS values of `type`. */
export function arbValue(type: CqlType, options: ValueOptions = {}): fc.Arbitrary<JsValue> {
  switch (type.kind) {
    case 'native': return nativeValue(type.name, options);
    case 'custom': return fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b));
    case 'list': case 'set': return fc.array(arbValue(type.element, options), { maxLength: 4 });
    case 'map': return fc.array(fc.tuple(arbValue(type.key, options), arbValue(type.value, options)), { maxLength: 4 });
    case 'tuple': case 'udt': {
      const types = type.kind === 'tuple' ? type.elements : type.fieldTypes;
      const components = types.map((t) => fc.option(arbValue(t, options), { nil: null, freq: 4 }));
      const full = fc.tuple(...components);
      if (options.fullComposites === true) return full;
      return fc.tuple(full, fc.nat({ max: types.length })).map(([values, drop]) => (type.kind === 'udt' ? values.slice(0, values.length - drop) : values));
    }
  }
}

/** A type together with a value of it. */
export function arbTypedValue(depth: number, options: ValueOptions = {}): fc.Arbitrary<{ type: CqlType; value: JsValue }> {
  return arbType(depth).chain((type) => arbValue(type, options).map((value) => ({ type, value })));
}
