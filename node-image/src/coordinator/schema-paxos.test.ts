// Schema changes through the schema Paxos register on an in-process cluster (virtual time, seeded):
// concurrent DDL from several coordinators loses nothing and counts strictly upwards, IF NOT EXISTS
// races create one table, no majority fails cleanly (Unavailable / WriteTimeout) and changes
// nothing, contention is retried until the timeout, an attempt finished by another coordinator is
// not applied twice, the register survives power loss, and a lone node sends no message.
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom, token } from '../cluster/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode, alreadyExists } from '../lib/index.ts';
import { Verb } from '../messaging/index.ts';
import { VirtualTime } from '../messaging/testing/virtual-time.ts';
import { buildTableMetadata, withTable } from '../schema/index.ts';
import type { SchemaSnapshot } from '../schema/index.ts';
import type { SchemaChangeRequest } from './coordinator.ts';
import { ballotFromMicros } from './paxos/ballot.ts';
import { PaxosMessageCodec, decodePrepareResponse } from './paxos/paxos-messages.ts';
import { SCHEMA_CHANGE_TIMEOUT_MS_DEFAULT, SCHEMA_PAXOS_PARTITION, decodeSchemaValue, encodeSchemaValue } from './schema-paxos.ts';
import { kvTable } from './testing/kv-fixtures.ts';
import { TestCluster, evenTokens } from './testing/test-cluster.ts';

const SIMPLE = 'org.apache.cassandra.locator.SimpleStrategy';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

async function start(nodes: number, seed: number): Promise<TestCluster> {
  const time = new VirtualTime();
  const c = await TestCluster.start({
    nodes: evenTokens(nodes, 4).map((tokens) => ({ tokens })), time, random: new SeededRandom(seed), latencyMinMs: 1, latencyMaxMs: 3,
  });
  cluster = c;
  await c.createKeyspace('ks', { class: SIMPLE, options: { replication_factor: String(Math.min(nodes, 3)) } });
  return c;
}

/** CREATE TABLE ks.<name> [IF NOT EXISTS], as the CQL layer builds it (fresh version per attempt). */
function createTable(c: TestCluster, name: string, ifNotExists: boolean): SchemaChangeRequest {
  const table = buildTableMetadata({ ...kvTable('ks', name), id: c.newVersion() });
  return {
    apply: (s: SchemaSnapshot) => {
      if (s.keyspaces.get('ks')?.tables.has(name) === true) {
        if (ifNotExists) return s;
        throw alreadyExists('ks', name, `Cannot add already existing table "${name}" to keyspace "ks"`);
      }
      return withTable(s, table, c.newVersion());
    },
  };
}

/** Records every epoch counter each node installs. */
function watchEpochs(c: TestCluster): number[][] {
  return c.nodes.map((n) => {
    const seen: number[] = [];
    n.coordinator.onSchemaInstalled(() => seen.push(n.coordinator.schemaEpoch.counter));
    return seen;
  });
}

function tablesOn(c: TestCluster, i: number): string[] {
  return [...c.node(i).schemaStore.current().keyspaces.get('ks')!.tables.keys()].sort();
}

function expectAgreement(c: TestCluster): void {
  const v = c.node(0).schemaStore.current().version;
  for (const n of c.nodes) {
    expect(n.schemaStore.current().version).toBe(v);
    expect(n.coordinator.schemaEpoch).toEqual(c.coordinator(0).schemaEpoch);
  }
}

async function failure(c: TestCluster, p: Promise<unknown>): Promise<CqlError> {
  try {
    await c.run(p);
  } catch (e) {
    expect(e).toBeInstanceOf(CqlError);
    return e as CqlError;
  }
  throw new Error('expected a CqlError');
}

