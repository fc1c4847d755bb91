// Finding and stopping node processes by pid file. A pid counts as "our node" only while it is
// alive, not a zombie, and (where /proc exists) its command line names the node's cassia.yaml, so
// a recycled pid is never signalled. Stopping is graceful first: SIGTERM, a bounded wait, then
// SIGKILL and a second bounded wait.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** How often a stopping process is checked. */
export const STOP_POLL_MS = 100;
/** Wait after SIGKILL before giving up on a process. */
export const KILL_WAIT_MS = 5_000;

export function readPidFile(path: string): number | null {
  if (!existsSync(path)) return null;
  const pid = Number(readFileSync(path, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function writePidFile(path: string, pid: number): void {
  writeFileSync(path, `${pid}\n`);
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

function procState(pid: number): { zombie: boolean; cmdline: string } | null {
  const base = `/proc/${pid}`;
  if (!existsSync('/proc/self')) return null;
  try {
    const stat = readFileSync(`${base}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    const cmdline = readFileSync(`${base}/cmdline`, 'utf8').split('\0').join(' ');
    return { zombie: state === 'Z' || state === 'X', cmdline };
  } catch {
    return { zombie: true, cmdline: '' };
  }
}

/** True while `pid` is a live process (and, where /proc can tell, one whose command line holds `marker`). */
export function isRunning(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' && procState(pid) === null;
  }
  const proc = procState(pid);
  if (proc === null) return true;
  return !proc.zombie && proc.cmdline.includes(marker);
}

export type StopOutcome = 'stopped' | 'killed' | 'not-running' | 'stuck';

/** SIGTERM, wait up to `graceMs`, then SIGKILL and wait up to KILL_WAIT_MS. */
export async function stopProcess(pid: number, marker: string, graceMs: number): Promise<StopOutcome> {
  if (!isRunning(pid, marker)) return 'not-running';
  const signal = (name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name);
    } catch {
      // exited in between
    }
  };
  signal('SIGTERM');
  if (await waitForExit(pid, marker, graceMs)) return 'stopped';
  signal('SIGKILL');
  return (await waitForExit(pid, marker, KILL_WAIT_MS)) ? 'killed' : 'stuck';
}

export async function waitForExit(pid: number, marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid, marker)) {
    if (Date.now() >= deadline) return false;
    await sleep(STOP_POLL_MS);
  }
  return true;
}
