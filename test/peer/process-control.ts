// Child-process control shared by the peer targets: wait until a TCP port accepts connections (or the
// process dies), and stop a process with SIGTERM, then SIGKILL after a bound.
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

const READY_POLL_INTERVAL_MS = 250;
const CONNECT_PROBE_TIMEOUT_MS = 1_000;
const LOG_TAIL_BYTES = 6_000;

/** True when something accepts TCP connections on address:port. */
export function isListening(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(CONNECT_PROBE_TIMEOUT_MS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export function exitPromise(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (hasExited(child)) resolve();
    else child.once('exit', () => resolve());
  });
}

/** Resolves once address:port accepts connections; rejects if the child exits or time runs out. */
export async function waitForPort(options: {
  what: string;
  address: string;
  port: number;
  timeoutMs: number;
  child: ChildProcess;
}): Promise<void> {
  const deadlineMs = Date.now() + options.timeoutMs;
  while (Date.now() < deadlineMs) {
    if (hasExited(options.child)) {
      throw new Error(
        `${options.what} exited before serving CQL (code ${String(options.child.exitCode)}, signal ${String(options.child.signalCode)})`,
      );
    }
    if (await isListening(options.address, options.port)) return;
    await sleep(READY_POLL_INTERVAL_MS);
  }
  throw new Error(`${options.what} did not serve CQL on ${options.address}:${options.port} within ${options.timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after stopTimeoutMs; says which one ended the process. */
export async function terminate(child: ChildProcess, exited: Promise<void>, stopTimeoutMs: number): Promise<string> {
  if (hasExited(child)) return 'already exited';
  child.kill('SIGTERM');
  const timer: { handle?: NodeJS.Timeout } = {};
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer.handle = setTimeout(() => resolve('timeout'), stopTimeoutMs);
  });
  const outcome = await Promise.race([exited.then(() => 'exited' as const), timedOut]);
  clearTimeout(timer.handle);
  if (outcome === 'exited') return 'SIGTERM';
  child.kill('SIGKILL');
  await exited;
  return `SIGKILL after ${stopTimeoutMs} ms`;
}

/** The last few KB of each existing log file, for failure messages. */
export function logTail(paths: readonly string[]): string {
  return paths
    .filter((path) => existsSync(path))
    .map((path) => `== ${path}\n${readFileSync(path, 'utf8').slice(-LOG_TAIL_BYTES)}`)
    .join('\n');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
