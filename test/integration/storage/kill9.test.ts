// kill -9 safety of the storage engine: a real child process writes with batch commit-log sync and
// prints each acknowledged key; we SIGKILL it at random moments (commit-log appends, fsyncs,
// flushes and segment switches all in progress), restart it on the same directory and require
// every acknowledged key to be readable with its value.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const WRITER = join(import.meta.dirname, 'kill9-writer.ts');
const ROUNDS = 6;
const KEYS_PER_ROUND = 10_000_000;
const ROUND_TIMEOUT_MS = 30_000;

interface Run {
  readonly acked: number[];
  readonly verifiedLine: string | null;
  readonly exitCode: number | null;
  readonly stderr: string;
}

/** Runs the writer; kills it `killAfterMs` after its verification line (null: let it exit). */
function runWriter(dir: string, ackedFile: string, startKey: number, mode: 'write' | 'verify', killAfterMs: number | null): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, ackedFile, String(startKey), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: number[] = [];
    let verifiedLine: string | null = null;
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
        if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
        else if (line.startsWith('verified ')) {
          verifiedLine = line;
          if (killAfterMs !== null) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
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
      resolve({ acked, verifiedLine, exitCode: code, stderr });
    });
  });
}

describe('storage engine under kill -9 (real process, batch sync)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cassia-kill9-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged write across SIGKILLs at random times', async () => {
    const ackedFile = join(dir, 'acked.txt');
    const acked: number[] = [];
    writeFileSync(ackedFile, '');
    for (let round = 0; round < ROUNDS; round++) {
      const killAfterMs = 150 + Math.floor(Math.random() * 900);
      const run = await runWriter(dir, ackedFile, round * KEYS_PER_ROUND, 'write', killAfterMs);
      expect(run.verifiedLine, run.stderr).toBe(`verified ${acked.length} missing [] 0`);
      expect(run.acked.length, run.stderr).toBeGreaterThan(0);
      acked.push(...run.acked);
      console.log(`round ${round}: killed after ${killAfterMs} ms, ${run.acked.length} acknowledged writes`);
      writeFileSync(ackedFile, `${acked.join('\n')}\n`);
    }
    const final = await runWriter(dir, ackedFile, 0, 'verify', null);
    expect(final.verifiedLine, final.stderr).toBe(`verified ${acked.length} missing [] 0`);
    expect(final.exitCode).toBe(0);
  });
});
