// The management API of a real node process, called with the typed client over real HTTP: auth,
// probes, node info, cluster and schema views, replication changes, jobs (flush writes an SSTable),
// refusals, /metrics after CQL traffic, nodetool output, and drain (CQL stops, readiness fails).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagementApiError, ManagementClient } from '../../../node-image/src/management/client/index.ts';
import { createNodetoolCommand } from '../../../node-image/cli/nodetool/index.ts';
import type { NodetoolIo } from '../../../node-image/cli/nodetool/index.ts';
import { freePort, startCassiaProcess } from '../../support/cassia-process.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';

const TOKEN = 'c0ffee'.repeat(10) + 'abcd';
const REPO = resolve(import.meta.dirname, '..', '..', '..');
const CASSIA_CLI = join(REPO, 'node-image', 'cli', 'cassia.ts');
const DASHBOARD = join(REPO, 'docs', 'grafana', 'cassia-node.json');
const JOB_WAIT = { pollIntervalMs: 50, timeoutMs: 30_000, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

async function rejection(promise: Promise<unknown>): Promise<ManagementApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ManagementApiError) return error;
    throw error;
  }
  throw new Error('expected a ManagementApiError');
}

function cqlPortOpen(host: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000, () => { socket.destroy(); done(false); });
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

describe('management API of a real node', () => {
  let node: CassiaProcess;
  let dir: string;
  let client: ManagementClient;
  let anonymous: ManagementClient;
  let cql: cassandra.Client;
  let baseUrl: string;
  let tokenFile: string;

  const nodetool = async (...argv: string[]): Promise<{ out: string; err: string; exitCode: number }> => {
    const out: string[] = [];
    const err: string[] = [];
    let exitCode = 0;
    const io: NodetoolIo = {
      env: {}, write: (t) => out.push(t), writeError: (t) => err.push(t), readFile: (p) => (p === tokenFile ? TOKEN : ''),
      sleep: JOB_WAIT.sleep, interactive: false, progressStream: process.stderr, setExitCode: (c) => { exitCode = c; },
    };
    const command = createNodetoolCommand(io);
    command.exitOverride();
    await command.parseAsync(['-h', node.address, '-p', String(node.managementPort), '--token-file', tokenFile, ...argv], { from: 'user' });
    return { out: out.join(''), err: err.join(''), exitCode };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cassia-mgmt-'));
    tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    node = await startCassiaProcess({ managementPort: await freePort(), managementTokenFile: tokenFile });
    baseUrl = `http://${node.address}:${node.managementPort}`;
    client = new ManagementClient({ baseUrl, token: TOKEN });
    anonymous = new ManagementClient({ baseUrl });
    cql = new cassandra.Client({ contactPoints: [node.contactPoint], localDataCenter: node.dc });
    await cql.connect();
    await cql.execute("CREATE KEYSPACE mgmt WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await cql.execute('CREATE TABLE mgmt.t (id int PRIMARY KEY, v text)');
  });

  afterAll(async () => {
    await cql?.shutdown();
    await node?.destroy();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 without the token and changes nothing; probes stay open', async () => {
    expect(await rejection(anonymous.nodeInfo())).toMatchObject({ code: 'MGMT_ERR_UNAUTHORIZED', status: 401 });
    const wrong = new ManagementClient({ baseUrl, token: 'f'.repeat(64) });
    expect(await rejection(wrong.submit('drain', {}))).toMatchObject({ code: 'MGMT_ERR_UNAUTHORIZED' });
    expect(await rejection(wrong.setReplication('mgmt', { datacenters: { dc1: 1 } }))).toMatchObject({ code: 'MGMT_ERR_UNAUTHORIZED' });
    const raw = await fetch(`${baseUrl}/api/v1/jobs`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ error: { code: 'MGMT_ERR_UNAUTHORIZED', message: 'missing or wrong bearer token' } });
    expect((await anonymous.liveness()).status).toBe('alive');
    expect(await anonymous.readiness()).toEqual({ ready: true, operationMode: 'NORMAL', nativeTransportRunning: true, reasons: [] });
    expect((await client.jobs()).jobs).toEqual([]);
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(200);
  });

  it('reports node info', async () => {
    const info = await client.nodeInfo();
    expect(info).toMatchObject({
      clusterName: 'cassia-test', datacenter: 'dc1', rack: 'rack1', operationMode: 'NORMAL', bootstrapped: true, isSeed: true,
      listenAddress: node.address, rpcAddress: node.address, nativeTransportPort: node.port, nativeTransportRunning: true,
      managementApi: { version: 'v1', revision: 1 },
    });
    expect(info.hostId).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.tokens).toHaveLength(16);
    expect(info.schemaVersion).toMatch(/^[0-9a-f-]{36}$/);
    expect(info.dataDisk.totalBytes).toBeGreaterThan(0);
    expect(info.dataDisk.freeBytes).toBeGreaterThan(0);
    expect(info.dataDisk.freeBytes).toBeLessThanOrEqual(info.dataDisk.totalBytes);
    expect(info.uptimeMs).toBeGreaterThan(0);
    expect(info.startedAtMs).toBeLessThanOrEqual(Date.now());
  });

  it('lists the node itself in the cluster view, ring and schema versions', async () => {
    const info = await client.nodeInfo();
    const view = await client.clusterView();
    expect(view.clusterName).toBe('cassia-test');
    expect(view.endpoints).toHaveLength(1);
    expect(view.endpoints[0]).toMatchObject({ address: node.address, hostId: info.hostId, status: 'UP', state: 'NORMAL', tokenCount: 16, isSelf: true, rpcReady: true });
    const ring = await client.ring();
    expect(ring.tokens.map((t) => t.token)).toEqual([...info.tokens].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)));
    expect(ring.endpoints).toEqual([{ address: node.address, hostId: info.hostId, datacenter: 'dc1', rack: 'rack1', status: 'UP', state: 'NORMAL', ownership: 1 }]);
    expect((await client.ring('mgmt')).endpoints[0]!.ownership).toBe(1);
    expect(await rejection(client.ring('nope'))).toMatchObject({ code: 'MGMT_ERR_NOT_FOUND' });
    expect(await client.schemaVersions()).toEqual({ agreement: true, versions: [{ schemaVersion: info.schemaVersion, endpoints: [node.address] }], unreachable: [] });
  });

  it('lists keyspaces and changes replication through ALTER KEYSPACE', async () => {
    const keyspaces = (await client.keyspaces()).keyspaces;
    expect(keyspaces.find((k) => k.name === 'mgmt')).toEqual({
      name: 'mgmt', replication: { class: 'SimpleStrategy', replicationFactor: 1, datacenters: {} }, durableWrites: true, system: false,
    });
    expect(keyspaces.find((k) => k.name === 'system')).toMatchObject({ system: true, replication: { class: 'LocalStrategy' } });
    const before = (await client.nodeInfo()).schemaVersion;
    const changed = await client.setReplication('mgmt', { datacenters: { dc1: 1 } });
    expect(changed.replication).toEqual({ class: 'NetworkTopologyStrategy', datacenters: { dc1: 1 } });
    expect(changed.schemaVersion).not.toBe(before);
    const row = (await cql.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'mgmt'")).first();
    expect(row['replication']).toEqual({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '1' });
    expect(await rejection(client.setReplication('nope', { datacenters: { dc1: 1 } }))).toMatchObject({ code: 'MGMT_ERR_NOT_FOUND' });
    expect(await rejection(client.setReplication('mgmt', { datacenters: { nowhere: 1 } }))).toMatchObject({ code: 'MGMT_ERR_BAD_REQUEST' });
    expect(await rejection(client.setReplication('system', { datacenters: { dc1: 1 } }))).toMatchObject({ code: 'MGMT_ERR_REFUSED' });
    // system_auth is a stored keyspace: its replication changes like a user keyspace's.
    const auth = await client.setReplication('system_auth', { datacenters: { dc1: 1 } });
    expect(auth.replication).toEqual({ class: 'NetworkTopologyStrategy', datacenters: { dc1: 1 } });
    // system_distributed and system_traces are presented until the first ALTER stores them (the operator sets NTS on them).
    const traces = await client.setReplication('system_traces', { datacenters: { dc1: 1 } });
    expect(traces.replication).toEqual({ class: 'NetworkTopologyStrategy', datacenters: { dc1: 1 } });
    const tracesRow = (await cql.execute("SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = 'system_traces'")).first();
    expect(tracesRow['replication']).toEqual({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '1' });
    expect(await rejection(client.setReplication('system_schema', { datacenters: { dc1: 1 } }))).toMatchObject({ code: 'MGMT_ERR_REFUSED' });
  });

  it('flushes as a job: SUCCEEDED, an SSTable appears, the requestId finds the same job', async () => {
    for (let i = 0; i < 50; i++) await cql.execute('INSERT INTO mgmt.t (id, v) VALUES (?, ?)', [i, `value-${i}`], { prepare: true });
    await cql.execute('SELECT * FROM mgmt.t WHERE id = 1');
    const before = (await client.tableStats({ keyspace: 'mgmt', table: 't' })).tables;
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ sstableCount: 0, liveBytes: 0 });
    expect(before[0]!.memtableBytes).toBeGreaterThan(0);
    const job = await client.submit('flush', { keyspace: 'mgmt', requestId: 'test/flush-1' });
    expect(job.state).toBe('PENDING');
    const done = await client.waitForJob(job.id, JOB_WAIT);
    expect(done).toMatchObject({ state: 'SUCCEEDED', operation: 'flush', requestId: 'test/flush-1', error: null, result: { tablesFlushed: 1 } });
    expect((await client.submit('flush', { requestId: 'test/flush-1' })).id).toBe(job.id);
    const after = (await client.tableStats({ keyspace: 'mgmt' })).tables[0]!;
    expect(after.sstableCount).toBeGreaterThanOrEqual(1);
    expect(after.liveBytes).toBeGreaterThan(0);
    expect(after.memtableBytes).toBe(0);
    expect((await client.nodeInfo()).loadBytes).toBe(after.liveBytes);
    expect((await client.jobs()).jobs.map((j) => j.id)).toEqual([job.id]);
    expect(await client.job(job.id)).toEqual(done);
    expect(await rejection(client.tableStats({ keyspace: 'nope' }))).toMatchObject({ code: 'MGMT_ERR_NOT_FOUND' });
  });

  it('finishes or refuses the operations a single node cannot really perform', async () => {
    const repair = await client.waitForJob((await client.submit('repair', { keyspace: 'mgmt' })).id, JOB_WAIT);
    expect(repair).toMatchObject({ state: 'SUCCEEDED', result: { rangesRepaired: 0, mismatchedRanges: 0, streamedBytes: 0 } });
    expect((await client.waitForJob((await client.submit('cleanup', {})).id, JOB_WAIT)).state).toBe('SUCCEEDED');
    expect((await client.waitForJob((await client.submit('rebuild', {})).id, JOB_WAIT)).state).toBe('SUCCEEDED');
    expect(await rejection(client.submit('rebuild', { sourceDatacenter: 'dc9' }))).toMatchObject({ code: 'MGMT_ERR_REFUSED', status: 409 });
    const compact = await client.waitForJob((await client.submit('compact', { keyspace: 'mgmt' })).id, JOB_WAIT);
    expect(compact).toMatchObject({ state: 'SUCCEEDED', operation: 'compact', result: { tables: 1 } });
    for (const op of ['garbagecollect', 'verify', 'scrub'] as const) {
      expect((await client.waitForJob((await client.submit(op, { keyspace: 'mgmt' })).id, JOB_WAIT)).state).toBe('SUCCEEDED');
    }
    expect(await client.setCompactionThroughput(16)).toEqual({ mbPerSecond: 16 });
    expect(await client.compactionThroughput()).toEqual({ mbPerSecond: 16 });
    const decommission = await rejection(client.submit('decommission', {}));
    expect(decommission).toMatchObject({ code: 'MGMT_ERR_REFUSED', status: 409 });
    expect(decommission.message).toContain('last node in the cluster');
    expect(await rejection(client.submit('removenode', { hostId: '6f1e28ba-2fa1-41d2-883f-0016d3cca499' }))).toMatchObject({ code: 'MGMT_ERR_NOT_FOUND' });
    expect(await rejection(client.submit('removenode', { hostId: (await client.nodeInfo()).hostId! }))).toMatchObject({ code: 'MGMT_ERR_REFUSED' });
    expect(await client.compactions()).toMatchObject({ pendingTasks: 0, active: [], throughputMbPerSecond: 16 });
    expect(await client.streams()).toEqual({ sessions: [] });
    expect(await rejection(client.job('j-unknown'))).toMatchObject({ code: 'MGMT_ERR_NOT_FOUND' });
  });

  it('refuses bodies above 64 KiB with 413', async () => {
    const response = await fetch(`${baseUrl}/api/v1/ops/flush`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: `{"x":"${'a'.repeat(70 * 1024)}"}`,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'MGMT_ERR_PAYLOAD_TOO_LARGE' } });
  });

  it('exposes CQL request counters, latency histograms and storage gauges at /metrics', async () => {
    await cql.execute('SELECT * FROM mgmt.t WHERE id = 2', [], { consistency: cassandra.types.consistencies.localOne });
    const text = await (await fetch(`${baseUrl}/metrics`)).text();
    const sample = (prefix: string): number => {
      const line = text.split('\n').find((l) => l.startsWith(prefix));
      return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    expect(sample('cassia_cql_requests_total{opcode="EXECUTE",kind="insert",consistency="LOCAL_ONE"}')).toBe(50);
    expect(sample('cassia_cql_requests_total{opcode="PREPARE",kind="insert",consistency="NONE"}')).toBeGreaterThanOrEqual(1);
    expect(sample('cassia_cql_requests_total{opcode="QUERY",kind="select",consistency="LOCAL_ONE"}')).toBeGreaterThanOrEqual(2);
    expect(sample('cassia_cql_request_duration_seconds_count{opcode="EXECUTE",kind="insert",consistency="LOCAL_ONE"}')).toBe(50);
    expect(sample('cassia_table_sstables{keyspace="mgmt",table="t"}')).toBeGreaterThanOrEqual(1);
    expect(sample('cassia_commitlog_bytes')).toBeGreaterThan(0);
    expect(sample('cassia_cql_connections')).toBeGreaterThanOrEqual(1);
    expect(sample('cassia_node_operation_mode{mode="NORMAL"}')).toBe(1);
    expect(sample('cassia_management_jobs_total{operation="flush",state="SUCCEEDED"}')).toBe(1);
    expect(sample('process_resident_memory_bytes')).toBeGreaterThan(0);
    // Every metric the Grafana dashboard queries is exported by the node.
    const dashboard = readFileSync(DASHBOARD, 'utf8');
    const queried = new Set([...dashboard.matchAll(/\b((?:cassia|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')));
    expect(queried.size).toBeGreaterThan(15);
    for (const name of queried) expect([name, text.includes(`# TYPE ${name} `)]).toEqual([name, true]);
  });

  it('prints nodetool status, info and their JSON', async () => {
    const info = await client.nodeInfo();
    const status = await nodetool('status');
    expect(status.exitCode).toBe(0);
    const line = status.out.split('\n').find((l) => l.startsWith('UN'));
    expect(line).toMatch(new RegExp(`^UN  ${node.address.replaceAll('.', '\\.')}\\s+[\\d.]+ (bytes|KiB|MiB)\\s+16\\s+100\\.0%\\s+${info.hostId}\\s+rack1$`));
    const statusJson = JSON.parse((await nodetool('status', '--json')).out) as { endpoints: unknown[] };
    expect(statusJson.endpoints).toEqual([expect.objectContaining({ status: 'UP', state: 'NORMAL', address: node.address, tokens: 16, owns: 1, hostId: info.hostId })]);
    const text = await nodetool('info');
    expect(text.out).toContain(`ID                     : ${info.hostId}`);
    expect(text.out).toContain('Native Transport active: true');
    expect(text.out).toContain('Data Center            : dc1');
    expect(JSON.parse((await nodetool('info', '--json')).out)).toMatchObject({ hostId: info.hostId, operationMode: 'NORMAL' });
    for (const command of ['ring', 'describecluster', 'gossipinfo', 'tablestats', 'compactionstats', 'netstats']) {
      const r = await nodetool(command);
      expect([command, r.exitCode, r.err]).toEqual([command, 0, '']);
      expect(r.out.length).toBeGreaterThan(0);
    }
    expect((await nodetool('tablestats', 'mgmt.t')).out).toContain('\t\tTable: t');
    expect((await nodetool('flush', 'mgmt')).exitCode).toBe(0);
    const refused = await nodetool('decommission');
    expect(refused.exitCode).toBe(1);
    expect(refused.err).toContain('MGMT_ERR_REFUSED');
  });

  it('runs as `cassia nodetool` in its own process, with exit codes', () => {
    const run = (...argv: string[]) => spawnSync(process.execPath, [CASSIA_CLI, 'nodetool', ...argv], {
      encoding: 'utf8', timeout: 60_000, env: { ...process.env, CASSIA_MANAGEMENT_TOKEN_FILE: tokenFile },
    });
    const info = run('-h', node.address, '-p', String(node.managementPort), 'info');
    expect([info.status, info.stderr]).toEqual([0, '']);
    expect(info.stdout).toContain('Native Transport active: true');
    const status = run('status', '--json', '-p', String(node.managementPort), '-h', node.address);
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ keyspace: null, endpoints: [{ status: 'UP', state: 'NORMAL' }] });
    const refused = run('-h', node.address, '-p', String(node.managementPort), 'decommission');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('MGMT_ERR_REFUSED: last node in the cluster');
    const unreachable = run('-h', node.address, '-p', '1', 'info');
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toContain(`Failed to connect to '${node.address}:1'`);
  });

  it('drains: memtables flushed, CQL stopped, readiness fails, exclusive with itself', async () => {
    await cql.execute('INSERT INTO mgmt.t (id, v) VALUES (1000, ?)', ['after flush']);
    const drain = await nodetool('drain', '--json');
    expect(drain.exitCode).toBe(0);
    expect(JSON.parse(drain.out)).toMatchObject({ operation: 'drain', state: 'SUCCEEDED' });
    expect(await cqlPortOpen(node.address, node.port)).toBe(false);
    const readiness = await anonymous.readiness();
    expect(readiness).toEqual({ ready: false, operationMode: 'DRAINED', nativeTransportRunning: false, reasons: ['DRAINED', 'NATIVE_TRANSPORT_DOWN'] });
    const info = await client.nodeInfo();
    expect(info).toMatchObject({ operationMode: 'DRAINED', nativeTransportRunning: false });
    expect((await client.tableStats({ keyspace: 'mgmt', table: 't' })).tables[0]!.memtableBytes).toBe(0);
    expect(await rejection(client.submit('repair', {}))).toMatchObject({ code: 'MGMT_ERR_REFUSED' });
    // A second drain (e.g. a preStop hook after the operator's own) succeeds at once.
    expect((await client.waitForJob((await client.submit('drain', {})).id, JOB_WAIT)).state).toBe('SUCCEEDED');
    expect((await client.liveness()).status).toBe('alive');
    await node.stop();
    expect(node.logTail()).toContain('node stopped');
  });
});
