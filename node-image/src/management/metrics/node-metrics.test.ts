import { describe, expect, it } from 'vitest';
import { ConsistencyLevel, invalidRequest } from '../../lib/index.ts';
import type { BatchRequest, ClientSession, CqlService, QueryOptions, QueryResponse } from '../../cql/index.ts';
import { ManualClock } from '../../storage/testing/engine-harness.ts';
import { NodeMetrics } from './node-metrics.ts';

const session: ClientSession = { keyspace: null, clientAddress: '127.0.0.1', clientPort: 1, user: null, protocolVersion: 4 };
const options = (consistency: number): QueryOptions => ({
  consistency: consistency as QueryOptions['consistency'], values: null, valueNames: null, skipMetadata: false, pageSize: null,
  pagingState: null, serialConsistency: null, timestampMicros: null, keyspace: null, nowInSeconds: null,
});
const VOID: QueryResponse = { result: { kind: 'void' }, warnings: [] };
const ID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

function fakeCql(clock: ManualClock): CqlService {
  return {
    authenticator: null,
    async query(text) {
      clock.advance(3);
      if (text.startsWith('BAD')) throw invalidRequest('bad');
      return VOID;
    },
    async prepare() {
      return { result: { kind: 'prepared', id: ID, resultMetadataId: ID, bindMetadata: { columns: [], partitionKeyIndexes: [] }, resultMetadata: { columns: [] } }, warnings: [] };
    },
    async execute() {
      clock.advance(20);
      return VOID;
    },
    async batch(_r: BatchRequest) {
      return VOID;
    },
    onSchemaChange: () => () => {},
  };
}

