// The `local` provider: control plane built from the Go module proxy, plus our fake kubelet,
// cluster DNS and local-path provisioner, all in this process; pods are local processes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBinaries, LocalControlPlane } from '../controlplane/control-plane.ts';
import { ClusterDns } from '../dns/dns-server.ts';
import { crdNamesIn, waitCrdsEstablished } from '../kube/crd.ts';
import { KubeRest } from '../kube/kube-rest.ts';
import type { Node } from '../kube/types.ts';
import { FakeKubelet } from '../kubelet/fake-kubelet.ts';
import { claimPodIpBlock, fileClaimOps } from '../kubelet/pod-ip-block.ts';
import { LocalPathProvisioner } from '../kubelet/pv-provisioner.ts';
import { run } from '../lib/exec-file.ts';
import { waitFor } from '../lib/wait.ts';
import { e2eImages, operatorNamespace, type E2eProvider, type ProviderContext } from './provider.ts';

export const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const nodesReadyTimeoutMs = 60_000;
export const operatorReadyTimeoutMs = 180_000;

export class LocalProvider implements E2eProvider {
  readonly name = 'local' as const;
  private readonly log: (msg: string) => void;
  private runDir = '';
  private cp: LocalControlPlane | undefined;
  private rest: KubeRest | undefined;
  private dns: ClusterDns | undefined;
  private provisioner: LocalPathProvisioner | undefined;
  private kubelet: FakeKubelet | undefined;
  private ctx: ProviderContext | undefined;
  private readonly bgProblems: string[] = [];
  private torndown = false;
  private releaseIpBlock: (() => void) | undefined;
  /** Seconds spent in build.sh (0 when cached). */
  buildSeconds = 0;

  constructor(options: { log: (msg: string) => void }) {
    this.log = options.log;
  }

  async setup(): Promise<ProviderContext> {
    const { binDir, seconds } = await ensureBinaries(this.log);
    this.buildSeconds = seconds;
    this.runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cassia-e2e-'));
    this.log(`run dir ${this.runDir}`);
    const started = Date.now();
    const harnessLog = path.join(this.runDir, 'logs', 'harness.log');
    fs.mkdirSync(path.dirname(harnessLog), { recursive: true });
    const hlog = (msg: string): void => fs.appendFileSync(harnessLog, `${new Date().toISOString()} ${msg}\n`);
    this.cp = await LocalControlPlane.start({ binDir, runDir: this.runDir, log: this.log });
    this.rest = await KubeRest.fromKubeconfigFile(this.cp.kubeconfigPath);
    this.dns = await ClusterDns.start({ rest: this.rest, log: hlog });
    this.provisioner = await LocalPathProvisioner.start({ rest: this.rest, volumesDir: path.join(this.runDir, 'volumes'), log: hlog });
    const nodeBin = path.join(repoDir, 'node_modules', '.bin', 'node');
    const block = claimPodIpBlock({ pid: process.pid, ops: fileClaimOps() });
    this.releaseIpBlock = block.release;
    this.log(`pod addresses 127.${block.secondOctet}.10.1 and up`);
    this.kubelet = await FakeKubelet.start({
      rest: this.rest,
      podIpSecondOctet: block.secondOctet,
      stateDir: path.join(this.runDir, 'kubelet'),
      logDir: path.join(this.runDir, 'logs', 'pods'),
      runtime: { repoDir, nodeBin: fs.existsSync(nodeBin) ? nodeBin : process.execPath, isExecutable },
      dnsServer: this.dns.address,
      apiServer: { host: '127.0.0.1', port: this.cp.ports.apiserver, caPem: fs.readFileSync(this.cp.pki.caCert, 'utf8') },
      log: hlog,
    });
    const rest = this.rest;
    const expected = this.kubelet.nodes.length;
    await waitFor(
      `${expected} Ready nodes`,
      async () => {
        const nodes = await rest.get<{ items: Node[] }>('/api/v1/nodes');
        const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule'));
        return ready.length === expected;
      },
      { timeoutMs: nodesReadyTimeoutMs, intervalMs: 250 },
    );
    this.log(`local cluster up in ${((Date.now() - started) / 1000).toFixed(1)}s: ${expected} nodes in zones ${[...new Set(this.kubelet.nodes.map((n) => n.zone))].join(', ')}; DNS ${this.dns.address}`);
    this.ctx = {
      kubeconfig: this.cp.kubeconfigPath,
      kubectl: path.join(binDir, 'kubectl'),
      runDir: this.runDir,
      env: {
        CASSIA_E2E_PROVIDER: 'local',
        CASSIA_E2E_DNS_SERVER: this.dns.address,
        CASSIA_E2E_RUN_DIR: this.runDir,
        CASSIA_E2E_NODE_BIN: nodeBin,
      },
    };
    return this.ctx;
  }

  async loadImages(): Promise<void> {
    // Nothing to load: images named cassia-node / cassia-operator run this checkout's code.
  }

  async installCrdsAndOperator(): Promise<void> {
    const ctx = this.mustCtx();
    const kubectl = (args: string[]): Promise<unknown> => run(ctx.kubectl, ['--kubeconfig', ctx.kubeconfig, ...args]);
    const crdDir = path.join(repoDir, 'crds');
    await kubectl(['apply', '--server-side', '-f', crdDir]);
    const texts = fs.readdirSync(crdDir).filter((f) => /\.ya?ml$/.test(f)).map((f) => fs.readFileSync(path.join(crdDir, f), 'utf8'));
    await waitCrdsEstablished(this.rest!, crdNamesIn(texts));
    const manifest = fs
      .readFileSync(path.join(repoDir, 'test/e2e/fixtures/operator/operator.yaml'), 'utf8')
      .replaceAll('${OPERATOR_IMAGE}', e2eImages.operator)
      .replaceAll('${NAMESPACE}', operatorNamespace);
    await run(ctx.kubectl, ['--kubeconfig', ctx.kubeconfig, 'apply', '-f', '-'], { input: manifest });
    await kubectl(['-n', operatorNamespace, 'rollout', 'status', 'deployment/cassia-operator', `--timeout=${operatorReadyTimeoutMs / 1000}s`]);
  }

  problems(): string[] {
    return [...this.bgProblems, ...(this.cp?.deadComponents() ?? [])];
  }

  /** Pods the fake kubelet runs (diagnostics for failed specs). */
  describePods(): string[] {
    return this.kubelet?.describe() ?? [];
  }

  async teardown(options: { failed: boolean }): Promise<void> {
    if (this.torndown) return;
    this.torndown = true;
    const step = async (what: string, fn: (() => Promise<void>) | undefined): Promise<void> => {
      try {
        await fn?.();
      } catch (err) {
        this.log(`teardown: ${what} failed: ${String(err)}`);
      }
    };
    await step('kubelet', this.kubelet && (() => this.kubelet!.stop()));
    // The pod processes are stopped: the address block is free for another run.
    await step('pod address block', this.releaseIpBlock && (async () => this.releaseIpBlock!()));
    await step('provisioner', this.provisioner && (() => this.provisioner!.stop()));
    await step('dns', this.dns && (() => this.dns!.stop()));
    this.rest?.close();
    await step('control plane', this.cp && (() => this.cp!.stop()));
    if (!this.runDir) return;
    if (options.failed) {
      this.log(`FAILED: logs kept in ${this.runDir}/logs (components, harness.log, pods/)`);
    } else {
      fs.rmSync(this.runDir, { recursive: true, force: true });
    }
  }

  private mustCtx(): ProviderContext {
    if (!this.ctx) throw new Error('provider not set up');
    return this.ctx;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
