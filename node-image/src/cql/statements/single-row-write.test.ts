// The one-row write path must build exactly the mutations of the general path, and fail with the
// same errors, for every statement it accepts; statements it does not accept keep the general path.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Coordinator } from '../../coordinator/index.ts';
import type { Clock, Random } from '../../io/index.ts';
import { MicrosTimestampSource } from '../../io/index.ts';
import { ConsistencyLevel } from '../../lib/index.ts';
import type { CqlType } from '../../schema/index.ts';
import { buildKeyspaceMetadata, buildSchemaSnapshot, buildTableMetadata, nativeType, TimeuuidGenerator } from '../../schema/index.ts';
import type { Mutation } from '../../storage/index.ts';
import type { ModificationStatement } from '../ast.ts';
import { ListPathSource } from '../list-paths.ts';
import { parseStatement } from '../parser/parser.ts';
import type { BoundValue, QueryOptions } from '../service.ts';
import { UNSET } from '../service.ts';
import { BindCollector } from '../terms.ts';
import { prepareModification } from './modification.ts';
import type { Execution, PreparedModification } from './statement-context.ts';
import { DEFAULT_CQL_LIMITS } from './statement-context.ts';

const SIMPLE = { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '1' } };
const blob = nativeType('blob');
const int = nativeType('int');
const text = nativeType('text');
const listOfInt: CqlType = { kind: 'list', element: int, frozen: false };

const schema = buildSchemaSnapshot('00000000-0000-0000-0000-000000000001', [buildKeyspaceMetadata({
  name: 'ks', replication: SIMPLE, tables: [
    buildTableMetadata({
      keyspace: 'ks', name: 'standard1', id: '00000000-0000-0000-0000-0000000000a1', partitionKey: [{ name: 'key', type: blob }],
      columns: ['C0', 'C1', 'C2', 'C3', 'C4'].map((name) => ({ name, type: blob })),
    }),
    buildTableMetadata({
      keyspace: 'ks', name: 'wide', id: '00000000-0000-0000-0000-0000000000a2',
      partitionKey: [{ name: 'a', type: int }, { name: 'b', type: text }],
      clustering: [{ name: 'c', type: int, order: 'desc' }, { name: 'd', type: text }],
      columns: [{ name: 'z', type: int }, { name: 'y', type: text }, { name: 'l', type: listOfInt }, { name: 's', type: int, isStatic: true }],
    }),
  ],
})]);

const clock: Clock = { nowMs: () => 1_700_000_000_123, monotonicMs: () => 0 };
const random: Random = { nextUint32: () => 7, nextFloat: () => 0.5, fillBytes: (b) => b.fill(7) };
const timeuuids = new TimeuuidGenerator(clock, random);

function prepare(cql: string): PreparedModification & { usesSingleRowPath: boolean; generalMutations(e: Execution, ts: number): Promise<Mutation[]> } {
  const parsed = parseStatement(cql);
  const ctx = { schema, sessionKeyspace: 'ks', binds: new BindCollector(parsed.bindMarkerCount), limits: DEFAULT_CQL_LIMITS };
  return prepareModification(parsed.statement as ModificationStatement, ctx, new ListPathSource(Buffer.alloc(8, 1))) as never;
}

function execution(values: readonly BoundValue[]): Execution {
  const options: QueryOptions = {
    consistency: ConsistencyLevel.ONE, values, valueNames: null, skipMetadata: false, pageSize: null, pagingState: null,
    serialConsistency: null, timestampMicros: null, keyspace: null, nowInSeconds: null,
  };
  const nowMs = clock.nowMs();
  return {
    services: {
      coordinator: null as unknown as Coordinator, clock, timestamps: new MicrosTimestampSource(clock), timeuuids, random,
      limits: DEFAULT_CQL_LIMITS, publishSchemaChange: () => {},
    },
    options, values, session: { keyspace: 'ks', clientAddress: '', clientPort: 0, user: null, protocolVersion: 4 }, nowMs,
    env: { values, nowMs, timeuuids, random }, warnings: [],
  };
}

/** Both paths' outcome: the mutations, or the error message. */
async function outcomes(cql: string, values: readonly BoundValue[]): Promise<{ fast: unknown; general: unknown }> {
  const statement = prepare(cql);
  expect(statement.usesSingleRowPath).toBe(true);
  const settle = (p: () => Promise<Mutation[]>): Promise<unknown> => p().then((m) => m, (e: unknown) => ({ error: (e as Error).message }));
  return {
    fast: await settle(() => statement.buildMutations(execution(values), 1_000_000)),
    general: await settle(() => statement.generalMutations(execution(values), 1_000_000)),
  };
}

const int32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};
const bigint64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

