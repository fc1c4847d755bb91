// Runs the Go program beside this file (an unmodified gocql driving Cassia) against one node and
// against three nodes on 127.0.0.1-3, one vitest test per gocql check. The program is built once
// per source hash into ${CASSIA_CACHE_DIR:-~/.cache/cassia}/gocql-interop-<hash>/; without a Go
// toolchain every test is skipped LOUDLY with the reason. Timings are printed as JSON lines.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CassiaProcess } from '../../support/cassia-process.ts';
import { freePort, startCassiaProcess } from '../../support/cassia-process.ts';

const HERE = import.meta.dirname;
const BUILD_TIMEOUT_MS = 600_000;
/** One scenario run; the timeout scenario waits up to 75 s for the failure detector. */
const RUN_TIMEOUT_MS = 300_000;
const CLUSTER_START_TIMEOUT_MS = 240_000;
const PEERS_TIMEOUT_MS = 90_000;
const POLL_MS = 200;
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const CLUSTER_NAME = 'gocql-interop';
const RING_DELAY_MS = 5000;

/**
 * Checks that fail because of a known Cassia bug (reported, outside this folder). They run as
 * `it.fails`: when the bug is fixed the test turns red, and the entry must be removed.
 */
const KNOWN_CASSIA_BUGS: Readonly<Record<string, string>> = {};

interface CheckResult {
  readonly scenario: string;
  readonly check: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
}

function report(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ test: 'gocql-interop', ...fields })}\n`);
}

function cacheDir(): string {
  return process.env['CASSIA_CACHE_DIR'] ?? join(homedir(), '.cache', 'cassia');
}

/** Builds the runner (or reuses the cached build); returns its path or the reason it cannot run. */
function buildRunner(): { binary: string } | { skip: string } | { error: string } {
  const version = spawnSync('go', ['version'], { encoding: 'utf8', timeout: 30_000 });
  if (version.status !== 0) return { skip: `no Go toolchain: 'go version' failed (${version.error?.message ?? version.stderr.trim()})` };
  const hash = createHash('sha256').update(version.stdout);
  for (const file of readdirSync(HERE).filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum').sort()) {
    hash.update(file).update(readFileSync(join(HERE, file)));
  }
  const dir = join(cacheDir(), `gocql-interop-${hash.digest('hex').slice(0, 16)}`);
  const binary = join(dir, 'gocql-interop');
  if (existsSync(binary)) {
    report({ phase: 'build', cached: true, binary });
    return { binary };
  }
  mkdirSync(dir, { recursive: true });
  const started = Date.now();
  const tmp = `${binary}.tmp-${process.pid}`;
  const build = spawnSync('go', ['build', '-o', tmp, '.'], {
    cwd: HERE, encoding: 'utf8', timeout: BUILD_TIMEOUT_MS,
    // go.sum pins every module; never switch toolchains behind the test's back.
    env: { ...process.env, GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local' },
  });
  if (build.status !== 0) {
    rmSync(tmp, { force: true });
    return { error: `go build failed (${String(build.status ?? build.error)}):\n${build.stderr}` };
  }
  renameSync(tmp, binary);
  report({ phase: 'build', cached: false, buildMs: Date.now() - started, binary });
  return { binary };
}

/** Check names of a scenario, from the runner itself. */
function listChecks(binary: string, scenario: string): string[] {
  const r = spawnSync(binary, ['-list', '-scenario', scenario], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`${binary} -list failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '');
}

/** Runs one scenario; resolves with its results by check name (and the stderr for failures). */
function runScenario(binary: string, args: readonly string[]): Promise<{ results: Map<string, CheckResult>; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', () => {
      clearTimeout(timer);
      const results = new Map<string, CheckResult>();
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line) as CheckResult & { summary?: boolean; passed?: number; failed?: number };
        if (parsed.summary === true) report({ scenario: parsed.scenario, passed: parsed.passed, failed: parsed.failed, runnerMs: parsed.ms });
        else results.set(parsed.check, parsed);
      }
      resolve({ results, stderr, ms: Date.now() - started });
    });
  });
}

