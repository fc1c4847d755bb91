// The register workload: clients read and write small integer registers, one per partition of
// ks.reg (k int PRIMARY KEY, v int). "Plain" keys get INSERTs and SELECTs at chosen consistency
// levels; "lwt" keys get conditional updates, INSERT IF NOT EXISTS and SERIAL reads (the two are
// never mixed on one key: Cassandra does not promise linearizability across them). Every write
// carries a value no other write uses, so reads identify the write they observed.
import type { ConsistencyLevel } from '../lib/index.ts';
import { ConsistencyLevel as CL, consistencyName } from '../lib/index.ts';
import type { History } from './history.ts';
import type { RegisterInput, RegisterOutput } from './linearizability.ts';
import type { SimClient } from './sim-client.ts';
import { intValue, readInt, rowsOf } from './sim-client.ts';
import type { SimCluster } from './sim-cluster.ts';
import type { SimRandom } from './sim-random.ts';
import { SIM_EPOCH_MS } from './scheduler.ts';

export const REGISTER_KEYSPACE = 'ks';
export const REGISTER_TABLE = 'reg';
/** Bound on operations one client issues in a run. */
export const CLIENT_OPERATIONS_MAX = 10_000;

export interface RegisterWorkloadOptions {
  readonly cluster: SimCluster;
  readonly history: History;
  readonly plainKeys: readonly number[];
  readonly lwtKeys: readonly number[];
  /** Nodes a client may send a request to (coordinators), evaluated per request. */
  readonly coordinators: () => readonly number[];
  readonly writeConsistency: readonly ConsistencyLevel[];
  readonly readConsistency: readonly ConsistencyLevel[];
  readonly serialConsistency: ConsistencyLevel;
  /** Pause between a client's operations. */
  readonly thinkMinMs: number;
  readonly thinkMaxMs: number;
  /**
   * Plain writes carry a client timestamp (strictly increasing across the workload, from virtual
   * time) so that "the newest acknowledged write" is defined whatever the nodes' clocks say.
   */
  readonly clientTimestamps?: boolean;
}

/** What the workload knows of one plain write, by its (unique) value. */
export interface PlainWrite {
  readonly key: number;
  readonly value: number;
  readonly consistency: ConsistencyLevel;
  /** Client timestamp, or null when the coordinator assigned one. */
  readonly timestampMicros: number | null;
  outcome: 'pending' | 'acknowledged' | 'failed' | 'unknown';
}

/** Creates the keyspace and table through `node` (retried while the node is not ready). */
export async function createRegisterSchema(options: { client: SimClient; node: number; replicationFactor: number }): Promise<void> {
  const statements = [
    `CREATE KEYSPACE IF NOT EXISTS ${REGISTER_KEYSPACE} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${options.replicationFactor}}`,
    `CREATE TABLE IF NOT EXISTS ${REGISTER_KEYSPACE}.${REGISTER_TABLE} (k int PRIMARY KEY, v int)`,
  ];
  for (const text of statements) {
    const outcome = await options.client.execute({ node: options.node, text, values: [], consistency: CL.ONE });
    if (outcome.kind !== 'ok') throw new Error(`schema statement failed (${outcome.reason}): ${text}`);
  }
}

export class RegisterWorkload {
  private readonly options: RegisterWorkloadOptions;
  private nextValue = 1;
  private issued = 0;
  private lastTimestampMicros = 0;
  /** Every plain write issued, by value. */
  readonly plainWrites = new Map<number, PlainWrite>();

  constructor(options: RegisterWorkloadOptions) {
    this.options = options;
  }

  /** Operations issued so far (all clients). */
  get operationsIssued(): number {
    return this.issued;
  }

  /** Runs one client until virtual time `untilMs`. */
  async runClient(client: SimClient, random: SimRandom, untilMs: number): Promise<void> {
    const scheduler = this.options.cluster.scheduler;
    const lastSeen = new Map<number, number | null>();
    for (let n = 0; n < CLIENT_OPERATIONS_MAX && scheduler.nowMs < untilMs; n++) {
      await this.step(client, random, lastSeen);
      await scheduler.sleep(random.between(this.options.thinkMinMs, this.options.thinkMaxMs));
    }
  }

  /** One read of every key through `node` (recorded like any other operation). */
  async readAll(client: SimClient, node: number, consistency: { plain: ConsistencyLevel; serial: ConsistencyLevel }): Promise<void> {
    for (const key of this.options.plainKeys) await this.read(client, node, key, consistency.plain, null);
    for (const key of this.options.lwtKeys) await this.read(client, node, key, CL.ONE, consistency.serial);
  }

  private async step(client: SimClient, random: SimRandom, lastSeen: Map<number, number | null>): Promise<void> {
    const o = this.options;
    const nodes = o.coordinators();
    if (nodes.length === 0) return;
    const node = random.pick(nodes);
    const lwt = o.lwtKeys.length > 0 && (o.plainKeys.length === 0 || random.chance(0.5));
    if (!lwt) {
      const key = random.pick(o.plainKeys);
      if (random.chance(0.5)) await this.write(client, node, key, random.pick(o.writeConsistency));
      else await this.read(client, node, key, random.pick(o.readConsistency), null);
      return;
    }
    const key = random.pick(o.lwtKeys);
    const r = random.float();
    if (r < 0.4) {
      const seen = lastSeen.get(key);
      const expected = seen === undefined || random.chance(0.2) ? null : seen;
      const value = await this.cas(client, node, key, expected);
      if (value !== undefined) lastSeen.set(key, value);
    } else if (r < 0.55) {
      const value = await this.cas(client, node, key, null);
      if (value !== undefined) lastSeen.set(key, value);
    } else {
      const value = await this.read(client, node, key, CL.ONE, o.serialConsistency);
      if (value !== undefined) lastSeen.set(key, value);
    }
  }