/** A bound value: bytes, null, unset, or something a type check refuses. */
const arbBlob = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ minLength: 0, maxLength: 12 }).map((a) => Buffer.from(a) as BoundValue) },
  { weight: 1, arbitrary: fc.constant<BoundValue>(null) },
  { weight: 1, arbitrary: fc.constant<BoundValue>(UNSET) },
);
const arbInt = fc.oneof(
  { weight: 6, arbitrary: fc.integer().map((n) => int32(n) as BoundValue) },
  { weight: 1, arbitrary: fc.constant<BoundValue>(null) },
  { weight: 1, arbitrary: fc.constant<BoundValue>(UNSET) },
  { weight: 1, arbitrary: fc.constant<BoundValue>(Buffer.from([1, 2])) },
);
const arbText = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 6 }).map((s) => Buffer.from(s, 'utf8') as BoundValue) },
  { weight: 1, arbitrary: fc.constant<BoundValue>(null) },
  { weight: 1, arbitrary: fc.constant<BoundValue>(UNSET) },
);
const arbTtl = fc.oneof(
  fc.constantFrom(0, 1, 3600, -1, 630_720_001).map((n) => int32(n) as BoundValue),
  fc.constant<BoundValue>(null),
  fc.constant<BoundValue>(UNSET),
);
const arbTimestamp = fc.oneof(
  fc.constantFrom(5n, 1_700_000_000_000_000n, -(1n << 63n), 1n << 60n).map((n) => bigint64(n) as BoundValue),
  fc.constant<BoundValue>(null),
  fc.constant<BoundValue>(UNSET),
);

describe('single-row write path', () => {
  it('builds the general path mutations for the stress INSERT (any values)', async () => {
    const cql = 'INSERT INTO standard1 (key, "C0", "C1", "C2", "C3", "C4") VALUES (?, ?, ?, ?, ?, ?)';
    await fc.assert(fc.asyncProperty(fc.array(arbBlob, { minLength: 6, maxLength: 6 }), async (values) => {
      const { fast, general } = await outcomes(cql, values);
      expect(fast).toEqual(general);
    }), { numRuns: 300 });
  });

  it('matches with columns out of storage order, TTL and timestamp markers', async () => {
    const cql = 'INSERT INTO standard1 (key, "C3", "C0", "C4") VALUES (?, ?, ?, ?) USING TTL ? AND TIMESTAMP ?';
    await fc.assert(fc.asyncProperty(fc.array(arbBlob, { minLength: 4, maxLength: 4 }), arbTtl, arbTimestamp, async (values, ttl, ts) => {
      const { fast, general } = await outcomes(cql, [...values, ttl, ts]);
      expect(fast).toEqual(general);
    }), { numRuns: 300 });
  });

  it('matches for composite partition keys and clustering columns (INSERT and UPDATE)', async () => {
    const insert = 'INSERT INTO wide (a, b, c, d, z, y) VALUES (?, ?, ?, ?, ?, ?)';
    await fc.assert(fc.asyncProperty(arbInt, arbText, arbInt, arbText, arbInt, arbText, async (...values) => {
      const { fast, general } = await outcomes(insert, values);
      expect(fast).toEqual(general);
    }), { numRuns: 300 });
    const update = 'UPDATE wide USING TTL ? SET y = ?, z = ? WHERE a = ? AND b = ? AND c = ? AND d = ?';
    await fc.assert(fc.asyncProperty(arbTtl, arbText, arbInt, arbInt, arbText, arbInt, arbText, async (...values) => {
      const { fast, general } = await outcomes(update, values);
      expect(fast).toEqual(general);
    }), { numRuns: 300 });
    const tuple = 'UPDATE wide SET z = 1 WHERE a = ? AND b = ? AND (c, d) = (?, ?)';
    await fc.assert(fc.asyncProperty(arbInt, arbText, arbInt, arbText, async (...values) => {
      const { fast, general } = await outcomes(tuple, values);
      expect(fast).toEqual(general);
    }), { numRuns: 100 });
  });

  it('leaves other statements to the general path', () => {
    for (const cql of [
      'INSERT INTO standard1 (key, "C0") VALUES (?, ?) IF NOT EXISTS',
      'INSERT INTO standard1 JSON ?',
      'UPDATE standard1 SET "C0" = ? WHERE key IN (?, ?)',
      'UPDATE wide SET z = ? WHERE a = ? AND b = ? AND c = ?',
      'UPDATE wide SET z = ? WHERE a = ? AND b = ? AND c IN (1, 2) AND d = ?',
      'UPDATE wide SET l = l + ? WHERE a = ? AND b = ? AND c = ? AND d = ?',
      'UPDATE wide SET l = ? WHERE a = ? AND b = ? AND c = ? AND d = ?',
      'UPDATE wide SET s = ? WHERE a = ? AND b = ?',
      'DELETE FROM standard1 WHERE key = ?',
    ]) {
      expect(prepare(cql).usesSingleRowPath, cql).toBe(false);
    }
  });
});
