// kill -9 safety of the storage engine: a real child process (crash-writer.ts) writes under batch
// commit-log sync and prints each acknowledged write; it is SIGKILLed at random moments, restarted
// on the same directory, and must hold every acknowledged insert (unless since deleted) while no
// acknowledged delete may be undone. Two workloads: `kv` (inserts only, one partition per key:
// kills land in commit-log appends, fsyncs, flushes and segment switches) and `torture` (inserts
// and deletes on tiny memtables, so flushes, compactions and tombstone purges (gc_grace 0) never
// stop). Torture rounds: CASSIA_TORTURE_ROUNDS (default 8, bounded for CI).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const WRITER = join(import.meta.dirname, 'crash-writer.ts');
const TORTURE_ROUNDS = Math.max(1, Math.min(200, Number(process.env['CASSIA_TORTURE_ROUNDS'] ?? 8)));
const KV_ROUNDS = 6;
const KEYS_PER_ROUND = 10_000_000;
const ROUND_TIMEOUT_MS = 60_000;

interface Run {
  readonly lines: string[];
  readonly verifiedLine: string | null;
  readonly compactions: number;
  readonly exitCode: number | null;
  readonly stderr: string;
}

type Workload = 'kv' | 'torture';

function runWriter(options: { dir: string; stateFile: string; startKey: number; mode: 'write' | 'verify'; seed: number; killAfterMs: number | null; workload: Workload }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, options.dir, options.stateFile, String(options.startKey), options.mode, String(options.seed), options.workload], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    // 'close', not 'exit': exit can come before the pipes are drained, and a line the child wrote
    // just before its kill (a delete it issued: "u <n>") would be lost, so the next verify would
    // wrongly expect that key present.
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ lines, verifiedLine, compactions, exitCode: code, stderr });
    });
  });
}

interface Totals {
  inserts: number;
  deletes: number;
  compactions: number;
}

/** Rounds of write-then-kill on one directory, then a clean verifying start; returns what was acknowledged. */
async function killLoop(options: { workload: Workload; rounds: number; killAfterMs: () => number }): Promise<Totals> {
  const dir = mkdtempSync(join(tmpdir(), `cassia-crash-${options.workload}-`));
  try {
    const stateFile = join(dir, 'state.txt');
    writeFileSync(stateFile, '');
    const totals: Totals = { inserts: 0, deletes: 0, compactions: 0 };
    for (let round = 0; round < options.rounds; round++) {
      const killAfterMs = options.killAfterMs();
      const run = await runWriter({ dir, stateFile, startKey: round * KEYS_PER_ROUND, mode: 'write', seed: round + 1, killAfterMs, workload: options.workload });
      expect(run.verifiedLine, run.stderr).toMatch(/missing \[\] 0 resurrected \[\] 0$/);
      const acknowledged = run.lines.filter((l) => !l.startsWith('u ')).length;
      expect(acknowledged, run.stderr).toBeGreaterThan(0);
      appendFileSync(stateFile, run.lines.map((l) => `${l}\n`).join(''));
      totals.inserts += run.lines.filter((l) => l.startsWith('i ')).length;
      totals.deletes += run.lines.filter((l) => l.startsWith('d ')).length;
      totals.compactions += run.compactions;
      console.log(`${options.workload} round ${round}: killed after ${killAfterMs} ms, ${acknowledged} acknowledged writes, ${run.compactions} compactions done`);
    }
    const final = await runWriter({ dir, stateFile, startKey: 0, mode: 'verify', seed: 0, killAfterMs: null, workload: options.workload });
    expect(final.verifiedLine, final.stderr).toMatch(/missing \[\] 0 resurrected \[\] 0$/);
    expect(final.verifiedLine, final.stderr).toContain(`verified ${totals.inserts} ${totals.deletes} `);
    expect(final.exitCode).toBe(0);
    return totals;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('storage engine under kill -9 (real process, batch sync)', () => {
  it('keeps every acknowledged write across SIGKILLs at random times', async () => {
    const totals = await killLoop({ workload: 'kv', rounds: KV_ROUNDS, killAfterMs: () => 150 + Math.floor(Math.random() * 900) });
    expect(totals.inserts).toBeGreaterThan(0);
  });

  it(`keeps every acknowledged insert and delete across ${TORTURE_ROUNDS} SIGKILLs during flushes, compactions and purges`, async () => {
    const totals = await killLoop({ workload: 'torture', rounds: TORTURE_ROUNDS, killAfterMs: () => 200 + Math.floor(Math.random() * 1800) });
    expect(totals.inserts).toBeGreaterThan(0);
    expect(totals.deletes).toBeGreaterThan(0);
    expect(totals.compactions).toBeGreaterThan(0);
  });
});
