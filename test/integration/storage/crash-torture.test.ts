// Crash torture of the storage engine: a real child process inserts and deletes under batch
// commit-log sync while tiny memtables keep flushes, compactions and tombstone purges (gc_grace 0)
// running all the time; it is SIGKILLed at random moments, restarted on the same directory, and
// must hold every acknowledged insert (unless since deleted) and no acknowledged delete may be
// undone. Rounds: CASSIA_TORTURE_ROUNDS (default 8, bounded for CI).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const WRITER = join(import.meta.dirname, 'crash-torture-writer.ts');
const ROUNDS = Math.max(1, Math.min(200, Number(process.env['CASSIA_TORTURE_ROUNDS'] ?? 8)));
const KEYS_PER_ROUND = 10_000_000;
const ROUND_TIMEOUT_MS = 60_000;

interface Run {
  readonly lines: string[];
  readonly verifiedLine: string | null;
  readonly compactions: number;
  readonly exitCode: number | null;
  readonly stderr: string;
}

function runWriter(options: { dir: string; stateFile: string; startKey: number; mode: 'write' | 'verify'; seed: number; killAfterMs: number | null }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, options.dir, options.stateFile, String(options.startKey), options.mode, String(options.seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let verifiedLine: string | null = null;
    let compactions = 0;
    let stderr = '';
    let buffered = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), ROUND_TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith('i ') || line.startsWith('d ') || line.startsWith('u ')) lines.push(line);
        else if (line.startsWith('c ')) compactions = Number(line.slice(2));
        else if (line.startsWith('verified ')) {
          verifiedLine = line;
          if (options.killAfterMs !== null) setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
        }
        nl = buffered.indexOf('\n');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 20_000) stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(guard);
      resolve({ lines, verifiedLine, compactions, exitCode: code, stderr });
    });
  });
}

describe('storage engine crash torture (real process, kill -9 during writes, flushes and compactions)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cassia-torture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`keeps every acknowledged insert and delete across ${ROUNDS} SIGKILLs`, async () => {
    const stateFile = join(dir, 'state.txt');
    writeFileSync(stateFile, '');
    let inserts = 0;
    let deletes = 0;
    let compactions = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const killAfterMs = 200 + Math.floor(Math.random() * 1800);
      const run = await runWriter({ dir, stateFile, startKey: round * KEYS_PER_ROUND, mode: 'write', seed: round + 1, killAfterMs });
      expect(run.verifiedLine, run.stderr).toMatch(/missing \[\] 0 resurrected \[\] 0$/);
      appendFileSync(stateFile, run.lines.map((l) => `${l}\n`).join(''));
      inserts += run.lines.filter((l) => l.startsWith('i ')).length;
      deletes += run.lines.filter((l) => l.startsWith('d ')).length;
      compactions += run.compactions;
      console.log(`round ${round}: killed after ${killAfterMs} ms, ${run.lines.filter((l) => !l.startsWith('u ')).length} acknowledged writes, ${run.compactions} compactions done`);
    }
    const final = await runWriter({ dir, stateFile, startKey: 0, mode: 'verify', seed: 0, killAfterMs: null });
    expect(final.verifiedLine, final.stderr).toMatch(/missing \[\] 0 resurrected \[\] 0$/);
    expect(final.exitCode).toBe(0);
    expect(inserts).toBeGreaterThan(0);
    expect(deletes).toBeGreaterThan(0);
    expect(compactions).toBeGreaterThan(0);
  });
});
