// CPU time of the server process behind a listening TCP address, read from Linux /proc: the
// listening socket's inode (/proc/net/tcp), the process holding it (/proc/<pid>/fd), and that
// process's user+system time (/proc/<pid>/stat). On a shared, loaded machine throughput is noisy;
// server CPU per request is not, so benchmarks report both. Per-thread scheduler statistics
// (/proc/<pid>/task/<tid>/schedstat) tell a starved thread (runnable, waiting in the run queue)
// from an idle one. Returns null off Linux or when the listener cannot be found (a probe, never
// a failure).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** /proc/<pid>/stat times are in clock ticks; USER_HZ is 100 on every Linux we run on. */
const CLOCK_TICKS_PER_SECOND = 100;
const TCP_LISTEN_STATE = '0A';
/** Processes looked at when searching for the socket's owner (bounds the scan). */
const PROCESSES_SCANNED_MAX = 100_000;

export interface ServerCpuProbe {
  readonly pid: number;
  /** User + system CPU time of the process so far, ms (10 ms resolution). */
  cpuMs(): number;
  /** Per-thread time on a CPU and time runnable in a run queue so far (ns), by thread id. */
  threadSchedule(): Map<number, ThreadSchedule>;
}

export interface ThreadSchedule {
  readonly runNs: number;
  readonly waitNs: number;
}

/** The thread that ran most between two snapshots: its run and run-queue wait time, ms. */
export function busiestThread(before: Map<number, ThreadSchedule>, after: Map<number, ThreadSchedule>): { runMs: number; waitMs: number } | null {
  let best: { runMs: number; waitMs: number } | null = null;
  for (const [tid, end] of after) {
    const start = before.get(tid) ?? { runNs: 0, waitNs: 0 };
    const runMs = Math.round((end.runNs - start.runNs) / 1e6);
    if (best === null || runMs > best.runMs) best = { runMs, waitMs: Math.round((end.waitNs - start.waitNs) / 1e6) };
  }
  return best;
}

function readThreadSchedule(pid: number): Map<number, ThreadSchedule> {
  const out = new Map<number, ThreadSchedule>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ');
      out.set(Number(tid), { runNs: Number(run), waitNs: Number(wait) });
    } catch {
      // The thread exited between the listing and the read.
    }
  }
  return out;
}

/** "127.0.0.1", 9042 -> "0100007F:2352" as /proc/net/tcp prints a local address. */
export function procTcpAddress(host: string, port: number): string {
  const octets = host.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) {
    throw new Error(`not an IPv4 address: ${host}`);
  }
  const hex = octets.reverse().map((o) => o.toString(16).padStart(2, '0')).join('').toUpperCase();
  return `${hex}:${port.toString(16).padStart(4, '0').toUpperCase()}`;
}

/** Inode of the socket listening on `address` in a /proc/net/tcp table, or null. */
export function listeningInode(table: string, address: string): string | null {
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === address && fields[3] === TCP_LISTEN_STATE) return fields[9] ?? null;
  }
  return null;
}

/** utime + stime of a /proc/<pid>/stat line, in clock ticks. */
export function statCpuTicks(stat: string): number {
  // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  return Number(rest[11]) + Number(rest[12]);
}

/** Finds the process listening on host:port (IPv4), or null when it cannot be told. */
export function probeServerCpu(contactPoint: string): ServerCpuProbe | null {
  if (process.platform !== 'linux') return null;
  const colon = contactPoint.lastIndexOf(':');
  const host = colon < 0 ? contactPoint : contactPoint.slice(0, colon);
  const port = colon < 0 ? 9042 : Number(contactPoint.slice(colon + 1));
  try {
    const inode = listeningInode(readFileSync('/proc/net/tcp', 'utf8'), procTcpAddress(host, port));
    if (inode === null) return null;
    const target = `socket:[${inode}]`;
    const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).slice(0, PROCESSES_SCANNED_MAX);
    for (const pid of pids) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let link: string;
        try {
          link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        if (link === target) {
          const statPath = `/proc/${pid}/stat`;
          return {
            pid: Number(pid),
            cpuMs: () => (statCpuTicks(readFileSync(statPath, 'utf8')) * 1000) / CLOCK_TICKS_PER_SECOND,
            threadSchedule: () => readThreadSchedule(Number(pid)),
          };
        }
      }
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * One probe over the processes behind several contact points (a local cluster): CPU summed, thread
 * schedules merged (thread ids are unique machine-wide). Null when any of them cannot be found.
 */
export function probeServerCpuGroup(contactPoints: readonly string[]): ServerCpuProbe | null {
  const probes: ServerCpuProbe[] = [];
  for (const contactPoint of contactPoints) {
    const probe = probeServerCpu(contactPoint);
    if (probe === null) return null;
    probes.push(probe);
  }
  if (probes.length === 1) return probes[0]!;
  return {
    // The first process's; cpuMs and threadSchedule cover all of them.
    pid: probes[0]!.pid,
    cpuMs: () => probes.reduce((sum, p) => sum + p.cpuMs(), 0),
    threadSchedule: () => {
      const merged = new Map<number, ThreadSchedule>();
      for (const p of probes) for (const [tid, schedule] of p.threadSchedule()) merged.set(tid, schedule);
      return merged;
    },
  };
}
