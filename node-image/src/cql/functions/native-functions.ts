// Cassandra's native scalar functions and aggregates (cql/functions.html): time functions,
// uuid generation, blob conversions for every native type, toJson/fromJson handled by callers,
// and count/min/max/sum/avg.
import { invalidRequest } from '../../lib/index.ts';
import type { CqlType, NativeTypeName } from '../../schema/index.ts';
import {
  NATIVE_TYPE_NAMES, codecFor, comparatorFor, maxTimeuuid, minTimeuuid, nativeType, randomUuid, timeuuidToUnixMs,
} from '../../schema/index.ts';
import type { AggregateFunction, AggregateState, FunctionEnv, ScalarFunction } from './function-types.ts';

const T = nativeType;
const MS_PER_DAY = 86_400_000;

function scalar(
  name: string,
  argumentTypes: readonly CqlType[],
  returnType: CqlType,
  execute: (args: ReadonlyArray<Buffer | null>, env: FunctionEnv) => Buffer | null,
  options: { deterministic?: boolean; calledOnNullInput?: boolean } = {},
): ScalarFunction {
  return {
    name, argumentTypes, returnType, execute,
    deterministic: options.deterministic ?? true,
    calledOnNullInput: options.calledOnNullInput ?? false,
  };
}

const timestampCodec = () => codecFor(T('timestamp'));
const dateCodec = () => codecFor(T('date'));
const bigintCodec = () => codecFor(T('bigint'));

function timestampBytes(ms: number): Buffer {
  return timestampCodec().serialize(ms);
}

function dateBytesFromMs(ms: number): Buffer {
  return dateCodec().serialize(Math.floor(ms / MS_PER_DAY));
}

function msOfTimestamp(bytes: Buffer): number {
  return timestampCodec().deserialize(bytes) as number;
}

function msOfDate(bytes: Buffer): number {
  return (dateCodec().deserialize(bytes) as number) * MS_PER_DAY;
}

function buildScalars(): ScalarFunction[] {
  const fns: ScalarFunction[] = [
    scalar('now', [], T('timeuuid'), (_a, env) => env.timeuuids.next(), { deterministic: false }),
    scalar('currenttimeuuid', [], T('timeuuid'), (_a, env) => env.timeuuids.next(), { deterministic: false }),
    scalar('uuid', [], T('uuid'), (_a, env) => randomUuid(env.random), { deterministic: false }),
    scalar('currenttimestamp', [], T('timestamp'), (_a, env) => timestampBytes(env.nowMs), { deterministic: false }),
    scalar('currentdate', [], T('date'), (_a, env) => dateBytesFromMs(env.nowMs), { deterministic: false }),
    scalar('currenttime', [], T('time'), (_a, env) => codecFor(T('time')).serialize(BigInt(env.nowMs % MS_PER_DAY) * 1_000_000n), { deterministic: false }),
    scalar('mintimeuuid', [T('timestamp')], T('timeuuid'), ([a]) => minTimeuuid(msOfTimestamp(a!))),
    scalar('maxtimeuuid', [T('timestamp')], T('timeuuid'), ([a]) => maxTimeuuid(msOfTimestamp(a!))),
    scalar('todate', [T('timeuuid')], T('date'), ([a]) => dateBytesFromMs(timeuuidToUnixMs(a!))),
    scalar('todate', [T('timestamp')], T('date'), ([a]) => dateBytesFromMs(msOfTimestamp(a!))),
    scalar('totimestamp', [T('timeuuid')], T('timestamp'), ([a]) => timestampBytes(timeuuidToUnixMs(a!))),
    scalar('totimestamp', [T('date')], T('timestamp'), ([a]) => timestampBytes(msOfDate(a!))),
    scalar('tounixtimestamp', [T('timeuuid')], T('bigint'), ([a]) => bigintCodec().serialize(BigInt(timeuuidToUnixMs(a!)))),
    scalar('tounixtimestamp', [T('timestamp')], T('bigint'), ([a]) => bigintCodec().serialize(BigInt(msOfTimestamp(a!)))),
    scalar('tounixtimestamp', [T('date')], T('bigint'), ([a]) => bigintCodec().serialize(BigInt(msOfDate(a!)))),
    scalar('dateof', [T('timeuuid')], T('timestamp'), ([a]) => timestampBytes(timeuuidToUnixMs(a!))),
    scalar('unixtimestampof', [T('timeuuid')], T('bigint'), ([a]) => bigintCodec().serialize(BigInt(timeuuidToUnixMs(a!)))),
  ];
  for (const name of NATIVE_TYPE_NAMES) {
    if (name === 'counter') continue;
    const type = T(name);
    const codec = codecFor(type);
    fns.push(scalar(`${name}asblob`, [type], T('blob'), ([a]) => a));
    fns.push(scalar(`blobas${name}`, [T('blob')], type, ([a]) => {
      codec.validate(a!);
      return a;
    }));
    if (name === 'text') {
      fns.push(scalar('varcharasblob', [type], T('blob'), ([a]) => a));
      fns.push(scalar('blobasvarchar', [T('blob')], type, ([a]) => {
        codec.validate(a!);
        return a;
      }));
    }
  }
  return fns;
}

let scalarsByName: Map<string, ScalarFunction[]> | null = null;

