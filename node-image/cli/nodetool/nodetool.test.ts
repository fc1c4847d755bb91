import { describe, expect, it } from 'vitest';
import type { FetchLike } from '../../src/management/client/index.ts';
import type { ClusterView, Job, Ring } from '../../src/management/contract/index.ts';
import { sampleNodeInfo } from '../../src/management/contract/samples.ts';
import { createNodetoolCommand } from './nodetool-command.ts';
import type { NodetoolIo } from './nodetool-io.ts';
import { formatBytes } from './size-format.ts';
import { formatStatus } from './status-format.ts';
import { formatRing } from './ring-format.ts';

const HOST_A = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
const HOST_B = '6f1e28ba-2fa1-41d2-883f-0016d3cca499';

function endpoint(address: string, hostId: string, overrides: Partial<ClusterView['endpoints'][number]> = {}): ClusterView['endpoints'][number] {
  return {
    address, hostId, datacenter: 'dc1', rack: 'rack1', status: 'UP', state: 'NORMAL', tokenCount: 16, loadBytes: 72_384,
    schemaVersion: null, releaseVersion: '4.0.11', rpcReady: true, isSelf: false, heartbeat: { generation: 1, version: 2 },
    applicationStates: { STATUS_WITH_PORT: 'NORMAL,1', DC: 'dc1' }, ...overrides,
  };
}

const view: ClusterView = {
  clusterName: 'prod', partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
  endpoints: [endpoint('10.0.0.2', HOST_B, { status: 'DOWN', loadBytes: 1536 }), endpoint('10.0.0.1', HOST_A, { isSelf: true })],
};
const ring: Ring = {
  keyspace: null,
  tokens: [{ token: '-100', address: '10.0.0.1' }, { token: '200', address: '10.0.0.2' }],
  endpoints: [
    { address: '10.0.0.1', hostId: HOST_A, datacenter: 'dc1', rack: 'rack1', status: 'UP', state: 'NORMAL', ownership: 0.5 },
    { address: '10.0.0.2', hostId: HOST_B, datacenter: 'dc1', rack: 'rack1', status: 'DOWN', state: 'NORMAL', ownership: 0.5 },
  ],
};

function job(state: Job['state'], extra: Partial<Job> = {}): Job {
  return {
    id: 'j-1', operation: 'flush', requestId: null, state, submittedAtMs: 1, startedAtMs: 1, finishedAtMs: state === 'RUNNING' ? null : 2,
    progress: { unit: 'tables', done: 1, total: 2, message: 'x' }, error: null, cancellable: false, result: {}, ...extra,
  };
}

function harness(answers: (method: string, path: string, body: string | undefined) => { status: number; body: unknown }) {
  const out: string[] = [];
  const err: string[] = [];
  const calls: Array<{ method: string; url: string; auth: string | undefined; body: string | undefined }> = [];
  let exitCode = 0;
  const fetch: FetchLike = async (url, init) => {
    calls.push({ method: init.method, url, auth: init.headers.authorization, body: init.body });
    const a = answers(init.method, new URL(url).pathname + new URL(url).search, init.body);
    return { status: a.status, text: async () => JSON.stringify(a.body) };
  };
  const io: NodetoolIo = {
    env: { CASSIA_MANAGEMENT_TOKEN_FILE: '/run/token' },
    write: (t) => out.push(t), writeError: (t) => err.push(t),
    readFile: (path) => (path === '/run/token' ? `${'t'.repeat(64)}\n` : (() => { throw new Error('ENOENT'); })()),
    fetch, sleep: async () => {}, interactive: false, progressStream: process.stderr, setExitCode: (c) => { exitCode = c; },
  };
  const run = async (...argv: string[]): Promise<void> => {
    const command = createNodetoolCommand(io);
    command.exitOverride();
    await command.parseAsync(argv, { from: 'user' });
  };
  return { run, out: () => out.join(''), err: () => err.join(''), calls, exitCode: () => exitCode };
}

describe('nodetool formats', () => {
  it('formats sizes as Cassandra does', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(512)).toBe('512 bytes');
    expect(formatBytes(1024)).toBe('1 KiB');
    expect(formatBytes(72_384)).toBe('70.69 KiB');
    expect(formatBytes(5 * 1024 ** 3)).toBe('5 GiB');
  });

  it('prints status like Cassandra: UN/DN lines sorted by address', () => {
    expect(formatStatus(view, ring)).toBe([
      'Datacenter: dc1',
      '===============',
      'Status=Up/Down',
      '|/ State=Normal/Leaving/Joining/Moving',
      `--  Address   Load       Tokens  Owns   Host ID                               Rack`,
      `UN  10.0.0.1  70.69 KiB  16      50.0%  ${HOST_A}  rack1`,
      `DN  10.0.0.2  1.5 KiB    16      50.0%  ${HOST_B}  rack1`,
      '',
      '',
    ].join('\n'));
  });

  it('prints the ring with the last token first', () => {
    const text = formatRing(ring, view);
    const lines = text.split('\n');
    expect(lines[1]).toBe('Datacenter: dc1');
    expect(lines[4]!.trim()).toBe('200');
    expect(lines[5]).toMatch(/^10\.0\.0\.1\s+rack1\s+Up\s+Normal\s+70\.69 KiB\s+50\.00%\s+-100$/);
    expect(lines[6]).toMatch(/^10\.0\.0\.2\s+rack1\s+Down\s+Normal\s+1\.5 KiB\s+50\.00%\s+200$/);
  });
});

