// Background threads off one core (Linux): the flush and compaction worker threads and V8's
// platform threads (the `--v8-pool-size` pool: concurrent marking, sweeping and parallel
// scavenging of every isolate) may run on every CPU the process may use but the first, which is
// left to the event loop. The event loop itself stays unpinned: it runs where the kernel puts it,
// and with no background thread of ours on that core, its wakeups find it free.
//
// Why (docs/design/compaction.md, 2026-11-28): on 2 cores the write p99 during a major
// compaction was 2-3x the idle one, in stalls of 2-6 ms with the event loop neither busy nor
// blocked but waiting for a core. Neither nice values nor SCHED_IDLE for the compaction thread
// nor nice +19 for V8's thread moved it; restricting both the worker threads and V8's thread to
// the second core did (p99 during the compaction equal to the idle one). Either alone did not.
//
// Node has no call for sched_setaffinity, so util-linux's `taskset` sets a thread's affinity by
// its id; where it is missing, or fewer than two CPUs are allowed, nothing changes. The
// environment variable CASSIA_CPU_AFFINITY=off turns it off (all threads on all CPUs, as before).
import { execFile, execFileSync } from 'node:child_process';
import { access, readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Environment variable that turns the background CPU restriction off when set to "off". */
export const CPU_AFFINITY_ENV = 'CASSIA_CPU_AFFINITY';

/** Thread name (/proc comm) of V8's platform worker threads in Node.js. */
export const V8_PLATFORM_THREAD_NAME = 'V8Worker';

/** The CPUs of a Linux CPU list ("0-3,8,10-11"); null when it is not one. */
export function parseCpuList(list: string): number[] | null {
  const cpus: number[] = [];
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (m === null) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from > 65_536) return null;
    for (let c = from; c <= to; c++) cpus.push(c);
  }
  return cpus;
}

/** The Cpus_allowed_list field of a /proc status file (a process's or a thread's), or null. */
export function allowedCpuListOf(status: string): string | null {
  return /^Cpus_allowed_list:\s*(\S+)\s*$/m.exec(status)?.[1] ?? null;
}

/**
 * The CPU list background threads are restricted to, given the CPUs the process may use: all but
 * the lowest. Null when fewer than two are allowed (no core to spare for the event loop).
 */
export function backgroundCpuList(allowed: readonly number[]): string | null {
  const sorted = [...new Set(allowed)].sort((a, b) => a - b);
  if (sorted.length < 2) return null;
  return sorted.slice(1).join(',');
}

/** backgroundCpuList of this process's allowed CPUs (/proc/self/status), null off Linux or when unreadable. */
function backgroundCpusOfThisProcess(): string | null {
  if (process.platform !== 'linux' || process.env[CPU_AFFINITY_ENV] === 'off') return null;
  try {
    const list = allowedCpuListOf(readFileSync('/proc/self/status', 'utf8'));
    const allowed = list === null ? null : parseCpuList(list);
    return allowed === null ? null : backgroundCpuList(allowed);
  } catch {
    return null;
  }
}

/**
 * Restricts the calling thread (a worker thread's own) to the background CPUs; returns the list
 * set, or null when nothing was changed. Blocks the calling thread for the taskset run (once, at
 * the worker's start).
 */
export function moveThisThreadToBackgroundCpus(): string | null {
  const cpus = backgroundCpusOfThisProcess();
  if (cpus === null) return null;
  try {
    const tid = readlinkSync('/proc/thread-self').split('/').pop()!;
    execFileSync('taskset', ['-p', '-c', cpus, tid], { stdio: 'ignore', timeout: 5000 });
    return cpus;
  } catch {
    return null;
  }
}

/**
 * Called on the event loop before a worker thread starts: restricts V8's platform threads to the
 * background CPUs without blocking (the taskset runs complete in the background; again at each
 * worker start, so threads a benchmark gave back their CPUs are moved again), and first makes sure
 * libuv's thread pool exists. The pool starts with the first asynchronous call of any thread and
 * its threads inherit that thread's CPUs: started by a worker's first call, it would be confined
 * to the background CPUs too, and with it every asynchronous file call of the process and the
 * threads those start.
 */
export function moveV8PlatformThreadsToBackgroundCpus(): void {
  access('/', () => undefined);
  const cpus = backgroundCpusOfThisProcess();
  if (cpus === null) return;
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return;
  }
  for (const tid of tasks) {
    let name: string;
    try {
      name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // the thread ended meanwhile
    }
    if (name !== V8_PLATFORM_THREAD_NAME) continue;
    // A missing taskset or a thread gone meanwhile reaches the callback as an error: nothing changes.
    execFile('taskset', ['-p', '-c', cpus, tid], { timeout: 5000 }, () => undefined);
  }
}
