// Runs one probe or lifecycle handler (httpGet, tcpSocket, exec, sleep) against a pod's
// process, bounded by a timeout; never throws (failures are results with a message).
import { spawn } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Container, Handler } from '../kube/types.ts';

/** Output kept from an exec probe (Kubernetes keeps 10 KiB). */
export const execProbeOutputMaxBytes = 10 * 1024;

export type ProbeResult = { ok: boolean; message: string };

export type HandlerContext = {
  podIP: string;
  container: Container;
  timeoutMs: number;
  /** Maps an exec command to a local process (same rules as the container's command). */
  resolveExec: (command: readonly string[]) => { file: string; args: string[] } | { error: string };
  execEnv: NodeJS.ProcessEnv;
  execCwd: string;
  signal?: AbortSignal;
};

export async function runHandler(handler: Handler & { grpc?: unknown }, ctx: HandlerContext): Promise<ProbeResult> {
  try {
    if (handler.httpGet) return await httpGet(handler, ctx);
    if (handler.tcpSocket) return await tcpSocket(resolvePort(handler.tcpSocket.port, ctx.container), handler.tcpSocket.host ?? ctx.podIP, ctx.timeoutMs);
    if (handler.exec) return await exec(handler.exec.command, ctx);
    if (handler.sleep) {
      await new Promise((r) => setTimeout(r, Math.min(handler.sleep!.seconds * 1000, ctx.timeoutMs)));
      return { ok: true, message: 'slept' };
    }
    if (handler.grpc) return { ok: false, message: 'grpc probes are not supported by the e2e kubelet' };
    return { ok: false, message: 'handler has no action' };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

export function resolvePort(port: number | string, container: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`named port ${port} not found in container ${container.name}`);
  return named.containerPort;
}

async function httpGet(handler: Handler, ctx: HandlerContext): Promise<ProbeResult> {
  const g = handler.httpGet!;
  const port = resolvePort(g.port, ctx.container);
  const host = g.host ?? ctx.podIP;
  const mod = g.scheme === 'HTTPS' ? https : http;
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/cassia-e2e', Accept: '*/*' };
  for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
  return new Promise((resolve) => {
    const req = mod.request(
      { host, port, path: g.path ?? '/', method: 'GET', headers, timeout: ctx.timeoutMs, agent: false, ...(g.scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}) },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ ok: code >= 200 && code < 400, message: `HTTP ${code}` });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${ctx.timeoutMs} ms`)));
    req.on('error', (err) => resolve({ ok: false, message: `GET http://${host}:${port}${g.path ?? '/'}: ${err.message}` }));
    req.end();
  });
}

async function tcpSocket(port: number, host: string, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, message: `connect ${host}:${port}: timeout` });
    }, timeoutMs);
    sock.on('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true, message: 'connected' });
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `connect ${host}:${port}: ${err.message}` });
    });
  });
}

async function exec(command: readonly string[], ctx: HandlerContext): Promise<ProbeResult> {
  const resolved = ctx.resolveExec(command);
  if ('error' in resolved) return { ok: false, message: resolved.error };
  return new Promise((resolve) => {
    const child = spawn(resolved.file, resolved.args, { env: ctx.execEnv, cwd: ctx.execCwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const collect = (c: Buffer): void => {
      if (out.length < execProbeOutputMaxBytes) out += c.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const kill = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    };
    const timer = setTimeout(kill, ctx.timeoutMs);
    ctx.signal?.addEventListener('abort', kill, { once: true });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: err.message });
    });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', kill);
      const message = out.slice(0, execProbeOutputMaxBytes).trim();
      if (sig) resolve({ ok: false, message: `killed by ${sig} (timeout ${ctx.timeoutMs} ms) ${message}` });
      else resolve({ ok: code === 0, message: code === 0 ? message : `exit ${code}: ${message}` });
    });
  });
}