describe('nodetool commands', () => {
  it('status calls /cluster and /ring with the token from the environment', async () => {
    const h = harness((_m, path) => ({ status: 200, body: path.startsWith('/api/v1/cluster') ? view : ring }));
    await h.run('status', '-h', '10.1.2.3', '-p', '8081');
    expect(h.exitCode()).toBe(0);
    expect(h.out()).toContain(`UN  10.0.0.1`);
    expect(h.calls.map((c) => c.url).sort()).toEqual(['http://10.1.2.3:8081/api/v1/cluster', 'http://10.1.2.3:8081/api/v1/ring']);
    expect(h.calls.every((c) => c.auth === `Bearer ${'t'.repeat(64)}`)).toBe(true);
  });

  it('prints JSON with --json', async () => {
    const h = harness(() => ({ status: 200, body: sampleNodeInfo }));
    await h.run('info', '--json');
    expect(JSON.parse(h.out())).toEqual(sampleNodeInfo);
    const text = harness(() => ({ status: 200, body: sampleNodeInfo }));
    await text.run('info');
    expect(text.out()).toContain(`ID                     : ${sampleNodeInfo.hostId}`);
    expect(text.out()).toContain('Native Transport active: true');
    expect(text.out()).toContain('Token                  : (invoke with -T/--tokens to see all 3 tokens)');
  });

  it('runs an operation to its end and reports a failure with exit code 1', async () => {
    let polls = 0;
    const h = harness((method, path, body) => {
      if (method === 'POST') {
        expect(path).toBe('/api/v1/ops/flush');
        expect(JSON.parse(body!)).toEqual({ keyspace: 'ks', tables: ['t1'] });
        return { status: 202, body: job('PENDING') };
      }
      polls++;
      return { status: 200, body: polls < 3 ? job('RUNNING') : job('SUCCEEDED', { result: { message: 'flushed' } }) };
    });
    await h.run('flush', 'ks', 't1');
    expect(h.exitCode()).toBe(0);
    expect(h.out()).toBe('flushed\n');
    expect(polls).toBe(3);

    const failing = harness((method) => method === 'POST'
      ? { status: 202, body: job('PENDING', { operation: 'drain' }) }
      : { status: 200, body: job('FAILED', { operation: 'drain', error: { code: 'MGMT_ERR_INTERNAL', message: 'disk full' } }) });
    await failing.run('drain');
    expect(failing.exitCode()).toBe(1);
    expect(failing.err()).toBe('nodetool: drain failed (job j-1): MGMT_ERR_INTERNAL: disk full\n');
  });

  it('reports refusals, missing tokens and unreachable nodes', async () => {
    const refused = harness(() => ({ status: 409, body: { error: { code: 'MGMT_ERR_REFUSED', message: 'last node in the cluster' } } }));
    await refused.run('decommission');
    expect(refused.exitCode()).toBe(1);
    expect(refused.err()).toBe('nodetool: MGMT_ERR_REFUSED: last node in the cluster\n');

    const unauthorized = harness(() => ({ status: 401, body: { error: { code: 'MGMT_ERR_UNAUTHORIZED', message: 'missing or wrong bearer token' } } }));
    await unauthorized.run('info', '--token-file', '/nope');
    expect(unauthorized.exitCode()).toBe(2);
    expect(unauthorized.err()).toContain('cannot read the token file /nope');

    const down = harness(() => {
      throw new TypeError('fetch failed');
    });
    await down.run('info', '-h', '127.0.0.9');
    expect(down.exitCode()).toBe(1);
    expect(down.err()).toMatch(/^nodetool: Failed to connect to '127\.0\.0\.9:8080'/);
  });

  it('maps repair options onto the contract', async () => {
    const h = harness((method) => (method === 'POST' ? { status: 202, body: job('PENDING') } : { status: 200, body: job('SUCCEEDED') }));
    await h.run('repair', 'ks', '--pr', '--dc', 'dc1', 'dc2', '--st', '1', '--et', '5');
    expect(JSON.parse(h.calls[0]!.body!)).toEqual({
      keyspace: 'ks', primaryRange: true, full: true, datacenters: ['dc1', 'dc2'], startToken: '1', endToken: '5', intensity: 1,
    });
    await h.run('removenode', HOST_B, '--force');
    expect(JSON.parse(h.calls[2]!.body!)).toEqual({ hostId: HOST_B, force: true });
  });
});
