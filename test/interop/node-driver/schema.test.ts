// Schema through the npm cassandra-driver: full metadata (keyspaces, tables, UDTs, indexes),
// SCHEMA_CHANGE events reaching a second client, USE with quoted names, DDL (ALTER TABLE
// ADD/DROP/WITH, ALTER TYPE, DROP, TRUNCATE, CREATE/DROP INDEX and queries by index), and the
// statements Cassandra 4 refuses by default (materialized views, user functions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, InteropNode } from '../interop-node.ts';
import { cassandra, startInteropNode } from '../interop-node.ts';

const { types } = cassandra;
const KS = 'schema_ks';

let node: InteropNode;
let client: Client;

beforeAll(async () => {
  node = await startInteropNode();
  client = await node.client();
  await node.createKeyspace(client, KS);
});

afterAll(async () => {
  await node?.close();
});

/** Polls `check` every 100 ms until it is true, for at most `timeoutMs`. */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not reached in time');
}

describe('metadata', () => {
  it('keyspaces with their replication and the system keyspaces', async () => {
    await client.execute(`CREATE KEYSPACE nts_ks WITH replication = {'class': 'NetworkTopologyStrategy', 'dc1': 1} AND durable_writes = false`);
    await eventually(() => client.metadata.keyspaces['nts_ks'] !== undefined);
    type KeyspaceInfo = { strategy: string; strategyOptions: Record<string, string>; durableWrites: boolean };
    const ks = client.metadata.keyspaces[KS] as unknown as KeyspaceInfo;
    expect(ks.strategy).toBe('org.apache.cassandra.locator.SimpleStrategy');
    expect(ks.strategyOptions).toEqual({ replication_factor: '1' });
    const nts = client.metadata.keyspaces['nts_ks'] as unknown as KeyspaceInfo;
    expect(nts.strategy).toBe('org.apache.cassandra.locator.NetworkTopologyStrategy');
    expect(nts.strategyOptions).toEqual({ dc1: '1' });
    expect(nts.durableWrites).toBe(false);
    expect(Object.keys(client.metadata.keyspaces)).toEqual(expect.arrayContaining(['system', 'system_schema', KS]));
  });

  it('a table with compound key, DESC clustering, statics, collections, UDT and options', async () => {
    await client.execute(`CREATE TYPE ${KS}.addr (street text, zip int)`);
    await client.execute(`CREATE TABLE ${KS}.fulltab (
      a int, b text, c timestamp, d int, s text STATIC, l list<int>, m map<text, frozen<list<int>>>, home frozen<addr>, tags set<text>,
      PRIMARY KEY ((a, b), c, d)
    ) WITH CLUSTERING ORDER BY (c DESC, d ASC) AND comment = 'a comment' AND gc_grace_seconds = 3600
      AND default_time_to_live = 60 AND compaction = {'class': 'LeveledCompactionStrategy', 'sstable_size_in_mb': '64'}
      AND compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': '16'} AND caching = {'keys': 'ALL', 'rows_per_partition': 'NONE'}`);
    const t = await client.metadata.getTable(KS, 'fulltab');
    expect(t).not.toBeNull();
    expect(t!.partitionKeys.map((c) => c.name)).toEqual(['a', 'b']);
    expect(t!.clusteringKeys.map((c) => c.name)).toEqual(['c', 'd']);
    expect(t!.clusteringOrder).toEqual(['DESC', 'ASC']);
    expect(t!.columns.map((c) => c.name).sort()).toEqual(['a', 'b', 'c', 'd', 'home', 'l', 'm', 's', 'tags']);
    expect((t!.columnsByName['s'] as unknown as { isStatic: boolean }).isStatic).toBe(true);
    expect(t!.columnsByName['l']!.type.code).toBe(types.dataTypes.list);
    expect(t!.columnsByName['m']!.type.code).toBe(types.dataTypes.map);
    expect(t!.columnsByName['home']!.type.code).toBe(types.dataTypes.udt);
    expect(t!.comment).toBe('a comment');
    expect(t!.gcGraceSeconds).toBe(3600);
    expect(t!.defaultTtl).toBe(60);
    expect(t!.compactionClass).toBe('org.apache.cassandra.db.compaction.LeveledCompactionStrategy');
    expect(t!.compactionOptions).toMatchObject({ sstable_size_in_mb: '64' });
    expect(t!.compression).toMatchObject({ class: 'org.apache.cassandra.io.compress.LZ4Compressor', chunk_length_in_kb: '16' });
    expect(t!.isCompact).toBe(false);
    const udt = await client.metadata.getUdt(KS, 'addr');
    expect(udt?.fields.map((f) => f.name)).toEqual(['street', 'zip']);
  });

  it('prepared statements carry routing (pk indexes) and result metadata', async () => {
    await client.execute(`CREATE TABLE ${KS}.routed (a int, b text, v int, PRIMARY KEY ((a, b)))`);
    await client.execute(`INSERT INTO ${KS}.routed (b, v, a) VALUES (?, ?, ?)`, ['x', 1, 2], { prepare: true });
    const rs = await client.execute(`SELECT v, a FROM ${KS}.routed WHERE a = ? AND b = ?`, [2, 'x'], { prepare: true });
    expect(rs.columns.map((c) => c.name)).toEqual(['v', 'a']);
    expect(rs.first().values()).toEqual([1, 2]);
    const metadata = client.metadata as unknown as { getPreparedInfo(ks: string | null, query: string): unknown };
    const info = metadata.getPreparedInfo(null, `INSERT INTO ${KS}.routed (b, v, a) VALUES (?, ?, ?)`) as { meta?: { partitionKeys?: number[] } };
    expect(info.meta?.partitionKeys).toEqual([2, 0]);
  });

  it('system tables drivers read answer with Cassandra column names', async () => {
    const local = (await client.execute("SELECT * FROM system.local WHERE key='local'")).first();
    expect(local['cluster_name']).toBe('cassia-test');
    expect(local['data_center']).toBe('dc1');
    expect(local['partitioner']).toBe('org.apache.cassandra.dht.Murmur3Partitioner');
    expect((local['tokens'] as string[]).length).toBeGreaterThan(0);
    expect(local['schema_version']).toBeInstanceOf(types.Uuid);
    expect((await client.execute('SELECT * FROM system.peers')).rowLength).toBe(0);
    const cols = await client.execute(`SELECT column_name, kind, position, clustering_order, type FROM system_schema.columns WHERE keyspace_name = '${KS}' AND table_name = 'fulltab'`);
    const byName = Object.fromEntries(cols.rows.map((r) => [r['column_name'], [r['kind'], r['position'], r['clustering_order'], r['type']]]));
    expect(byName['b']).toEqual(['partition_key', 1, 'none', 'text']);
    expect(byName['c']).toEqual(['clustering', 0, 'desc', 'timestamp']);
    expect(byName['m']).toEqual(['regular', -1, 'none', 'map<text, frozen<list<int>>>']);
    expect(byName['home']).toEqual(['regular', -1, 'none', 'frozen<addr>']);
    expect(byName['s']).toEqual(['static', -1, 'none', 'text']);
    await expect(client.execute('SELECT * FROM system_virtual_schema.keyspaces')).rejects.toMatchObject({ code: 0x2200 });
  });
});