describe('schema Paxos: concurrent DDL', () => {
  for (const seed of [1, 2, 3]) {
    it(`three coordinators creating different tables at once lose nothing (seed ${seed})`, async () => {
      const c = await start(3, seed);
      const before = c.coordinator(0).schemaEpoch.counter;
      const epochs = watchEpochs(c);
      const names: string[] = [];
      const all: Array<Promise<SchemaSnapshot>> = [];
      for (let i = 0; i < 3; i++) {
        for (let k = 0; k < 5; k++) {
          names.push(`t${i}_${k}`);
          all.push(c.coordinator(i).changeSchema(createTable(c, `t${i}_${k}`, false)));
        }
      }
      await c.run(Promise.all(all));
      await c.idle(50);
      for (let i = 0; i < 3; i++) expect(tablesOn(c, i)).toEqual([...names].sort());
      expectAgreement(c);
      // One commit per DDL, counted strictly upwards on every node.
      expect(c.coordinator(0).schemaEpoch.counter).toBe(before + 15);
      for (const seen of epochs) {
        expect(seen.length).toBeGreaterThan(0);
        for (let k = 1; k < seen.length; k++) expect(seen[k]!).toBeGreaterThan(seen[k - 1]!);
      }
    });
  }

  it('the same table from three coordinators: IF NOT EXISTS creates it once; without it, the losers get AlreadyExists', async () => {
    const c = await start(3, 4);
    const before = c.coordinator(0).schemaEpoch.counter;
    await c.run(Promise.all([0, 1, 2].map((i) => c.coordinator(i).changeSchema(createTable(c, 'same', true)))));
    await c.idle(50);
    const id = c.node(0).schemaStore.current().keyspaces.get('ks')!.tables.get('same')!.id;
    for (const n of c.nodes) expect(n.schemaStore.current().keyspaces.get('ks')!.tables.get('same')!.id).toBe(id);
    expect(c.coordinator(0).schemaEpoch.counter).toBe(before + 1);
    expectAgreement(c);

    const results = await c.run(Promise.allSettled([0, 1, 2].map((i) => c.coordinator(i).changeSchema(createTable(c, 'plain', false)))));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect((r.reason as CqlError).code).toBe(ErrorCode.AlreadyExists);
    }
    expect(c.coordinator(0).schemaEpoch.counter).toBe(before + 2);
  });

  it('a proposal accepted only by its coordinator and finished by another is recognised, not applied twice', async () => {
    const c = await start(3, 5);
    const [a0, a1, a2] = [c.node(0).address, c.node(1).address, c.node(2).address];
    const before = c.coordinator(0).schemaEpoch.counter;
    // Node 0's proposals never reach the others; node 1's prepares never reach node 2, so node 1's
    // quorum is {1, 0} and sees node 0's accepted change in progress.
    const removeA = c.hub.addRule((m) => (m.kind === 'request' && m.verb === Verb.PaxosPropose && m.from === a0 ? 'drop' : 'deliver'));
    const removeB = c.hub.addRule((m) => (m.kind === 'request' && m.verb === Verb.PaxosPrepare && m.from === a1 && m.to === a2 ? 'drop' : 'deliver'));
    const first = c.coordinator(0).changeSchema(createTable(c, 'first', false));
    first.catch(() => undefined);
    await c.idle(20);
    await c.run(c.coordinator(1).changeSchema(createTable(c, 'second', false)));
    // Node 1 finished node 0's change before its own.
    expect(tablesOn(c, 1)).toEqual(['first', 'second']);
    removeB();
    await c.run(first);
    removeA();
    await c.idle(50);
    for (let i = 0; i < 3; i++) expect(tablesOn(c, i)).toEqual(['first', 'second']);
    expect(c.coordinator(0).schemaEpoch.counter).toBe(before + 2);
    expectAgreement(c);
  });
});