const built = buildRunner();
const skipReason = 'skip' in built ? built.skip : null;
if (skipReason !== null) {
  process.stderr.write(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! GOCQL INTEROP TESTS SKIPPED: ${skipReason}\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`);
}
const binary = 'binary' in built ? built.binary : null;
const buildError = 'error' in built ? built.error : null;

it.skipIf(skipReason !== null)('the gocql runner builds', () => {
  expect(buildError, buildError ?? '').toBeNull();
});

/** Declares one test per check of `scenario`; `results()` is filled by the suite's beforeAll. */
function declareChecks(scenario: string, results: () => Map<string, CheckResult> | undefined, logs: () => string): void {
  if (binary === null) return;
  for (const name of listChecks(binary, scenario)) {
    const known = KNOWN_CASSIA_BUGS[name];
    (known === undefined ? it : it.fails)(known === undefined ? name : `${name} (known Cassia bug: ${known})`, () => {
      const r = results()?.get(name);
      if (r === undefined) throw new Error(`the runner reported nothing for ${name}\n${logs()}`);
      if (!r.ok && known === undefined) process.stderr.write(`--- gocql ${scenario} ${name}: ${r.error ?? ''}\n${logs()}\n`);
      expect(r.ok, r.error).toBe(true);
    });
  }
}

describe.skipIf(binary === null)('gocql against one Cassia node', () => {
  let node: CassiaProcess | undefined;
  let run: Awaited<ReturnType<typeof runScenario>> | undefined;

  beforeAll(async () => {
    node = await startCassiaProcess({ clusterName: 'cassia-test' });
    run = await runScenario(binary!, ['-scenario', 'single', '-hosts', node.address, '-port', String(node.port), '-dc', node.dc, '-cluster-name', 'cassia-test']);
    report({ scenario: 'single', wallMs: run.ms, checks: [...run.results.values()].map((r) => [r.check, r.ok, r.ms]) });
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await node?.destroy();
  });

  declareChecks('single', () => run?.results, () => `${run?.stderr.slice(-3000) ?? ''}\n--- node log tail ---\n${node?.logTail(3000) ?? ''}`);
});

describe.skipIf(binary === null)('gocql against a Cassia node with PasswordAuthenticator', () => {
  let node: CassiaProcess | undefined;
  let run: Awaited<ReturnType<typeof runScenario>> | undefined;

  beforeAll(async () => {
    node = await startCassiaProcess({
      clusterName: 'cassia-test',
      extraConfig: { authenticator: 'PasswordAuthenticator', superuser_username: 'gocql_admin', superuser_password: 'gocql-admin-pw' },
    });
    run = await runScenario(binary!, ['-scenario', 'auth', '-hosts', node.address, '-port', String(node.port), '-username', 'gocql_admin', '-password', 'gocql-admin-pw']);
    report({ scenario: 'auth', wallMs: run.ms, checks: [...run.results.values()].map((r) => [r.check, r.ok, r.ms]) });
  }, RUN_TIMEOUT_MS);

  afterAll(async () => {
    await node?.destroy();
  });

  declareChecks('auth', () => run?.results, () => `${run?.stderr.slice(-3000) ?? ''}\n--- node log tail ---\n${node?.logTail(3000) ?? ''}`);
});

/** A port free on every loopback address of the cluster. */
async function portFreeOnAll(addresses: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort(addresses[0]);
    const free = await Promise.all(addresses.slice(1).map((a) => new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, a, () => s.close(() => resolve(true)));
    })));
    if (free.every(Boolean)) return port;
  }
  throw new Error(`no port free on all of ${addresses.join(', ')}`);
}

/** Waits until every node lists the others in system.peers (gossip has settled). */
async function waitForPeers(port: number): Promise<number> {
  const started = Date.now();
  for (const address of ADDRESSES) {
    for (;;) {
      const c = new cassandra.Client({ contactPoints: [`${address}:${port}`], localDataCenter: 'dc1', pooling: { heartBeatInterval: 0 } });
      const n = await c.execute('SELECT peer FROM system.peers').then((r) => r.rowLength, () => -1).finally(() => c.shutdown());
      if (n === ADDRESSES.length - 1) break;
      if (Date.now() - started > PEERS_TIMEOUT_MS) throw new Error(`${address} lists ${n} peers after ${PEERS_TIMEOUT_MS} ms`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }
  return Date.now() - started;
}

describe.skipIf(binary === null)('gocql against three Cassia nodes (127.0.0.1-3)', () => {
  const nodes: CassiaProcess[] = [];
  let clusterRun: Awaited<ReturnType<typeof runScenario>> | undefined;
  let timeoutRun: Awaited<ReturnType<typeof runScenario>> | undefined;
  const logs = (): string => nodes.map((n) => `--- ${n.address} log tail ---\n${n.logTail(2000)}`).join('\n');

  beforeAll(async () => {
    const started = Date.now();
    const port = await portFreeOnAll(ADDRESSES);
    const storagePort = await portFreeOnAll(ADDRESSES);
    // One node after the other, as with Cassandra: nodes joining at the same time allocate their
    // tokens against the same ring view and can pick the same ones (seen: 127.0.0.1 and
    // 127.0.0.3 collided and 127.0.0.3 was ignored).
    for (const [i, address] of ADDRESSES.entries()) {
      nodes.push(await startCassiaProcess({
        address, port, storagePort, seeds: '127.0.0.1,127.0.0.2', rack: `rack${i + 1}`, dc: 'dc1', clusterName: CLUSTER_NAME,
        extraConfig: {
          // Loopback gossip settles fast: shorter shadow round and bootstrap waits (default 30 s).
          ring_delay: RING_DELAY_MS,
          // A stopped node is convicted after ~27 mean gossip intervals instead of ~18, so the
          // timeout checks see WriteTimeout/ReadTimeout before the coordinator gives Unavailable.
          phi_convict_threshold: 12,
        },
      }));
    }
    const peersMs = await waitForPeers(port);
    report({ scenario: 'cluster', phase: 'nodes ready', afterMs: Date.now() - started, peersMs });
    const common = ['-hosts', ADDRESSES.join(','), '-port', String(port), '-dc', 'dc1', '-cluster-name', CLUSTER_NAME];
    clusterRun = await runScenario(binary!, ['-scenario', 'cluster', ...common]);
    report({ scenario: 'cluster', wallMs: clusterRun.ms, checks: [...clusterRun.results.values()].map((r) => [r.check, r.ok, r.ms]) });
    // The last node stops answering (SIGSTOP) but its sockets stay open: replicas time out.
    const paused = nodes[2]!;
    process.kill(paused.pid!, 'SIGSTOP');
    try {
      timeoutRun = await runScenario(binary!, ['-scenario', 'timeouts', ...common]);
    } finally {
      process.kill(paused.pid!, 'SIGCONT');
    }
    report({ scenario: 'timeouts', wallMs: timeoutRun.ms, checks: [...timeoutRun.results.values()].map((r) => [r.check, r.ok, r.ms]) });
  }, CLUSTER_START_TIMEOUT_MS + 2 * RUN_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.destroy()));
  }, 120_000);

  declareChecks('cluster', () => clusterRun?.results, () => `${clusterRun?.stderr.slice(-3000) ?? ''}\n${logs()}`);
  declareChecks('timeouts', () => timeoutRun?.results, () => `${timeoutRun?.stderr.slice(-3000) ?? ''}\n${logs()}`);
});
