// The local Kubernetes control plane: etcd, kube-apiserver, kube-controller-manager and
// kube-scheduler from the cached build, on loopback with free ports. stop() is idempotent.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../lib/free-port.ts';
import { ManagedProcess } from '../lib/managed-process.ts';
import { waitFor } from '../lib/wait.ts';
import { adminKubeconfig, generatePki, type Pki } from './certs.ts';

export const componentStartTimeoutMs = 90_000;
export const componentStopGraceMs = 10_000;
export const serviceClusterIpRange = '10.0.0.0/24';
/** Node heartbeat grace (the 1.32+ default is 50 s; we renew leases every 10 s). */
export const nodeMonitorGracePeriod = '40s';

const here = path.dirname(fileURLToPath(import.meta.url));
export const buildScript = path.join(here, 'build.sh');

/** Runs build.sh (no-op when the cache is warm); returns the bin dir. Progress goes to stderr. */
export async function ensureBinaries(log: (msg: string) => void): Promise<{ binDir: string; seconds: number }> {
  const started = Date.now();
  const binDir = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [buildScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(out.trim().split('\n').pop() ?? '');
      else reject(new Error(`${buildScript} failed with exit code ${code} (is Go installed? see the output above)`));
    });
  });
  const seconds = Math.round((Date.now() - started) / 1000);
  log(`control-plane binaries ready in ${binDir} (${seconds}s)`);
  return { binDir, seconds };
}

export type ControlPlanePorts = {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
};

export class LocalControlPlane {
  readonly binDir: string;
  readonly runDir: string;
  readonly logDir: string;
  readonly kubeconfigPath: string;
  readonly server: string;
  readonly pki: Pki;
  readonly ports: ControlPlanePorts;
  private readonly processes: ManagedProcess[] = [];
  private readonly log: (msg: string) => void;
  private stopped = false;

  private constructor(options: { binDir: string; runDir: string; pki: Pki; ports: ControlPlanePorts; log: (msg: string) => void }) {
    this.binDir = options.binDir;
    this.runDir = options.runDir;
    this.logDir = path.join(options.runDir, 'logs');
    this.pki = options.pki;
    this.ports = options.ports;
    this.log = options.log;
    this.server = `https://127.0.0.1:${options.ports.apiserver}`;
    this.kubeconfigPath = path.join(options.runDir, 'kubeconfig');
  }