/** Overloads of a native scalar function by (lower-cased) name; empty if none. */
export function nativeScalarOverloads(name: string): readonly ScalarFunction[] {
  if (scalarsByName === null) {
    scalarsByName = new Map();
    for (const fn of buildScalars()) {
      const list = scalarsByName.get(fn.name) ?? [];
      list.push(fn);
      scalarsByName.set(fn.name, list);
    }
  }
  return scalarsByName.get(name.toLowerCase()) ?? [];
}

// ------------------------------------------------------------------------------------------
// Aggregates

const NUMERIC: readonly NativeTypeName[] = ['tinyint', 'smallint', 'int', 'bigint', 'varint', 'decimal', 'float', 'double', 'counter'];

function countAggregate(argumentTypes: readonly CqlType[]): AggregateFunction {
  return {
    name: 'count', argumentTypes, returnType: T('bigint'),
    newState(): AggregateState {
      let n = 0n;
      return {
        add(args) {
          if (args.length === 0 || args[0] !== null) n += 1n;
        },
        result: () => bigintCodec().serialize(n),
      };
    },
  };
}

function extremeAggregate(name: 'min' | 'max', type: CqlType): AggregateFunction {
  const compare = comparatorFor(type);
  return {
    name, argumentTypes: [type], returnType: type,
    newState(): AggregateState {
      let best: Buffer | null = null;
      return {
        add([a]) {
          if (a === null || a === undefined || a.length === 0) return;
          if (best === null) best = a;
          else {
            const c = compare(a, best);
            if ((name === 'min' && c < 0) || (name === 'max' && c > 0)) best = a;
          }
        },
        result: () => best,
      };
    },
  };
}

function sumOrAvgAggregate(name: 'sum' | 'avg', type: Extract<CqlType, { kind: 'native' }>): AggregateFunction {
  const codec = codecFor(type);
  const integral = type.name !== 'float' && type.name !== 'double' && type.name !== 'decimal';
  return {
    name, argumentTypes: [type], returnType: type,
    newState(): AggregateState {
      let intSum = 0n;
      let floatSum = 0;
      let decimalSum: { unscaled: bigint; scale: number } = { unscaled: 0n, scale: 0 };
      let count = 0;
      return {
        add([a]) {
          if (a === null || a === undefined || a.length === 0) return;
          count++;
          const v = codec.deserialize(a);
          if (type.name === 'decimal') {
            const d = v as { unscaled: bigint; scale: number };
            const scale = Math.max(d.scale, decimalSum.scale);
            decimalSum = {
              unscaled: decimalSum.unscaled * 10n ** BigInt(scale - decimalSum.scale) + d.unscaled * 10n ** BigInt(scale - d.scale),
              scale,
            };
          } else if (integral) intSum += typeof v === 'bigint' ? v : BigInt(v as number);
          else floatSum += v as number;
        },
        result() {
          if (type.name === 'decimal') {
            if (name === 'sum' || count === 0) return codec.serialize(decimalSum);
            // avg of decimals: divide with extra precision, as BigDecimal.divide with MathContext DECIMAL128.
            const extra = 34;
            const scaled = (decimalSum.unscaled * 10n ** BigInt(extra)) / BigInt(count);
            return codec.serialize(normalizeDecimal({ unscaled: scaled, scale: decimalSum.scale + extra }));
          }
          if (integral) {
            const value = name === 'sum' || count === 0 ? intSum : intSum / BigInt(count);
            return codec.serialize(fitIntegral(type.name, value));
          }
          const value = name === 'sum' || count === 0 ? floatSum : floatSum / count;
          return codec.serialize(value);
        },
      };
    },
  };
}

function normalizeDecimal(d: { unscaled: bigint; scale: number }): { unscaled: bigint; scale: number } {
  let { unscaled, scale } = d;
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  return { unscaled, scale };
}

/** Integral sums overflow as Java's do (wrapping to the type's width), except varint. */
function fitIntegral(name: NativeTypeName, value: bigint): bigint | number {
  switch (name) {
    case 'tinyint': return Number(BigInt.asIntN(8, value));
    case 'smallint': return Number(BigInt.asIntN(16, value));
    case 'int': return Number(BigInt.asIntN(32, value));
    case 'bigint': case 'counter': return BigInt.asIntN(64, value);
    default: return value;
  }
}

/** The native aggregate `name` for arguments of `argumentTypes`, or null if none applies. */
export function nativeAggregate(name: string, argumentTypes: readonly CqlType[]): AggregateFunction | null {
  const lower = name.toLowerCase();
  if (lower === 'count') return countAggregate(argumentTypes);
  if (argumentTypes.length !== 1) return null;
  const type = argumentTypes[0]!;
  if (lower === 'min' || lower === 'max') return extremeAggregate(lower, type);
  if ((lower === 'sum' || lower === 'avg') && type.kind === 'native' && NUMERIC.includes(type.name)) {
    return sumOrAvgAggregate(lower, type);
  }
  if (lower === 'sum' || lower === 'avg') {
    throw invalidRequest(`Invalid call to function ${lower}, none of its type signatures match`);
  }
  return null;
}

export function isAggregateName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'count' || lower === 'min' || lower === 'max' || lower === 'sum' || lower === 'avg';
}
