// bench:storage runs its peers (LevelDB, RocksDB) in the process Cassia ran in, and Cassia's
// engine moves V8's platform threads off the event loop's core when it starts a worker
// (node-image/src/io/real/cpu-affinity.ts). Before a peer's workloads every thread of the process
// gets every allowed CPU back, so the peer runs as it would in a process without Cassia (Cassia's
// next worker start moves V8's threads again).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { allowedCpuListOf } from '../../node-image/src/io/real/cpu-affinity.ts';

export function giveEveryThreadEveryCpu(): void {
  if (process.platform !== 'linux') return;
  const allowed = allowedCpuListOf(readFileSync('/proc/self/status', 'utf8'));
  if (allowed === null) return;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      execFileSync('taskset', ['-p', '-c', allowed, tid], { stdio: 'ignore', timeout: 5000 });
    } catch {
      // No taskset (then nothing was moved either), or the thread ended meanwhile.
    }
  }
}