  private async write(client: SimClient, node: number, key: number, consistency: ConsistencyLevel): Promise<void> {
    const value = this.nextValue++;
    const input: RegisterInput = { kind: 'write', value };
    const timestampMicros = this.options.clientTimestamps === true ? this.nextTimestampMicros() : null;
    const record: PlainWrite = { key, value, consistency, timestampMicros, outcome: 'pending' };
    this.plainWrites.set(value, record);
    const pending = this.invoke(client, node, key, input, consistencyName(consistency));
    const outcome = await client.execute({
      node, consistency, text: `INSERT INTO ${REGISTER_KEYSPACE}.${REGISTER_TABLE} (k, v) VALUES (?, ?)`, values: [intValue(key), intValue(value)],
      ...(timestampMicros === null ? {} : { timestampMicros }),
    });
    record.outcome = outcome.kind === 'ok' ? 'acknowledged' : outcome.kind;
    if (outcome.kind === 'ok') this.options.history.complete(pending, { kind: 'write' });
    else this.settleFailure(pending, outcome.kind);
  }

  private nextTimestampMicros(): number {
    const now = Math.floor((SIM_EPOCH_MS + this.options.cluster.scheduler.nowMs) * 1000);
    this.lastTimestampMicros = Math.max(now, this.lastTimestampMicros + 1);
    return this.lastTimestampMicros;
  }

  /** Reads `key` at `consistency` through `node` without recording it in the history. */
  async probe(client: SimClient, node: number, key: number, consistency: ConsistencyLevel): Promise<{ value: number | null } | { error: string }> {
    const outcome = await client.execute({
      node, consistency, text: `SELECT v FROM ${REGISTER_KEYSPACE}.${REGISTER_TABLE} WHERE k = ?`, values: [intValue(key)],
    });
    if (outcome.kind !== 'ok') return { error: outcome.reason };
    const { rows } = rowsOf(outcome.response);
    return { value: rows.length === 0 ? null : readInt(rows[0]![0]) };
  }

  /** Returns the value read (undefined when the read failed). */
  private async read(client: SimClient, node: number, key: number, consistency: ConsistencyLevel, serial: ConsistencyLevel | null): Promise<number | null | undefined> {
    const pending = this.invoke(client, node, key, { kind: 'read' }, consistencyName(serial ?? consistency));
    const outcome = await client.execute({
      node, consistency: serial ?? consistency, text: `SELECT v FROM ${REGISTER_KEYSPACE}.${REGISTER_TABLE} WHERE k = ?`, values: [intValue(key)],
    });
    if (outcome.kind !== 'ok') {
      this.settleFailure(pending, outcome.kind);
      return undefined;
    }
    const { rows } = rowsOf(outcome.response);
    const value = rows.length === 0 ? null : readInt(rows[0]![0]);
    this.options.history.complete(pending, { kind: 'read', value });
    return value;
  }

  /** Compare-and-set (`expected` null: INSERT IF NOT EXISTS); returns the value now believed current. */
  private async cas(client: SimClient, node: number, key: number, expected: number | null): Promise<number | null | undefined> {
    const o = this.options;
    const value = this.nextValue++;
    const pending = this.invoke(client, node, key, { kind: 'cas', expected, value }, consistencyName(o.serialConsistency));
    const table = `${REGISTER_KEYSPACE}.${REGISTER_TABLE}`;
    const outcome = expected === null
      ? await client.execute({
        node, consistency: CL.QUORUM, serialConsistency: o.serialConsistency,
        text: `INSERT INTO ${table} (k, v) VALUES (?, ?) IF NOT EXISTS`, values: [intValue(key), intValue(value)],
      })
      : await client.execute({
        node, consistency: CL.QUORUM, serialConsistency: o.serialConsistency,
        text: `UPDATE ${table} SET v = ? WHERE k = ? IF v = ?`, values: [intValue(value), intValue(key), intValue(expected)],
      });
    if (outcome.kind !== 'ok') {
      this.settleFailure(pending, outcome.kind);
      return undefined;
    }
    const { columns, rows } = rowsOf(outcome.response);
    const row = rows[0];
    const appliedAt = columns.indexOf('[applied]');
    const applied = row !== undefined && appliedAt >= 0 && row[appliedAt] !== null && row[appliedAt]![0] === 1;
    if (applied) {
      o.history.complete(pending, { kind: 'cas', applied: true });
      return value;
    }
    const valueAt = columns.indexOf('v');
    const output: RegisterOutput = valueAt >= 0 && row !== undefined
      ? { kind: 'cas', applied: false, current: readInt(row[valueAt]) }
      : { kind: 'cas', applied: false };
    o.history.complete(pending, output);
    return output.kind === 'cas' && output.current !== undefined ? output.current : undefined;
  }

  private invoke(client: SimClient, node: number, key: number, input: RegisterInput, consistency: string): ReturnType<History['invoke']> {
    this.issued++;
    return this.options.history.invoke({ key, input, client: client.name, node: `n${node}`, consistency });
  }

  private settleFailure(pending: ReturnType<History['invoke']>, kind: 'failed' | 'unknown'): void {
    if (kind === 'failed') this.options.history.failed(pending);
    else this.options.history.indeterminate(pending);
  }
}