describe('schema Paxos: failures', () => {
  it('no majority alive: Unavailable(SERIAL) and nothing changes anywhere', async () => {
    const c = await start(3, 6);
    const before = c.coordinator(0).schemaEpoch;
    await c.run(c.node(1).stop());
    await c.run(c.node(2).stop());
    const e = await failure(c, c.coordinator(0).changeSchema(createTable(c, 'nope', false)));
    expect(e.code).toBe(ErrorCode.Unavailable);
    expect(e.details).toEqual({ kind: 'unavailable', consistency: ConsistencyLevel.SERIAL, required: 2, alive: 1 });
    expect(c.coordinator(0).schemaEpoch).toEqual(before);
    expect(tablesOn(c, 0)).toEqual([]);
  });

  it('majority alive but unreachable: WriteTimeout(CAS) within the request timeout, nothing changes, later DDL works', async () => {
    const c = await start(3, 7);
    const before = c.coordinator(0).schemaEpoch;
    c.hub.isolate(c.node(0).address);
    const t0 = c.time.monotonicMs();
    const e = await failure(c, c.coordinator(0).changeSchema(createTable(c, 'cut', false)));
    expect(e.code).toBe(ErrorCode.WriteTimeout);
    expect(e.details).toMatchObject({ kind: 'write_timeout', consistency: ConsistencyLevel.SERIAL, writeType: 'CAS', received: 1, blockFor: 2 });
    expect(c.time.monotonicMs() - t0).toBeLessThan(3000);
    c.hub.heal();
    await c.idle(50);
    for (let i = 0; i < 3; i++) {
      expect(c.coordinator(i).schemaEpoch).toEqual(before);
      expect(tablesOn(c, i)).toEqual([]);
    }
    await c.run(c.coordinator(1).changeSchema(createTable(c, 'after', false)));
    await c.idle(50);
    for (let i = 0; i < 3; i++) expect(tablesOn(c, i)).toEqual(['after']);
  });

  it('contention is retried with backoff until the schema change timeout, then WriteTimeout; nothing changes', async () => {
    const c = await start(3, 8);
    const before = c.coordinator(0).schemaEpoch;
    // A rival proposer keeps promising ever higher ballots on nodes 0 and 1 (from node 2).
    const codec = new PaxosMessageCodec();
    let rivalMicros = Math.floor(c.time.nowMs() * 1000) + 1_000_000;
    const node = Buffer.alloc(8, 7);
    const rival = c.time.setInterval(() => {
      rivalMicros += 1_000_000;
      const payload = codec.request({ ...SCHEMA_PAXOS_PARTITION, ballot: ballotFromMicros(rivalMicros, node), mutation: null });
      for (const target of [c.node(0).address, c.node(1).address]) {
        c.node(2).messaging.request(target, Verb.PaxosPrepare, payload, 1000).then(() => undefined, () => undefined);
      }
    }, 2);
    await c.idle(10);
    const prepares = (): number => c.hub.statsOf(Verb.PaxosPrepare, c.node(0).address, c.node(1).address).sent;
    const preparesBefore = prepares();
    const t0 = c.time.monotonicMs();
    const e = await failure(c, c.coordinator(0).changeSchema(createTable(c, 'contended', false)));
    const elapsed = c.time.monotonicMs() - t0;
    rival.cancel();
    expect(e.code).toBe(ErrorCode.WriteTimeout);
    expect(e.details).toMatchObject({ kind: 'write_timeout', consistency: ConsistencyLevel.SERIAL, writeType: 'CAS' });
    expect(e.message).toMatch(/^Schema change timed out - encountered contentions: \d+/);
    expect(elapsed).toBeGreaterThanOrEqual(SCHEMA_CHANGE_TIMEOUT_MS_DEFAULT);
    expect(elapsed).toBeLessThan(SCHEMA_CHANGE_TIMEOUT_MS_DEFAULT + 500);
    expect(prepares() - preparesBefore).toBeGreaterThan(20);
    expect(c.coordinator(0).schemaEpoch).toEqual(before);
    expect(tablesOn(c, 0)).toEqual([]);
    // The rival gone, the next DDL goes through.
    await c.run(c.coordinator(0).changeSchema(createTable(c, 'contended', false)));
    await c.idle(50);
    for (let i = 0; i < 3; i++) expect(tablesOn(c, i)).toEqual(['contended']);
  });
});

