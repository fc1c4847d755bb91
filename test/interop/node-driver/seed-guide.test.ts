// Every CQL example of the seed user guide (shared/seed/000_*.md), run through the npm
// cassandra-driver: each works against Cassia, or fails exactly as Cassandra 4 fails (materialized
// views disabled, unknown data centers refused, filtering without ALLOW FILTERING).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, InteropNode } from '../interop-node.ts';
import { CODE, cassandra, failure, startInteropNode } from '../interop-node.ts';

const { types } = cassandra;

let node: InteropNode;
let client: Client;

beforeAll(async () => {
  node = await startInteropNode();
  client = await node.client();
  await client.execute('DROP KEYSPACE IF EXISTS student_data');
});

afterAll(async () => {
  await node?.close();
});

describe('seed guide: data model', () => {
  it('CREATE KEYSPACE (RF 3 on one node), USE, CREATE TABLE, INSERT with uuid(), SELECT scores[\'math\']', async () => {
    await client.execute(`CREATE KEYSPACE student_data WITH REPLICATION = {
  'class': 'SimpleStrategy',
  'replication_factor': 3
}`);
    await client.execute('USE student_data');
    await client.execute(`CREATE TABLE students (
  student_id UUID PRIMARY KEY,
  name TEXT,
  grade TEXT,
  scores MAP<TEXT, INT>
)`);
    await client.execute(`INSERT INTO students (student_id, name, grade, scores)
VALUES (uuid(), 'Alice', 'A', {'math': 95, 'science': 90})`);
    const id = (await client.execute('SELECT student_id FROM students')).first()['student_id'] as cassandra.types.Uuid;
    expect(id).toBeInstanceOf(types.Uuid);
    const rs = await client.execute(`SELECT name, scores['math'] FROM students WHERE student_id = ${id.toString()}`);
    expect(rs.columns.map((c) => c.name)).toEqual(['name', "scores['math']"]);
    expect(rs.first().values()).toEqual(['Alice', 95]);
  });

  it('a QUORUM write to the RF 3 keyspace on one node is Unavailable, as in Cassandra', async () => {
    const e = await failure(client.execute("INSERT INTO student_data.students (student_id, name) VALUES (uuid(), 'Q')", [], { consistency: types.consistencies.quorum }));
    expect(e.code).toBe(0x1000);
  });
});