function sampleOf(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((w) => line.includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('NodeMetrics', () => {
  it('counts and times CQL requests by opcode, kind and consistency, and errors by code', async () => {
    const clock = new ManualClock();
    const metrics = new NodeMetrics({ clock, processMetrics: false });
    const cql = metrics.instrumentCql(fakeCql(clock));
    await cql.query('SELECT * FROM t', options(ConsistencyLevel.ONE), session);
    await cql.query('select 1', options(ConsistencyLevel.ONE), session);
    await cql.query('INSERT INTO t (a) VALUES (1)', options(ConsistencyLevel.QUORUM), session);
    await expect(cql.query('BAD', options(ConsistencyLevel.ONE), session)).rejects.toThrow('bad');
    await cql.prepare('UPDATE t SET a = 1 WHERE k = ?', session, null);
    await cql.execute(Buffer.from(ID), options(ConsistencyLevel.LOCAL_QUORUM), session);
    await cql.execute(Buffer.from('ffff2233445566778899aabbccddeeff', 'hex'), options(ConsistencyLevel.ONE), session);
    await cql.batch({ batchType: 'logged', children: [], consistency: ConsistencyLevel.ALL, serialConsistency: null, timestampMicros: null, keyspace: null, nowInSeconds: null }, session);
    const { body } = await metrics.scrape();
    const requests = (labels: Record<string, string>): number | undefined => sampleOf(body, 'cassia_cql_requests_total', labels);
    expect(requests({ opcode: 'QUERY', kind: 'select', consistency: 'ONE' })).toBe(2);
    expect(requests({ opcode: 'QUERY', kind: 'insert', consistency: 'QUORUM' })).toBe(1);
    expect(requests({ opcode: 'QUERY', kind: 'other', consistency: 'ONE' })).toBe(1);
    expect(requests({ opcode: 'PREPARE', kind: 'update', consistency: 'NONE' })).toBe(1);
    expect(requests({ opcode: 'EXECUTE', kind: 'update', consistency: 'LOCAL_QUORUM' })).toBe(1);
    expect(requests({ opcode: 'EXECUTE', kind: 'other', consistency: 'ONE' })).toBe(1);
    expect(requests({ opcode: 'BATCH', kind: 'batch', consistency: 'ALL' })).toBe(1);
    expect(sampleOf(body, 'cassia_cql_request_errors_total', { opcode: 'QUERY', kind: 'other', code: 'Invalid' })).toBe(1);
    // 3 ms falls in the 5 ms bucket, not in the 2.5 ms one; 20 ms in the 25 ms bucket.
    expect(sampleOf(body, 'cassia_cql_request_duration_seconds_bucket', { opcode: 'QUERY', kind: 'select', le: '0.0025' })).toBe(0);
    expect(sampleOf(body, 'cassia_cql_request_duration_seconds_bucket', { opcode: 'QUERY', kind: 'select', le: '0.005' })).toBe(2);
    expect(sampleOf(body, 'cassia_cql_request_duration_seconds_bucket', { opcode: 'EXECUTE', kind: 'update', le: '0.01' })).toBe(0);
    expect(sampleOf(body, 'cassia_cql_request_duration_seconds_bucket', { opcode: 'EXECUTE', kind: 'update', le: '0.025' })).toBe(1);
  });

  it('reads storage, connections and mode at scrape time', async () => {
    const metrics = new NodeMetrics({ clock: new ManualClock(), processMetrics: false });
    let sstables = 1;
    metrics.attach({
      storage: {
        tableStats: (id) => (id === 't1' ? { tableId: id, memtableBytes: 100, memtablePartitions: 2, sstableCount: sstables, sstableBytes: 4096 } : null),
        commitLogStats: () => ({ segments: 2, totalBytes: 777, appends: 10, syncs: 4 }),
        memtableBytes: () => 100,
      },
      tables: () => [{ keyspace: 'ks', name: 't', id: 't1' }, { keyspace: 'ks', name: 'gone', id: 't2' }],
      cqlConnections: () => 3,
      operationMode: () => 'NORMAL',
    });
    let { body } = await metrics.scrape();
    expect(sampleOf(body, 'cassia_table_sstables', { keyspace: 'ks', table: 't' })).toBe(1);
    expect(sampleOf(body, 'cassia_table_sstables', { table: 'gone' })).toBe(undefined);
    expect(sampleOf(body, 'cassia_table_sstable_bytes', { table: 't' })).toBe(4096);
    expect(sampleOf(body, 'cassia_load_bytes', {})).toBe(4096);
    expect(sampleOf(body, 'cassia_memtable_bytes', {})).toBe(100);
    expect(sampleOf(body, 'cassia_commitlog_bytes', {})).toBe(777);
    expect(sampleOf(body, 'cassia_commitlog_appends_total', {})).toBe(10);
    expect(sampleOf(body, 'cassia_cql_connections', {})).toBe(3);
    expect(sampleOf(body, 'cassia_node_operation_mode', { mode: 'NORMAL' })).toBe(1);
    expect(sampleOf(body, 'cassia_node_operation_mode', { mode: 'DRAINED' })).toBe(0);
    sstables = 3;
    metrics.managementRequest('nodeInfo', 200);
    metrics.jobFinished({ operation: 'flush', state: 'SUCCEEDED' } as never);
    ({ body } = await metrics.scrape());
    expect(sampleOf(body, 'cassia_table_sstables', { table: 't' })).toBe(3);
    expect(sampleOf(body, 'cassia_management_requests_total', { route: 'nodeInfo', status: '200' })).toBe(1);
    expect(sampleOf(body, 'cassia_management_jobs_total', { operation: 'flush', state: 'SUCCEEDED' })).toBe(1);
  });

  it('keeps registries of two nodes apart and can add process metrics', async () => {
    const a = new NodeMetrics({ clock: new ManualClock(), processMetrics: true });
    const b = new NodeMetrics({ clock: new ManualClock(), processMetrics: false });
    a.managementRequest('nodeInfo', 200);
    const bodyA = (await a.scrape()).body;
    const bodyB = (await b.scrape()).body;
    expect(bodyA).toContain('process_cpu_user_seconds_total');
    expect(bodyA).toContain('cassia_management_requests_total{route="nodeInfo",status="200"} 1');
    expect(bodyB).not.toContain('process_cpu_user_seconds_total');
    expect(bodyB).not.toContain('route="nodeInfo"');
  });
});
