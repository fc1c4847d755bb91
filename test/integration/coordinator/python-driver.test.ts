// The PyPI cassandra-driver against three real node processes (cluster_driver.py): host discovery,
// token-aware routing to the computed replica, every consistency level, LWT and SERIAL. The
// interpreter is CASSIA_PYTHON, else the interop venv when it is already there; otherwise the test
// is skipped LOUDLY with the reason.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLUSTER_SETUP_TIMEOUT_MS, report, startCluster, waitForPeers } from './cluster-support.ts';
import type { RunningCluster } from './cluster-support.ts';

const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const SCRIPT_TIMEOUT_MS = 180_000;

function findPython(): string | null {
  const fromEnv = process.env['CASSIA_PYTHON'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const cache = process.env['CASSIA_CACHE_DIR'] ?? join(homedir(), '.cache', 'cassia');
  const version = spawnSync('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: 10_000 });
  if (version.status !== 0) return null;
  const python = join(cache, `venv-py-${version.stdout.trim()}-v1`, 'bin', 'python');
  if (!existsSync(python)) return null;
  return spawnSync(python, ['-c', 'import cassandra'], { timeout: 30_000 }).status === 0 ? python : null;
}

const python = findPython();
if (python === null) {
  process.stderr.write('\n!!! PYTHON DRIVER CLUSTER TEST SKIPPED: CASSIA_PYTHON is not set and no interop venv with cassandra-driver exists\n\n');
}

describe.skipIf(python === null)('the Python driver against three nodes', () => {
  let cluster: RunningCluster;

  beforeAll(async () => {
    cluster = await startCluster({ addresses: ADDRESSES, seeds: '127.0.0.1,127.0.0.2', clusterName: 'python-cluster-test' });
    for (const a of ADDRESSES) await waitForPeers(a, cluster.cqlPort, 2);
  }, CLUSTER_SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.destroy();
  });

  it('nodes started at once choose their tokens after the seeds before them', () => {
    // Seeds 1 and 2 and node 3 start together. Each waits for the starting nodes that come before
    // it (seeds first, then by address) to own tokens, so none places its tokens against an empty
    // ring except the first seed. Node 3 may hear of seed 2 only once seed 2 is NORMAL, so it sees
    // at least seed 1.
    const ringMembers = cluster.nodes.map((n) => {
      const line = n.logTail(400_000).split('\n').find((l) => l.includes('"tokens chosen"'));
      expect(line, `${n.address} logged its token choice`).toBeDefined();
      return (JSON.parse(line!) as { ringMembers: number }).ringMembers;
    });
    report('coordinator-token-order', { ringMembers });
    expect(ringMembers[1]).toBeGreaterThanOrEqual(1);
    expect(ringMembers[2]).toBeGreaterThanOrEqual(1);
  });

  it('cluster_driver.py', () => {
    const started = Date.now();
    const r = spawnSync(python!, [join(import.meta.dirname, 'cluster_driver.py')], {
      encoding: 'utf8',
      timeout: SCRIPT_TIMEOUT_MS,
      env: { ...process.env, CASSIA_HOSTS: ADDRESSES.join(','), CASSIA_PORT: String(cluster.cqlPort), PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
    });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error === undefined ? '' : String(r.error)}`;
    if (r.status !== 0) process.stderr.write(`--- cluster_driver.py ---\n${output}\n--- node 1 log ---\n${cluster.nodes[0]!.logTail(4000)}\n`);
    expect(r.status, output.slice(-3000)).toBe(0);
    report('coordinator-python-driver', { ms: Date.now() - started, summary: (r.stdout ?? '').trim().split('\n').pop() });
  }, SCRIPT_TIMEOUT_MS + 10_000);
});
