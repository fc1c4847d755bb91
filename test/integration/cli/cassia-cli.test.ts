// The `cassia` command end to end with real processes: `local up` starts a node in a temp folder
// on a free port, `cqlsh -e/-f/stdin` creates, writes and reads through the npm driver and prints
// cqlsh-style tables and errors, `status`/`down`/`up` manage the node and keep its data, and
// `--foreground` stops its node on SIGTERM. Never touches 9042 or 127.0.0.1:8080.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/cassia-process.ts';

const CASSIA = resolve(import.meta.dirname, '..', '..', '..', 'node-image', 'cli', 'cassia.ts');
const COMMAND_TIMEOUT_MS = 90_000;
/**
 * `local up --nodes 3` on a loaded machine: the seeds' shadow rounds and the third node's bootstrap
 * (RING_DELAY, 30 s) before it serves CQL. The node start bound (--start-timeout) and the command's.
 */
const CLUSTER_START_TIMEOUT_S = 240;
const CLUSTER_UP_TIMEOUT_MS = 300_000;
/** Every node serves CQL: node 1 lists both peers once gossip settles (seconds); the bound is for a starved machine. */
const PEERS_WITHIN_MS = 120_000;
const PEERS_POLL_MS = 1000;
const CLUSTER_TEST_TIMEOUT_MS = 540_000;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: string;
let port: number;