describe('schema Paxos: state, restarts, a lone node', () => {
  it('the register survives power loss of every node; a node that missed a change is repaired by the next one', async () => {
    const c = await start(3, 9);
    await c.run(c.node(2).stop());
    await c.run(c.coordinator(0).changeSchema(createTable(c, 'while_down', false)));
    const epoch = c.coordinator(0).schemaEpoch;
    for (const i of [0, 1]) await c.node(i).crash({ powerLoss: true, seed: i + 1 });
    for (const i of [0, 1, 2]) await c.run(c.node(i).restart());
    // The restarted acceptors still hold the latest commit.
    const codec = new PaxosMessageCodec();
    const ballot = ballotFromMicros(Math.floor(c.time.nowMs() * 1000) + 1, Buffer.alloc(8, 9));
    const response = decodePrepareResponse(await c.run(c.node(2).messaging.request(c.node(0).address, Verb.PaxosPrepare, codec.request({ ...SCHEMA_PAXOS_PARTITION, ballot, mutation: null }), 1000)));
    expect(response.mostRecentCommit).not.toBeNull();
    expect(decodeSchemaValue(response.mostRecentCommit!.mutation).epoch).toEqual(epoch);
    // A DDL on the node that missed the change builds on top of it.
    await c.run(c.coordinator(2).changeSchema(createTable(c, 'next', false)));
    await c.idle(50);
    for (let i = 0; i < 3; i++) expect(tablesOn(c, i)).toEqual(['next', 'while_down']);
    expect(c.coordinator(2).schemaEpoch.counter).toBe(epoch.counter + 1);
    expectAgreement(c);
  });

  it('a joining node counts in the majority, pulls the schema when it comes up and its DDL builds on the cluster\'s', async () => {
    const time = new VirtualTime();
    const tokens = evenTokens(4, 4);
    const c = await TestCluster.start({ nodes: tokens.map((t) => ({ tokens: t })), time, random: new SeededRandom(11) });
    cluster = c;
    const joiner = c.node(3);
    await c.run(joiner.stop());
    const info = c.board.ring().endpoint(joiner.address)!;
    c.board.setRing(c.board.ring().withoutEndpoint(joiner.address).withEndpoint(info).withBootstrapTokens(joiner.address, tokens[3]!.map((t) => token(t))));
    await c.idle(10);
    await c.createKeyspace('ks', { class: SIMPLE, options: { replication_factor: '3' } });
    await c.run(c.coordinator(0).changeSchema(createTable(c, 'before_join', false)));
    // 4 participants (3 normal + 1 joining): a majority is 3.
    await c.run(c.node(2).stop());
    const e = await failure(c, c.coordinator(0).changeSchema(createTable(c, 'nope', false)));
    expect(e.details).toEqual({ kind: 'unavailable', consistency: ConsistencyLevel.SERIAL, required: 3, alive: 2 });
    await c.run(c.node(2).restart());
    // The joiner never saw any DDL; its first DDL (right after it comes up) includes everything.
    expect(joiner.schemaStore.current().keyspaces.size).toBe(0);
    await c.run(joiner.restart());
    await c.run(joiner.coordinator.changeSchema(createTable(c, 'from_joiner', false)));
    await c.idle(100);
    for (let i = 0; i < 4; i++) expect(tablesOn(c, i)).toEqual(['before_join', 'from_joiner']);
    expectAgreement(c);
  });

  it('a lone node decides in-process: no message at all', async () => {
    const c = await start(1, 10);
    c.hub.resetStats();
    const before = c.coordinator(0).schemaEpoch.counter;
    for (let k = 0; k < 5; k++) await c.run(c.coordinator(0).changeSchema(createTable(c, `solo${k}`, false)));
    expect(c.hub.stats.size).toBe(0);
    expect(c.coordinator(0).schemaEpoch.counter).toBe(before + 5);
    expect(tablesOn(c, 0)).toHaveLength(5);
  });

  it('what a node decided alone is in its register: a node added later builds on it', async () => {
    const c = await start(2, 12);
    const second = c.node(1);
    await c.run(second.stop());
    const full = c.board.ring();
    c.board.setRing(full.withoutEndpoint(second.address));
    await c.idle(10);
    c.hub.resetStats();
    for (let k = 0; k < 3; k++) await c.run(c.coordinator(0).changeSchema(createTable(c, `alone${k}`, false)));
    expect(c.hub.stats.size).toBe(0);
    const epoch = c.coordinator(0).schemaEpoch;
    c.board.setRing(full);
    // No push or pull: node 1 can learn node 0's schema only through the register.
    const noSync = c.hub.addRule((m) => (m.verb === Verb.SchemaPull || m.verb === Verb.SchemaPush ? 'drop' : 'deliver'));
    await c.run(second.restart());
    // Its first DDL (2 participants: both must answer) starts from node 0's register.
    await c.run(second.coordinator.changeSchema(createTable(c, 'joined', false)));
    noSync();
    await c.idle(100);
    for (let i = 0; i < 2; i++) expect(tablesOn(c, i)).toEqual(['alone0', 'alone1', 'alone2', 'joined']);
    expect(c.coordinator(1).schemaEpoch.counter).toBe(epoch.counter + 1);
    expectAgreement(c);
  });

  it('values round-trip with their history', () => {
    const snapshot: SchemaSnapshot = { version: '11111111-1111-1111-1111-111111111111', keyspaces: new Map() };
    const value = { epoch: { counter: 7, version: snapshot.version }, snapshot, recent: [snapshot.version, '22222222-2222-2222-2222-222222222222'] };
    const back = decodeSchemaValue(encodeSchemaValue(value));
    expect(back.epoch).toEqual(value.epoch);
    expect(back.recent).toEqual(value.recent);
    expect(back.snapshot.version).toBe(snapshot.version);
    expect(() => decodeSchemaValue(Buffer.from([9]))).toThrow(/format/);
  });
});
