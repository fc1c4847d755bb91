// A node stopped (SIGTERM) or drained (management API) while clients have requests in flight
// answers those requests before it closes their connections: under group commit-log sync every
// write waits for the group window, so writes sent just before the stop are still in flight
// when it arrives; the driver must see them succeed (before the fix: "Socket was closed").
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import { afterEach, describe, expect, it } from 'vitest';
import { ManagementClient } from '../../../node-image/src/management/client/index.ts';
import { freePort, startCassiaProcess } from '../../support/cassia-process.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';

const WRITES = 40;
/** Each write waits this long for its commit-log group sync: the stop arrives while all are in flight. */
const GROUP_WINDOW_MS = 1500;
const STOP_AFTER_MS = 300;
const TOKEN = 'drain-test-token';

function client(node: CassiaProcess): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [node.contactPoint],
    localDataCenter: node.dc,
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1 } },
    socketOptions: { readTimeout: 20_000 },
  });
}

async function prepareTable(node: CassiaProcess): Promise<void> {
  const c = client(node);
  await c.connect();
  await c.execute("CREATE KEYSPACE IF NOT EXISTS drain WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await c.execute('CREATE TABLE IF NOT EXISTS drain.t (id int PRIMARY KEY, v text)');
  await c.shutdown();
}

/** Starts WRITES writes, calls `stop` once they are in flight, and returns each write's outcome. */
async function writesAcrossStop(node: CassiaProcess, stop: () => Promise<void>): Promise<{ ok: number; errors: string[] }> {
  const c = client(node);
  await c.connect();
  // A write that finds no recent sync is synced at once; the burst after it waits a whole window.
  await c.execute('INSERT INTO drain.t (id, v) VALUES (?, ?)', [-1, 'warm-up'], { prepare: true });
  const outcomes = Array.from({ length: WRITES }, async (_, id) => {
    try {
      await c.execute('INSERT INTO drain.t (id, v) VALUES (?, ?)', [id, `v${id}`], { prepare: true });
      return null;
    } catch (error) {
      return String((error as Error).message);
    }
  });
  await new Promise((r) => setTimeout(r, STOP_AFTER_MS));
  const stopping = stop();
  const results = await Promise.all(outcomes);
  await stopping;
  await c.shutdown();
  const errors = results.filter((r): r is string => r !== null);
  return { ok: results.length - errors.length, errors };
}

describe('drain with requests in flight', () => {
  let node: CassiaProcess | undefined;
  let tokenDir: string | undefined;
  afterEach(async () => {
    await node?.destroy();
    node = undefined;
    if (tokenDir !== undefined) rmSync(tokenDir, { recursive: true, force: true });
    tokenDir = undefined;
  });

  it('SIGTERM answers the writes in flight before closing client connections', async () => {
    node = await startCassiaProcess({ commitLogSync: 'group', extraConfig: { commitlog_sync_group_window: GROUP_WINDOW_MS } });
    await prepareTable(node);
    const running = node;
    const { ok, errors } = await writesAcrossStop(running, () => running.stop());
    expect(errors).toEqual([]);
    expect(ok).toBe(WRITES);
  }, 120_000);

  it('the management drain answers the writes in flight before closing client connections', async () => {
    const managementPort = await freePort();
    tokenDir = mkdtempSync(join(tmpdir(), 'cassia-drain-'));
    const tokenFile = join(tokenDir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    node = await startCassiaProcess({
      commitLogSync: 'group', extraConfig: { commitlog_sync_group_window: GROUP_WINDOW_MS }, managementPort, managementTokenFile: tokenFile,
    });
    await prepareTable(node);
    const management = new ManagementClient({ baseUrl: `http://${node.address}:${managementPort}`, token: TOKEN });
    const drain = async (): Promise<void> => {
      const job = await management.submit('drain', {});
      expect((await management.waitForJob(job.id, { pollIntervalMs: 100, timeoutMs: 60_000, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) })).state).toBe('SUCCEEDED');
    };
    const { ok, errors } = await writesAcrossStop(node, drain);
    expect(errors).toEqual([]);
    expect(ok).toBe(WRITES);
  }, 120_000);
});