function cassia(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CASSIA, ...args], {
      cwd: tmpdir(), env: { ...process.env, CQLSH_HOST: undefined, CQLSH_PORT: undefined, CASSIA_CQLSH_HISTORY: join(dir, 'history') },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`cassia ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? COMMAND_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

const local = (sub: string, ...extra: string[]): Promise<Run> => cassia(['local', sub, '--dir', dir, ...extra]);
const cqlsh = (...args: string[]): Promise<Run> => cassia(['cqlsh', `127.0.0.1:${port}`, ...args]);

function pidOf(): number {
  return Number(readFileSync(join(dir, 'node1', 'cassia.pid'), 'utf8').trim());
}

/** Alive and not a zombie (an orphaned node is reaped by init some time after it exits). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return !existsSync('/proc/self');
  }
}

describe('cassia CLI', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cassia-cli-'));
    port = await freePort('127.0.0.1');
  });

  afterAll(async () => {
    if (dir !== undefined) {
      await local('down', '--stop-timeout', '10').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('local up starts one node and prints its contact point', async () => {
    const run = await local('up', '--base-port', String(port), '--management-port', '0', '--commitlog-sync', 'batch');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Contact points: 127.0.0.1:${port}`);
    expect(run.stdout).toContain(`new cassandra.Client({ contactPoints: ['127.0.0.1:${port}'], localDataCenter: 'dc1' })`);
    expect(existsSync(join(dir, 'node1', 'cassia.yaml'))).toBe(true);
    expect(alive(pidOf())).toBe(true);
  });

  it('local up --nodes 3 starts a gossiping three-node cluster on 127.0.0.1-3', async () => {
    const other = mkdtempSync(join(tmpdir(), 'cassia-cli-3-'));
    const cqlPort = await freePort('127.0.0.1');
    const storagePort = await freePort('127.0.0.1');
    const run3 = (sub: string, ...extra: string[]): Promise<Run> => cassia(['local', sub, '--dir', other, ...extra]);
    try {
      const up = await cassia(['local', 'up', '--dir', other, '--nodes', '3', '--base-port', String(cqlPort), '--storage-port', String(storagePort),
        '--management-port', '0', '--start-timeout', String(CLUSTER_START_TIMEOUT_S)], { timeoutMs: CLUSTER_UP_TIMEOUT_MS });
      expect(up.stderr).toBe('');
      expect(up.code).toBe(0);
      expect(up.stdout).toContain(`Contact points: 127.0.0.1:${cqlPort},127.0.0.2:${cqlPort},127.0.0.3:${cqlPort}`);
      const status = await run3('status');
      expect(status.code).toBe(0);
      for (const name of ['node1', 'node2', 'node3']) expect(status.stdout).toContain(name);
      // Wait (bounded) until node 1 lists both peers, then check what it prints.
      const deadline = Date.now() + PEERS_WITHIN_MS;
      let peers = await cassia(['cqlsh', `127.0.0.1:${cqlPort}`, '-e', 'SELECT peer, data_center FROM system.peers;']);
      while (!(peers.code === 0 && peers.stdout.includes('(2 rows)')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, PEERS_POLL_MS));
        peers = await cassia(['cqlsh', `127.0.0.1:${cqlPort}`, '-e', 'SELECT peer, data_center FROM system.peers;']);
      }
      if (!peers.stdout.includes('(2 rows)') || process.env['KEEP_LOGS'] !== undefined) {
        // The nodes' logs go before the folder does: why a peer is missing is in them.
        for (const name of ['node1', 'node2', 'node3']) {
          const log = join(other, name, 'logs', 'cassia.log');
          process.stdout.write(`--- ${name}\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-200_000) : '(no log)'}\n`);
        }
      }
      expect(peers.code, peers.stderr).toBe(0);
      expect(peers.stdout).toContain('127.0.0.2');
      expect(peers.stdout).toContain('127.0.0.3');
      expect(peers.stdout).toContain('(2 rows)');
    } finally {
      await run3('down', '--stop-timeout', '10').catch(() => undefined);
      rmSync(other, { recursive: true, force: true });
    }
  }, CLUSTER_TEST_TIMEOUT_MS);

  it('cqlsh -e creates, writes and reads, printing a cqlsh table', async () => {
    const run = await cqlsh('-e', [
      "CREATE KEYSPACE shop WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};",
      'CREATE TABLE shop.items (id int PRIMARY KEY, name text, price decimal, tags set<text>, attrs map<text, int>, added timestamp, raw blob, ok boolean);',
      "INSERT INTO shop.items (id, name, price, tags, attrs, added, raw, ok) VALUES (1, 'lamp', 12.50, {'home', 'light'}, {'w': 40}, '2024-01-02 03:04:05.678+0000', 0xcafe, true);",
      "INSERT INTO shop.items (id, name) VALUES (2, 'it''s');",
      'SELECT * FROM shop.items;',
    ].join(' '));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe([
      '',
      ' id | added                           | attrs     | name | ok   | price | raw    | tags',
      '----+---------------------------------+-----------+------+------+-------+--------+-------------------',
      "  1 | 2024-01-02 03:04:05.678000+0000 | {'w': 40} | lamp | True | 12.50 | 0xcafe | {'home', 'light'}",
      "  2 |                            null |      null | it's | null |  null |   null |              null",
      '',
      '(2 rows)',
      '',
    ].join('\n'));
  });

  it('cqlsh prints [applied] for conditional updates and honours EXPAND', async () => {
    const run = await cqlsh('-k', 'shop', '-e', "INSERT INTO items (id, name) VALUES (1, 'x') IF NOT EXISTS; EXPAND ON; SELECT id, name FROM items WHERE id = 2");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(' [applied] | id | added');
    expect(run.stdout).toContain('     False |  1 | 2024-01-02 03:04:05.678000+0000');
    expect(run.stdout).toContain(['@ Row 1', '------+------', ' id   | 2', " name | it's", '', '', '(1 rows)'].join('\n'));
  });

  it('cqlsh -f runs a script with shell commands and a batch', async () => {
    const script = join(dir, 'script.cql');
    writeFileSync(script, [
      '-- a script',
      'USE shop;',
      'CONSISTENCY QUORUM',
      'BEGIN BATCH',
      "  INSERT INTO items (id, name) VALUES (3, 'a;b');",
      "  INSERT INTO items (id, name) VALUES (4, 'd');",
      'APPLY BATCH;',
      'SELECT id, name FROM items WHERE id IN (3, 4);',
      '',
    ].join('\n'));
    const run = await cqlsh('-f', script);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(['Consistency level set to QUORUM.', '', ' id | name', '----+------', '  3 |  a;b', '  4 |    d', '', '(2 rows)', ''].join('\n'));
  });

  it('an invalid statement prints the cqlsh error and exits non-zero', async () => {
    const invalid = await cqlsh('-e', 'SELECT * FROM shop.missing');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^<stdin>:1:InvalidRequest: Error from server: code=2200 \[Invalid query\] message="[^"]*missing[^"]*"\n$/);
    const syntax = await cqlsh('-e', 'SELEC * FROM shop.items');
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/^<stdin>:1:SyntaxException: /);
    const script = join(dir, 'bad.cql');
    writeFileSync(script, 'USE shop;\nSELECT * FROM nope;\nSELECT id FROM items WHERE id = 4;\n');
    const file = await cqlsh('-f', script);
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(new RegExp(`^${script.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:InvalidRequest: `));
    expect(file.stdout).toContain('(1 rows)');
  });

  it('cqlsh reads a script from piped stdin and describes the schema', async () => {
    const run = await cassia(['cqlsh', `127.0.0.1:${port}`], { input: 'DESCRIBE KEYSPACES\nDESC TABLE shop.items\n' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\nshop +system/);
    expect(run.stdout).toContain('CREATE TABLE shop.items (\n    id int PRIMARY KEY,\n    added timestamp,');
    expect(run.stdout).toContain('    tags set<text>\n) WITH ');
  });

  it('local status shows the node up and reachable; up again starts no duplicate', async () => {
    const status = await local('status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`node1 +127\\.0\\.0\\.1:${port} +dc1 +rack1 +${pidOf()} +up +reachable`));
    const pid = pidOf();
    const again = await local('up');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`node1 is already running (pid ${pid})`);
    expect(pidOf()).toBe(pid);
  });

  it('local down stops the node, and up again keeps the data', async () => {
    const pid = pidOf();
    const down = await local('down');
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(`node1 stopped (pid ${pid})`);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'node1', 'cassia.pid'))).toBe(false);
    expect((await local('status')).stdout).toMatch(/node1 +\S+ +dc1 +rack1 +- +down +-/);

    const up = await local('up');
    expect(up.code).toBe(0);
    expect(up.stdout).toContain(`127.0.0.1:${port}`);
    const read = await cqlsh('-e', 'SELECT id, name FROM shop.items WHERE id IN (1, 2, 3, 4)');
    expect(read.stdout).toContain('(4 rows)');
    expect(read.stdout).toContain("  2 | it's");
  });

  it('local up --foreground streams logs and stops its node on SIGTERM', async () => {
    expect((await local('down')).code).toBe(0);
    const child = spawn(process.execPath, [CASSIA, 'local', 'up', '--foreground', '--dir', dir], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    const deadline = Date.now() + COMMAND_TIMEOUT_MS;
    while (!stdout.includes('Following node logs') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toContain('Following node logs');
    const pid = pidOf();
    expect((await cqlsh('-e', 'SELECT id FROM shop.items WHERE id = 1')).stdout).toContain('(1 rows)');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/node1 \| .*Starting listening for CQL clients/);
    expect(stdout).toContain('Stopped.');
    expect(alive(pid)).toBe(false);
  });

  it('local clear asks for --yes, then deletes the folder', async () => {
    expect((await local('up')).code).toBe(0);
    const refused = await local('clear');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--yes');
    const pid = pidOf();
    const cleared = await local('clear', '--yes');
    expect(cleared.code).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(dir, 'node1'))).toBe(false);
  });
});
