// The replay CLI (`npm run sim -- --scenario S --seed N`): a passing seed prints one JSON line and
// exits 0 with the same trace hash every time; a failing seed exits 1 and prints how to replay it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPLAY = fileURLToPath(new URL('./replay.ts', import.meta.url));

function replay(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [REPLAY, ...args], { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      if (error !== null && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error === null ? 0 : (error.code as number), stdout });
    });
  });
}

describe('npm run sim', () => {
  it('replays a seed in a fresh process with the same trace hash', async () => {
    const first = await replay(['--scenario', 'single-node-crash', '--seed', '5']);
    const second = await replay(['--scenario', 'single-node-crash', '--seed', '5']);
    expect(first.code).toBe(0);
    const line = JSON.parse(first.stdout.split('\n')[0]!) as { ok: boolean; trace: string; seed: number };
    expect(line).toMatchObject({ ok: true, seed: 5 });
    expect(JSON.parse(second.stdout.split('\n')[0]!).trace).toBe(line.trace);
  });

  it('prints the failures and the replay command of a failing seed and exits 1', async () => {
    // A control scenario: periodic sync loses acknowledged writes on this seed's power losses.
    const { code, stdout } = await replay(['--scenario', 'single-node-periodic-loss', '--seed', '2']);
    expect(code).toBe(1);
    expect(stdout).toContain('replay: npm run sim -- --scenario single-node-periodic-loss --seed 2');
    expect(stdout).toMatch(/is not linearizable/);
    expect(stdout).toContain('--- last log lines');
  });

  it('lists the scenarios and refuses unknown arguments', async () => {
    const list = await replay(['--list']);
    expect(list.stdout).toMatch(/^single-node-crash /m);
    expect(list.stdout).toMatch(/^cluster-quorum /m);
    const bad = await replay(['--bogus']);
    expect(bad.code).toBe(2);
  });
});