  /** Starts everything; on failure stops what was started and rethrows. */
  static async start(options: { binDir: string; runDir: string; log: (msg: string) => void }): Promise<LocalControlPlane> {
    const pki = await generatePki(path.join(options.runDir, 'pki'));
    const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler] = await freePorts(5);
    const cp = new LocalControlPlane({
      ...options,
      pki,
      ports: { etcdClient: etcdClient!, etcdPeer: etcdPeer!, apiserver: apiserver!, controllerManager: controllerManager!, scheduler: scheduler! },
    });
    fs.mkdirSync(cp.logDir, { recursive: true });
    try {
      await cp.startAll();
    } catch (err) {
      await cp.stop();
      throw err;
    }
    return cp;
  }

  private bin(name: string): string {
    return path.join(this.binDir, name);
  }

  private spawnComponent(name: string, args: string[]): ManagedProcess {
    const p = new ManagedProcess({ name, file: this.bin(name), args, logPath: path.join(this.logDir, `${name}.log`) });
    this.processes.push(p);
    return p;
  }

  private async waitHealthy(p: ManagedProcess, url: string, options: { tls: 'client' | 'insecure' | 'none' }): Promise<void> {
    const started = Date.now();
    await waitFor(
      `${p.name} ${url}`,
      async () => {
        const exit = p.hasExited;
        if (exit) throw new Error(`${p.name} exited (${exit.code ?? exit.signal})`);
        return (await httpGetStatus(url, options.tls === 'none' ? undefined : this.tlsFor(options.tls))) === 200;
      },
      { timeoutMs: componentStartTimeoutMs, intervalMs: 200, describe: () => `--- ${p.logPath} ---\n${p.tail(40)}` },
    );
    this.log(`${p.name} healthy after ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }

  private tlsFor(kind: 'client' | 'insecure'): https.RequestOptions {
    if (kind === 'insecure') return { rejectUnauthorized: false };
    return {
      ca: fs.readFileSync(this.pki.caCert),
      cert: fs.readFileSync(this.pki.adminCert),
      key: fs.readFileSync(this.pki.adminKey),
    };
  }

  private async startAll(): Promise<void> {
    const { ports, pki } = this;
    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    const etcd = this.spawnComponent('etcd', [
      '--name=e2e',
      `--data-dir=${path.join(this.runDir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=e2e=http://127.0.0.1:${ports.etcdPeer}`,
      '--unsafe-no-fsync=true',
      '--auto-compaction-retention=1',
      `--quota-backend-bytes=${2 * 1024 ** 3}`,
      '--log-level=warn',
    ]);
    await this.waitHealthy(etcd, `${etcdUrl}/health`, { tls: 'none' });

    const apiserver = this.spawnComponent('kube-apiserver', [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${ports.apiserver}`,
      `--cert-dir=${path.join(this.runDir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      `--service-cluster-ip-range=${serviceClusterIpRange}`,
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      // No real endpoint for the `kubernetes` Service: loopback IPs are not valid Endpoints.
      '--endpoint-reconciler-type=none',
      '--enable-priority-and-fairness=false',
      '--max-requests-inflight=0',
      '--max-mutating-requests-inflight=0',
      '--v=1',
    ]);
    await this.waitHealthy(apiserver, `${this.server}/readyz`, { tls: 'client' });
    fs.writeFileSync(this.kubeconfigPath, adminKubeconfig({ pki, server: this.server }), { mode: 0o600 });

    const kcm = this.spawnComponent('kube-controller-manager', [
      `--kubeconfig=${this.kubeconfigPath}`,
      `--authentication-kubeconfig=${this.kubeconfigPath}`,
      `--authorization-kubeconfig=${this.kubeconfigPath}`,
      '--leader-elect=false',
      `--service-account-private-key-file=${pki.saKey}`,
      `--root-ca-file=${pki.caCert}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.controllerManager}`,
      `--cert-dir=${path.join(this.runDir, 'kcm-certs')}`,
      '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
      `--node-monitor-grace-period=${nodeMonitorGracePeriod}`,
      `--service-cluster-ip-range=${serviceClusterIpRange}`,
      '--use-service-account-credentials=false',
      '--kube-api-qps=500',
      '--kube-api-burst=1000',
      '--v=1',
    ]);
    const scheduler = this.spawnComponent('kube-scheduler', [
      `--kubeconfig=${this.kubeconfigPath}`,
      `--authentication-kubeconfig=${this.kubeconfigPath}`,
      `--authorization-kubeconfig=${this.kubeconfigPath}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${ports.scheduler}`,
      `--cert-dir=${path.join(this.runDir, 'scheduler-certs')}`,
      '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
      '--kube-api-qps=500',
      '--kube-api-burst=1000',
      '--v=1',
    ]);
    await Promise.all([
      this.waitHealthy(kcm, `https://127.0.0.1:${ports.controllerManager}/healthz`, { tls: 'insecure' }),
      this.waitHealthy(scheduler, `https://127.0.0.1:${ports.scheduler}/healthz`, { tls: 'insecure' }),
    ]);
  }

  /** Components that died while they should be running (checked by the runner). */
  deadComponents(): string[] {
    return this.processes.filter((p) => p.hasExited && !this.stopped).map((p) => `${p.name} (${p.logPath})`);
  }

  /** Stops in reverse start order. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of [...this.processes].reverse()) {
      await p.stop(componentStopGraceMs);
    }
  }
}

async function httpGetStatus(url: string, tls: https.RequestOptions | undefined): Promise<number> {
  const mod = url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { ...(tls ?? {}), timeout: 2_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