describe('seed guide: replication strategies', () => {
  it('SimpleStrategy works; NetworkTopologyStrategy with unknown data centers is refused', async () => {
    await client.execute("CREATE KEYSPACE IF NOT EXISTS guide_simple WITH REPLICATION = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    const e = await failure(client.execute(`CREATE KEYSPACE guide_nts WITH REPLICATION = {
  'class': 'NetworkTopologyStrategy',
  'us-east': 3,
  'us-west': 2
}`));
    expect(e).toMatchObject({ code: CODE.configError, message: 'Unrecognized strategy option {us-east} passed to NetworkTopologyStrategy for keyspace guide_nts' });
    await client.execute("CREATE KEYSPACE guide_nts WITH REPLICATION = {'class': 'NetworkTopologyStrategy', 'dc1': 1}");
  });
});

describe('seed guide: advanced features', () => {
  it('CREATE MATERIALIZED VIEW fails with Cassandra 4\'s message', async () => {
    const e = await failure(client.execute(`CREATE MATERIALIZED VIEW students_by_grade AS
  SELECT * FROM students WHERE grade IS NOT NULL AND student_id IS NOT NULL
  PRIMARY KEY (grade, student_id)`));
    expect(e).toMatchObject({ code: CODE.invalid, message: 'Materialized views are disabled. Enable in cassandra.yaml to use.' });
  });

  it('CREATE INDEX ON students (grade) serves queries by grade', async () => {
    await client.execute('CREATE INDEX ON students (grade)');
    const rs = await client.execute("SELECT name FROM students WHERE grade = 'A'");
    expect(rs.rows.map((r) => r['name'])).toEqual(['Alice']);
  });

  it('INSERT ... IF NOT EXISTS: Unavailable at SERIAL with RF 3 on one node (as Cassandra), applied with RF 1', async () => {
    const lwt = `INSERT INTO students (student_id, name)
VALUES (uuid(), 'Bob') IF NOT EXISTS`;
    expect((await failure(client.execute(lwt))).code).toBe(0x1000);
    await client.execute("ALTER KEYSPACE student_data WITH REPLICATION = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    const rs = await client.execute(lwt);
    expect(rs.wasApplied()).toBe(true);
    expect((await client.execute("SELECT name FROM students WHERE name = 'Bob' ALLOW FILTERING")).rowLength).toBe(1);
  });
});

describe('seed guide: Django chapter CQL', () => {
  beforeAll(async () => {
    await client.execute("CREATE KEYSPACE IF NOT EXISTS my_keyspace WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await client.execute('USE my_keyspace');
    await client.execute('CREATE TABLE useractivity (user_id uuid, timestamp timestamp, activity_type text, metadata map<text, text>, PRIMARY KEY (user_id, timestamp)) WITH CLUSTERING ORDER BY (timestamp DESC)');
    await client.execute('CREATE TABLE readingprogress (student_id uuid, chapter_id text, timestamp timestamp, mistakes list<frozen<map<text, text>>>, device map<text, text>, stats map<text, text>, PRIMARY KEY (student_id, chapter_id))');
    await client.execute('CREATE TABLE chapterperformance (student_id uuid, chapter_id text, score int, duration int, extra_data text, PRIMARY KEY (student_id, chapter_id))');
    await client.execute("INSERT INTO useractivity (user_id, timestamp, activity_type, metadata) VALUES (uuid(), toTimestamp(now()), 'login', {'device': 'mobile'})");
    await client.execute("INSERT INTO readingprogress (student_id, chapter_id, device) VALUES (uuid(), 'ch_01', {'type': 'tablet', 'os': 'android'})");
  });

  it('the secondary index on useractivity', async () => {
    await client.execute('CREATE INDEX activity_type_idx ON useractivity (activity_type);');
    expect((await client.execute("SELECT activity_type FROM useractivity WHERE activity_type = 'login'")).rowLength).toBe(1);
  });

  it('the materialized views are refused and their queries name a missing table', async () => {
    for (const view of [
      `CREATE MATERIALIZED VIEW useractivity_by_type AS
    SELECT * FROM useractivity
    WHERE activity_type IS NOT NULL AND user_id IS NOT NULL
    PRIMARY KEY (activity_type, user_id, timestamp);`,
      `CREATE MATERIALIZED VIEW chapterperformance_by_score AS
  SELECT * FROM chapterperformance
  WHERE score IS NOT NULL AND student_id IS NOT NULL AND chapter_id IS NOT NULL
  PRIMARY KEY (score, student_id, chapter_id);`,
    ]) {
      expect(await failure(client.execute(view))).toMatchObject({ code: CODE.invalid, message: 'Materialized views are disabled. Enable in cassandra.yaml to use.' });
    }
    expect(await failure(client.execute("SELECT * FROM useractivity_by_type WHERE activity_type = 'login';")))
      .toMatchObject({ code: CODE.invalid, message: 'table useractivity_by_type does not exist' });
    expect(await failure(client.execute('SELECT * FROM chapterperformance_by_score WHERE score = 85;')))
      .toMatchObject({ code: CODE.invalid, message: 'table chapterperformance_by_score does not exist' });
  });

  it("the map key query needs ALLOW FILTERING without an index, and works with it", async () => {
    expect(await failure(client.execute("SELECT * FROM readingprogress WHERE device['type'] = 'tablet';")))
      .toMatchObject({ code: CODE.invalid, message: expect.stringContaining('ALLOW FILTERING') });
    const rs = await client.execute("SELECT chapter_id FROM readingprogress WHERE device['type'] = 'tablet' ALLOW FILTERING");
    expect(rs.rows.map((r) => r['chapter_id'])).toEqual(['ch_01']);
  });
});