describe('schema change events', () => {
  it('reach a second registered client, whose metadata refreshes', async () => {
    const other = await node.client();
    await client.execute(`CREATE TABLE ${KS}.evt (k int PRIMARY KEY, v int)`);
    const before = await other.metadata.getTable(KS, 'evt');
    expect(before?.columns.map((c) => c.name).sort()).toEqual(['k', 'v']);
    await client.execute(`CREATE KEYSPACE evt_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await eventually(() => other.metadata.keyspaces['evt_ks'] !== undefined);
    await client.execute(`ALTER TABLE ${KS}.evt ADD w text`);
    await eventually(async () => (await other.metadata.getTable(KS, 'evt'))?.columnsByName['w'] !== undefined);
    await client.execute('DROP KEYSPACE evt_ks');
    await eventually(() => other.metadata.keyspaces['evt_ks'] === undefined);
  });
});

describe('USE and quoted names', () => {
  it('USE "MixedCase" selects the case-sensitive keyspace; the driver keyspace option does too', async () => {
    await client.execute(`CREATE KEYSPACE "MixedCase" WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`);
    await client.execute('CREATE TABLE "MixedCase"."Items" ("Id" int PRIMARY KEY, "Name" text, plain int)');
    const c = await node.client();
    const use = await c.execute('USE "MixedCase"');
    expect(use.rowLength ?? 0).toBe(0);
    expect(c.keyspace).toBe('MixedCase');
    await c.execute('INSERT INTO "Items" ("Id", "Name", plain) VALUES (1, \'one\', 2)');
    const row = (await c.execute('SELECT "Id", "Name", plain FROM "Items"')).first();
    expect(row.values()).toEqual([1, 'one', 2]);
    expect(row.keys()).toEqual(['Id', 'Name', 'plain']);
    const byOption = await node.client({ keyspace: 'MixedCase' });
    expect((await byOption.execute('SELECT count(*) FROM "Items"')).first()['count'].toString()).toBe('1');
    await expect(c.execute('USE mixedcase')).rejects.toMatchObject({ code: 0x2200 });
    await expect(c.execute('SELECT * FROM items')).rejects.toMatchObject({ code: 0x2200 });
  });
});

describe('DDL', () => {
  let ks: Client;
  beforeAll(async () => {
    ks = await node.client({ keyspace: KS });
  });

  it('ALTER TABLE ADD, DROP and WITH', async () => {
    await ks.execute('CREATE TABLE alt (k int PRIMARY KEY, a int, b text)');
    await ks.execute("INSERT INTO alt (k, a, b) VALUES (1, 10, 'x')");
    await ks.execute('ALTER TABLE alt ADD (c list<int>, d int)');
    await ks.execute('INSERT INTO alt (k, c, d) VALUES (1, [1], 4)');
    await ks.execute('ALTER TABLE alt DROP b');
    const rs = await ks.execute('SELECT * FROM alt WHERE k = 1');
    expect(rs.columns.map((c) => c.name)).toEqual(['k', 'a', 'c', 'd']);
    expect(rs.first().values()).toEqual([1, 10, [1], 4]);
    await expect(ks.execute('SELECT b FROM alt')).rejects.toMatchObject({ code: 0x2200 });
    // A re-added column does not resurrect the dropped data.
    await ks.execute('ALTER TABLE alt ADD b text');
    expect((await ks.execute('SELECT b FROM alt WHERE k = 1')).first()['b']).toBeNull();
    await ks.execute("ALTER TABLE alt WITH comment = 'altered' AND gc_grace_seconds = 10");
    const t = await ks.metadata.getTable(KS, 'alt');
    expect(t?.comment).toBe('altered');
    expect(t?.gcGraceSeconds).toBe(10);
    await expect(ks.execute('ALTER TABLE alt DROP k')).rejects.toMatchObject({ code: 0x2200 });
    await expect(ks.execute('ALTER TABLE alt ADD a int')).rejects.toMatchObject({ code: 0x2200 });
  });

  it('ALTER TYPE ADD and RENAME, visible in values and metadata', async () => {
    await ks.execute('CREATE TYPE pt (x int, y int)');
    await ks.execute('CREATE TABLE pts (k int PRIMARY KEY, p frozen<pt>)');
    await ks.execute('INSERT INTO pts (k, p) VALUES (1, {x: 1, y: 2})');
    await ks.execute('ALTER TYPE pt ADD z int');
    await ks.execute('ALTER TYPE pt RENAME x TO xx');
    await ks.execute('INSERT INTO pts (k, p) VALUES (2, {xx: 5, z: 6})');
    const rows = (await ks.execute('SELECT k, p FROM pts')).rows.sort((a, b) => (a['k'] as number) - (b['k'] as number));
    // A value written before ADD has fewer fields; drivers (and Cassandra) leave the rest out.
    expect(rows.map((r) => r['p'])).toEqual([{ xx: 1, y: 2 }, { xx: 5, y: null, z: 6 }]);
    const udt = await ks.metadata.getUdt(KS, 'pt');
    expect(udt?.fields.map((f) => f.name)).toEqual(['xx', 'y', 'z']);
    await expect(ks.execute('DROP TYPE pt')).rejects.toMatchObject({ code: 0x2200 });
  });

  it('TRUNCATE, DROP TABLE, DROP TYPE, DROP KEYSPACE and IF EXISTS forms', async () => {
    await ks.execute('CREATE TABLE gone (k int PRIMARY KEY, v int)');
    await ks.execute('INSERT INTO gone (k, v) VALUES (1, 1)');
    await ks.execute('TRUNCATE gone');
    expect((await ks.execute('SELECT * FROM gone')).rowLength).toBe(0);
    await ks.execute('INSERT INTO gone (k, v) VALUES (2, 2)');
    await ks.execute('TRUNCATE TABLE gone');
    expect((await ks.execute('SELECT * FROM gone')).rowLength).toBe(0);
    await ks.execute('DROP TABLE gone');
    await expect(ks.execute('SELECT * FROM gone')).rejects.toMatchObject({ code: 0x2200 });
    await ks.execute('DROP TABLE IF EXISTS gone');
    await ks.execute('CREATE TABLE IF NOT EXISTS gone (k int PRIMARY KEY)');
    await ks.execute('CREATE TABLE IF NOT EXISTS gone (k int PRIMARY KEY)');
    await expect(ks.execute('CREATE TABLE gone (k int PRIMARY KEY)')).rejects.toMatchObject({ code: 0x2400 });
    await ks.execute('CREATE TYPE IF NOT EXISTS unused (a int)');
    await ks.execute('DROP TYPE unused');
    await ks.execute('DROP TYPE IF EXISTS unused');
    await ks.execute("CREATE KEYSPACE IF NOT EXISTS tmp_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await ks.execute('CREATE TABLE tmp_ks.t (k int PRIMARY KEY)');
    await ks.execute('DROP KEYSPACE tmp_ks');
    await expect(ks.execute('SELECT * FROM tmp_ks.t')).rejects.toMatchObject({ code: 0x2200 });
    await ks.execute('DROP KEYSPACE IF EXISTS tmp_ks');
  });

  it('CREATE INDEX, query by index, index metadata, DROP INDEX', async () => {
    await ks.execute('CREATE TABLE ix (k int PRIMARY KEY, grade text, tags set<text>, m map<text, int>)');
    for (let i = 0; i < 6; i++) {
      await ks.execute('INSERT INTO ix (k, grade, tags, m) VALUES (?, ?, ?, ?)', [i, i % 2 === 0 ? 'A' : 'B', [`t${i}`], { [`key${i}`]: i }], { prepare: true });
    }
    await ks.execute('CREATE INDEX ON ix (grade)');
    await ks.execute('CREATE INDEX tags_idx ON ix (tags)');
    await ks.execute('CREATE INDEX IF NOT EXISTS m_keys ON ix (KEYS(m))');
    const byGrade = await ks.execute("SELECT k FROM ix WHERE grade = 'A'");
    expect(byGrade.rows.map((r) => r['k']).sort()).toEqual([0, 2, 4]);
    expect((await ks.execute("SELECT k FROM ix WHERE tags CONTAINS 't3'")).rows.map((r) => r['k'])).toEqual([3]);
    expect((await ks.execute("SELECT k FROM ix WHERE m CONTAINS KEY 'key5'")).rows.map((r) => r['k'])).toEqual([5]);
    const t = await ks.metadata.getTable(KS, 'ix');
    expect(t?.indexes.map((i) => [i.name, i.target]).sort()).toEqual([['ix_grade_idx', 'grade'], ['m_keys', 'keys(m)'], ['tags_idx', 'values(tags)']]);
    // Targets are stored as CQL writes the column (quoted when needed), as drivers expect.
    await ks.execute('CREATE TABLE ix2 (k int PRIMARY KEY, "Mixed" int, "select" int)');
    await ks.execute('CREATE INDEX ON ix2 ("Mixed")');
    await ks.execute('CREATE INDEX ON ix2 ("select")');
    const targets = (await ks.execute(`SELECT index_name, options FROM system_schema.indexes WHERE keyspace_name = '${KS}' AND table_name = 'ix2'`)).rows
      .map((r) => [r['index_name'], (r['options'] as Record<string, string>)['target']]).sort();
    expect(targets).toEqual([['ix2_Mixed_idx', '"Mixed"'], ['ix2_select_idx', '"select"']]);
    await ks.execute('INSERT INTO ix2 (k, "Mixed", "select") VALUES (1, 2, 3)');
    expect((await ks.execute('SELECT k FROM ix2 WHERE "Mixed" = 2')).rowLength).toBe(1);
    await expect(ks.execute('CREATE INDEX ON ix2 ("Mixed")')).rejects.toMatchObject({ code: 0x2200 });
    await ks.execute('CREATE INDEX IF NOT EXISTS ON ix2 ("Mixed")');
    await ks.execute('DROP INDEX ix_grade_idx');
    await expect(ks.execute("SELECT k FROM ix WHERE grade = 'A'")).rejects.toMatchObject({ code: 0x2200, message: expect.stringContaining('ALLOW FILTERING') });
  });

  it('materialized views and user functions are refused as Cassandra 4 refuses them', async () => {
    await ks.execute('CREATE TABLE base (k int PRIMARY KEY, v int)');
    await expect(ks.execute('CREATE MATERIALIZED VIEW base_by_v AS SELECT * FROM base WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k)'))
      .rejects.toMatchObject({ code: 0x2200, message: 'Materialized views are disabled. Enable in cassandra.yaml to use.' });
    await expect(ks.execute("CREATE FUNCTION f (a int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS 'return a;'"))
      .rejects.toMatchObject({ code: 0x2200 });
  });
});
