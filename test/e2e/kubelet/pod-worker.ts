// One pod on the fake kubelet: volumes, init containers, containers as local processes, probes,
// restarts per restartPolicy with back-off, status, and graceful termination (preStop, SIGTERM,
// grace, SIGKILL). Invariant: once terminating, nothing is (re)started.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManagedProcess, type ExitInfo } from '../lib/managed-process.ts';
import type { Condition, Container, ContainerState, ContainerStatus, Pod, PodStatus, Probe } from '../kube/types.ts';
import { tokenKubeconfig } from '../controlplane/certs.ts';
import { searchDomains } from '../dns/dns-records.ts';
import { resolveCommand, rewriteMountPath, type LocalRuntime } from './container-command.ts';
import { ContainerConfigError, expand, resolveEnv, type EnvLookups, type PodFacts } from './env.ts';
import { runHandler, type ProbeResult } from './probes.ts';
import { linkMounts, materializeVolumes, serviceAccountMountPath, VolumeNotReadyError, type VolumeHost } from './volumes.ts';

export const restartBackoffInitialMs = 1_000;
export const restartBackoffMaxMs = 20_000;
/** A container that ran this long without crashing starts its back-off afresh. */
export const restartBackoffResetMs = 30_000;
/** Retry interval while volumes or config are not ready. */
export const setupRetryMs = 1_000;
/** Minimum grace when a pod object vanished (force deletion) or the kubelet shuts down. */
export const forcedKillGraceMs = 2_000;
export const defaultTerminationGraceSeconds = 30;

export type PodWorkerHost = {
  runtime: LocalRuntime;
  volumes: VolumeHost;
  envLookups: EnvLookups;
  dnsServer: string;
  apiServer: { host: string; port: number; caPem: string };
  logDir: string;
  log: (msg: string) => void;
  /** Asks the kubelet to publish this worker's status soon. */
  statusChanged: (worker: PodWorker) => void;
};

type ProbeKind = 'startup' | 'liveness' | 'readiness';

type ContainerRun = {
  spec: Container;
  isInit: boolean;
  restartCount: number;
  process: ManagedProcess | undefined;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  started: boolean;
  startedAtMs: number;
  backoffMs: number;
  timers: Set<NodeJS.Timeout>;
  probeAbort: AbortController | undefined;
  probeCounts: Record<ProbeKind, { success: number; failure: number }>;
  /** True while the kubelet itself is killing the process (liveness, termination). */
  killing: boolean;
  /** Set when the process exits; init-container sequencing waits on it. */
  onExit: ((info: ExitInfo) => void) | undefined;
};

export class PodWorker {
  pod: Pod;
  readonly uid: string;
  readonly podIP: string;
  readonly hostIP: string;
  readonly podDir: string;
  private readonly host: PodWorkerHost;
  private readonly facts: PodFacts;
  private readonly initRuns: ContainerRun[];
  private readonly runs: ContainerRun[];
  private readonly startTime = new Date().toISOString();
  private volumes: Map<string, string> | undefined;
  private volumesMessage = '';
  private initialized = false;
  private terminating = false;
  private finished = false;
  private readonly transitions = new Map<string, { status: string; at: string }>();
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(options: { pod: Pod; podIP: string; hostIP: string; podDir: string; host: PodWorkerHost; facts: PodFacts }) {
    this.pod = options.pod;
    this.uid = options.pod.metadata.uid ?? '';
    this.podIP = options.podIP;
    this.hostIP = options.hostIP;
    this.podDir = options.podDir;
    this.host = options.host;
    this.facts = options.facts;
    const mk = (spec: Container, isInit: boolean): ContainerRun => ({
      spec,
      isInit,
      restartCount: 0,
      process: undefined,
      state: { waiting: { reason: isInit ? 'PodInitializing' : 'ContainerCreating' } },
      lastState: {},
      ready: false,
      started: false,
      startedAtMs: 0,
      backoffMs: 0,
      timers: new Set(),
      probeAbort: undefined,
      probeCounts: { startup: { success: 0, failure: 0 }, liveness: { success: 0, failure: 0 }, readiness: { success: 0, failure: 0 } },
      killing: false,
      onExit: undefined,
    });
    // Native sidecars (init containers with restartPolicy Always) run beside the main containers.
    const inits = options.pod.spec.initContainers ?? [];
    this.initRuns = inits.filter((c) => c.restartPolicy !== 'Always').map((c) => mk(c, true));
    this.runs = [...inits.filter((c) => c.restartPolicy === 'Always'), ...options.pod.spec.containers].map((c) => mk(c, false));
    this.done = new Promise((r) => (this.resolveDone = r));
  }

  get name(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
  }

  get isTerminating(): boolean {
    return this.terminating;
  }

  /** Runs the pod until it terminates; never rejects. */
  start(): void {
    fs.mkdirSync(path.join(this.podDir, 'tmp'), { recursive: true });
    this.host.statusChanged(this);
    this.setup().catch((err: unknown) => this.host.log(`${this.name}: setup failed: ${String(err)}`));
  }

  /** A newer version of the pod object from the watch. */
  update(pod: Pod): void {
    if (pod.metadata.uid !== this.uid) return;
    const wasReadyGates = this.readinessGatesPass();
    this.pod = pod;
    if (pod.metadata.deletionTimestamp && !this.terminating) {
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? defaultTerminationGraceSeconds;
      void this.terminate(grace * 1000);
    } else if (wasReadyGates !== this.readinessGatesPass()) {
      this.host.statusChanged(this);
    }
  }

  private async setup(): Promise<void> {
    // Volumes (PVCs must be bound, ConfigMaps/Secrets present).
    while (!this.terminating) {
      try {
        this.volumes = await materializeVolumes({ pod: this.pod, podDir: this.podDir, host: this.host.volumes });
        break;
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        if (msg !== this.volumesMessage) {
          this.volumesMessage = msg;
          this.host.log(`${this.name}: waiting for volumes: ${msg}`);
          this.host.statusChanged(this);
        }
        if (!(err instanceof VolumeNotReadyError)) this.host.log(`${this.name}: volume error: ${msg}`);
        await this.sleep(setupRetryMs);
      }
    }
    this.volumesMessage = '';
    this.host.statusChanged(this);
    // Init containers, in order, each to successful completion.
    for (const run of this.initRuns) {
      for (;;) {
        if (this.terminating) return;
        const exit = await this.runToCompletion(run);
        if (this.terminating) return;
        if (exit === 0) break;
        if (this.restartPolicy() === 'Never') {
          this.finishTerminal();
          return;
        }
        run.restartCount++;
        await this.backoff(run);
      }
    }
    this.initialized = true;
    this.host.statusChanged(this);
    for (const run of this.runs) void this.startContainer(run);
  }

  private restartPolicy(): 'Always' | 'OnFailure' | 'Never' {
    return this.pod.spec.restartPolicy ?? 'Always';
  }

  private async runToCompletion(run: ContainerRun): Promise<number> {
    const exited = new Promise<ExitInfo>((resolve) => (run.onExit = resolve));
    if (!(await this.startContainer(run))) return -1;
    const info = await exited;
    return exitCodeOf(info);
  }

  /** Starts the container's process; false when it could not be started (state says why). */
  private async startContainer(run: ContainerRun): Promise<boolean> {
    if (this.terminating) return false;
    const c = run.spec;
    let env: Map<string, string>;
    try {
      env = await resolveEnv({ pod: this.pod, container: c, facts: this.facts, lookups: this.host.envLookups });
    } catch (err) {
      const reason = err instanceof ContainerConfigError ? 'CreateContainerConfigError' : 'CreateContainerError';
      return this.failStart(run, reason, err instanceof Error ? err.message : String(err));
    }
    // Termination may have started while the environment was being resolved.
    if (this.terminating) return false;
    const command = (c.command ?? []).map((s) => expand(s, env));
    const args = (c.args ?? []).map((s) => expand(s, env));
    const resolved = resolveCommand({ image: c.image ?? '', command: c.command ? command : undefined, args, runtime: this.host.runtime });
    if (!resolved.ok) return this.failStart(run, run.restartCount > 0 ? 'ImagePullBackOff' : resolved.reason, resolved.message);
    const containerDir = path.join(this.podDir, 'containers', c.name);
    const rootfs = path.join(containerDir, 'rootfs');
    let mountPaths: string[];
    try {
      mountPaths = linkMounts({ container: c, rootfs, volumes: this.volumes ?? new Map() });
    } catch (err) {
      return this.failStart(run, 'CreateContainerError', err instanceof Error ? err.message : String(err));
    }
    const fullEnv = this.processEnv({ env, rootfs, containerDir, mountPaths });
    const cwd = c.workingDir ? rewriteMountPath(c.workingDir, mountPaths, rootfs) : rootfs;
    fs.mkdirSync(cwd, { recursive: true });
    const logDir = path.join(this.host.logDir, this.logFolder());
    fs.mkdirSync(logDir, { recursive: true });
    const proc = new ManagedProcess({
      name: `${this.name}/${c.name}`,
      file: resolved.file,
      // Repository paths (the image's /app, mapped by resolveCommand) are host paths already.
      args: resolved.args.map((a) => rewriteMountPath(a, mountPaths, rootfs, resolved.kind === 'local' ? [] : [this.host.runtime.repoDir])),
      logPath: path.join(logDir, `${c.name}-${run.restartCount}.log`),
      env: fullEnv,
      cwd: fs.existsSync(cwd) ? cwd : rootfs,
    });
    run.process = proc;
    run.killing = false;
    run.startedAtMs = Date.now();
    run.state = { running: { startedAt: new Date().toISOString() } };
    run.started = !c.startupProbe;
    run.ready = false;
    run.probeCounts = { startup: { success: 0, failure: 0 }, liveness: { success: 0, failure: 0 }, readiness: { success: 0, failure: 0 } };
    if (!run.isInit) {
      run.probeAbort = new AbortController();
      this.startProbes(run);
      if (!c.readinessProbe && run.started) run.ready = true;
    }
    this.host.statusChanged(this);
    void proc.exited.then((info) => this.onExit(run, proc, info));
    return true;
  }

  private failStart(run: ContainerRun, reason: string, message: string): false {
    run.state = { waiting: { reason, message } };
    this.host.log(`${this.name}/${run.spec.name}: ${reason}: ${message}`);
    this.host.statusChanged(this);
    if (!run.isInit) void this.retryStart(run);
    else run.onExit?.({ code: 1, signal: null });
    return false;
  }

  private async retryStart(run: ContainerRun): Promise<void> {
    await this.backoff(run);
    if (!this.terminating) await this.startContainer(run);
  }

  private processEnv(options: { env: Map<string, string>; rootfs: string; containerDir: string; mountPaths: string[] }): NodeJS.ProcessEnv {
    const { env, rootfs, mountPaths } = options;
    const ns = this.pod.metadata.namespace ?? 'default';
    const base: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env['HOME'] ?? os.homedir(),
      TMPDIR: path.join(this.podDir, 'tmp'),
      HOSTNAME: this.pod.spec.hostname ?? this.pod.metadata.name,
      KUBERNETES_SERVICE_HOST: this.host.apiServer.host,
      KUBERNETES_SERVICE_PORT: String(this.host.apiServer.port),
      KUBERNETES_SERVICE_PORT_HTTPS: String(this.host.apiServer.port),
      KUBERNETES_PORT: `tcp://${this.host.apiServer.host}:${this.host.apiServer.port}`,
      CASSIA_PATH_PREFIX: rootfs,
      CASSIA_DNS_SERVER: this.host.dnsServer,
      CASSIA_DNS_SEARCH: searchDomains(ns).join(' '),
      CASSIA_POD_IP: this.podIP,
    };
    // A mounted service-account token also becomes a kubeconfig (client libraries that only
    // know the fixed in-cluster path find it through KUBECONFIG).
    if (mountPaths.includes(serviceAccountMountPath)) {
      const saDir = path.join(rootfs, serviceAccountMountPath);
      try {
        const token = fs.readFileSync(path.join(saDir, 'token'), 'utf8');
        const kubeconfig = path.join(options.containerDir, 'kubeconfig');
        fs.writeFileSync(
          kubeconfig,
          tokenKubeconfig({ server: `https://${this.host.apiServer.host}:${this.host.apiServer.port}`, caPem: this.host.apiServer.caPem, token, namespace: ns }),
          { mode: 0o600 },
        );
        base['KUBECONFIG'] = kubeconfig;
      } catch {
        // no token file in that mount: leave KUBECONFIG unset
      }
    }
    for (const [k, v] of env) base[k] = rewriteMountPath(v, mountPaths, rootfs);
    return base;
  }

  private startProbes(run: ContainerRun): void {
    const c = run.spec;
    if (c.startupProbe) this.scheduleProbe(run, 'startup', c.startupProbe, true);
    else {
      if (c.livenessProbe) this.scheduleProbe(run, 'liveness', c.livenessProbe, true);
      if (c.readinessProbe) this.scheduleProbe(run, 'readiness', c.readinessProbe, true);
    }
  }

  private scheduleProbe(run: ContainerRun, kind: ProbeKind, probe: Probe, first: boolean): void {
    const proc = run.process;
    const delayMs = first ? (probe.initialDelaySeconds ?? 0) * 1000 : (probe.periodSeconds ?? 10) * 1000;
    const t = setTimeout(() => {
      run.timers.delete(t);
      void this.probeOnce(run, proc, kind, probe);
    }, delayMs);
    run.timers.add(t);
  }

  private async probeOnce(run: ContainerRun, proc: ManagedProcess | undefined, kind: ProbeKind, probe: Probe): Promise<void> {
    if (this.terminating || run.process !== proc || !proc || proc.hasExited || run.killing) return;
    const result = await this.runContainerHandler(run, probe, (probe.timeoutSeconds ?? 1) * 1000);
    if (this.terminating || run.process !== proc || proc.hasExited || run.killing) return;
    const counts = run.probeCounts[kind];
    if (result.ok) {
      counts.success++;
      counts.failure = 0;
    } else {
      counts.failure++;
      counts.success = 0;
    }
    const successThreshold = probe.successThreshold ?? 1;
    const failureThreshold = probe.failureThreshold ?? 3;
    if (kind === 'startup') {
      if (counts.success >= successThreshold) {
        run.started = true;
        if (!run.spec.readinessProbe) run.ready = true;
        this.host.statusChanged(this);
        if (run.spec.livenessProbe) this.scheduleProbe(run, 'liveness', run.spec.livenessProbe, true);
        if (run.spec.readinessProbe) this.scheduleProbe(run, 'readiness', run.spec.readinessProbe, true);
        return;
      }
      if (counts.failure >= failureThreshold) {
        this.host.log(`${this.name}/${run.spec.name}: startup probe failed: ${result.message}; killing`);
        void this.killContainer(run, probe);
        return;
      }
    } else if (kind === 'liveness') {
      if (counts.failure >= failureThreshold) {
        this.host.log(`${this.name}/${run.spec.name}: liveness probe failed: ${result.message}; killing`);
        void this.killContainer(run, probe);
        return;
      }
    } else {
      const before = run.ready;
      if (!run.ready && counts.success >= successThreshold) run.ready = true;
      if (run.ready && counts.failure >= failureThreshold) run.ready = false;
      if (before !== run.ready) {
        this.host.log(`${this.name}/${run.spec.name}: ready=${run.ready} (${result.message})`);
        this.host.statusChanged(this);
      }
    }
    this.scheduleProbe(run, kind, probe, false);
  }

  private async runContainerHandler(run: ContainerRun, handler: Probe, timeoutMs: number): Promise<ProbeResult> {
    const c = run.spec;
    const rootfs = path.join(this.podDir, 'containers', c.name, 'rootfs');
    return runHandler(handler, {
      podIP: this.podIP,
      container: c,
      timeoutMs,
      signal: run.probeAbort?.signal,
      execCwd: rootfs,
      execEnv: { PATH: process.env['PATH'], HOME: process.env['HOME'], CASSIA_PATH_PREFIX: rootfs, CASSIA_POD_IP: this.podIP, CASSIA_DNS_SERVER: this.host.dnsServer },
      resolveExec: (command) => {
        const r = resolveCommand({ image: c.image ?? '', command, args: [], runtime: this.host.runtime });
        return r.ok ? { file: r.file, args: r.args } : { error: r.message };
      },
    });
  }

  /** preStop (bounded by the grace period), SIGTERM, wait, SIGKILL. */
  private async killContainer(run: ContainerRun, probe?: Probe, graceOverrideMs?: number): Promise<void> {
    const proc = run.process;
    if (!proc || proc.hasExited || run.killing) return;
    run.killing = true;
    run.ready = false;
    this.stopProbes(run);
    this.host.statusChanged(this);
    const graceMs =
      graceOverrideMs ??
      (probe?.terminationGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? defaultTerminationGraceSeconds) * 1000;
    const deadline = Date.now() + graceMs;
    const preStop = run.spec.lifecycle?.preStop;
    if (preStop && graceMs > 0) {
      const r = await this.runContainerHandler(run, preStop, graceMs);
      this.host.log(`${this.name}/${run.spec.name}: preStop ${r.ok ? 'ok' : 'failed'}: ${r.message}`);
    }
    await proc.stop(Math.max(0, deadline - Date.now()));
  }

  private stopProbes(run: ContainerRun): void {
    for (const t of run.timers) clearTimeout(t);
    run.timers.clear();
    run.probeAbort?.abort();
  }

  private onExit(run: ContainerRun, proc: ManagedProcess, info: ExitInfo): void {
    if (run.process !== proc) return;
    this.stopProbes(run);
    const code = exitCodeOf(info);
    run.ready = false;
    run.state = {
      terminated: {
        exitCode: code,
        ...(info.signal ? { signal: os.constants.signals[info.signal] } : {}),
        reason: code === 0 ? 'Completed' : 'Error',
        startedAt: new Date(run.startedAtMs).toISOString(),
        finishedAt: new Date().toISOString(),
      },
    };
    const cb = run.onExit;
    run.onExit = undefined;
    this.host.statusChanged(this);
    if (this.terminating) return;
    if (run.isInit) {
      cb?.(info);
      return;
    }
    this.host.log(`${this.name}/${run.spec.name}: exited with ${code}${info.signal ? ` (${info.signal})` : ''}`);
    const policy = this.restartPolicy();
    const restart = policy === 'Always' || (policy === 'OnFailure' && code !== 0) || run.spec.restartPolicy === 'Always';
    if (!restart) {
      if (this.runs.every((r) => r.state.terminated !== undefined)) this.finishTerminal();
      return;
    }
    void this.restart(run);
  }

  private async restart(run: ContainerRun): Promise<void> {
    if (Date.now() - run.startedAtMs > restartBackoffResetMs) run.backoffMs = 0;
    run.lastState = run.state;
    run.restartCount++;
    await this.backoff(run);
    if (!this.terminating) await this.startContainer(run);
  }

  private async backoff(run: ContainerRun): Promise<void> {
    run.backoffMs = run.backoffMs === 0 ? restartBackoffInitialMs : Math.min(run.backoffMs * 2, restartBackoffMaxMs);
    if (run.state.terminated) {
      run.lastState = run.state;
      run.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${run.backoffMs / 1000}s restarting failed container=${run.spec.name} pod=${this.pod.metadata.name}` } };
      this.host.statusChanged(this);
    }
    await this.sleep(run.backoffMs);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      void this.done.then(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Pod reached Succeeded/Failed without deletion: nothing more runs. */
  private finishTerminal(): void {
    this.host.statusChanged(this);
  }

  /**
   * Graceful termination: preStop + SIGTERM + grace + SIGKILL for every running container, in
   * parallel. Resolves when all processes are gone. Idempotent.
   */
  async terminate(graceMs: number): Promise<void> {
    if (this.terminating) return this.done;
    this.terminating = true;
    this.host.log(`${this.name}: terminating (grace ${graceMs} ms)`);
    const all = [...this.initRuns, ...this.runs];
    for (const r of all) this.stopProbes(r);
    this.host.statusChanged(this);
    await Promise.all(
      all.map(async (r) => {
        await this.killContainer(r, undefined, graceMs);
        // A kill already in progress (liveness) has its own grace; bound it by ours.
        if (r.process && !r.process.hasExited) await r.process.stop(Math.max(graceMs, forcedKillGraceMs));
      }),
    );
    for (const r of all) {
      if (r.state.waiting) r.state = { terminated: { exitCode: 0, reason: 'Completed', finishedAt: new Date().toISOString() } };
    }
    this.finished = true;
    this.host.statusChanged(this);
    this.resolveDone();
  }

  /** Kills without API interaction (pod object gone, or kubelet shutdown). */
  async forceStop(): Promise<void> {
    if (!this.terminating) await this.terminate(forcedKillGraceMs);
    else await this.done;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  private logFolder(): string {
    return `${this.pod.metadata.namespace}_${this.pod.metadata.name}_${this.uid.slice(0, 8)}`;
  }

  private readinessGatesPass(): boolean {
    for (const g of this.pod.spec.readinessGates ?? []) {
      if (!this.pod.status?.conditions?.some((c) => c.type === g.conditionType && c.status === 'True')) return false;
    }
    return true;
  }

  /** The status this worker wants the API to show. */
  buildStatus(): PodStatus {
    const containerStatuses = this.runs.map((r) => this.containerStatus(r));
    const initContainerStatuses = this.initRuns.map((r) => this.containerStatus(r));
    const mainRuns = this.runs.filter((r) => !r.isInit);
    const allTerminated = this.runs.length > 0 && this.runs.every((r) => r.state.terminated !== undefined);
    const initFailed = this.initRuns.some((r) => r.state.terminated && r.state.terminated.exitCode !== 0) && this.restartPolicy() === 'Never';
    let phase: PodStatus['phase'] = 'Pending';
    const exitCodesOk = mainRuns.every((r) => (r.state.terminated?.exitCode ?? 0) === 0);
    if (initFailed) phase = 'Failed';
    // Like recent kubelets, a pod whose containers were all stopped for deletion turns terminal.
    else if (this.finished || (this.initialized && allTerminated && this.restartPolicy() !== 'Always')) phase = exitCodesOk ? 'Succeeded' : 'Failed';
    else if (this.initialized && this.runs.some((r) => r.state.running || r.restartCount > 0 || r.state.terminated)) phase = 'Running';
    const containersReady = this.initialized && this.runs.every((r) => r.ready);
    const ready = containersReady && this.readinessGatesPass() && !this.terminating;
    const conds: Condition[] = [
      this.condition('PodReadyToStartContainers', this.volumes !== undefined, this.volumesMessage),
      this.condition('Initialized', this.initialized, this.initialized ? '' : 'containers with incomplete status: init'),
      this.condition('ContainersReady', containersReady && !this.terminating, ''),
      this.condition('Ready', ready, ''),
    ];
    const ours = new Set(conds.map((c) => c.type));
    // Keep conditions others own (PodScheduled, readiness gates, DisruptionTarget).
    for (const c of this.pod.status?.conditions ?? []) if (!ours.has(c.type)) conds.push(c);
    return {
      phase,
      conditions: conds,
      podIP: this.podIP,
      podIPs: [{ ip: this.podIP }],
      hostIP: this.hostIP,
      hostIPs: [{ ip: this.hostIP }],
      startTime: this.startTime,
      containerStatuses,
      ...(initContainerStatuses.length > 0 ? { initContainerStatuses } : {}),
    };
  }

  private condition(type: string, ok: boolean, message: string): Condition {
    const status = ok ? 'True' : 'False';
    const prev = this.transitions.get(type);
    if (!prev || prev.status !== status) this.transitions.set(type, { status, at: new Date().toISOString() });
    return {
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: this.transitions.get(type)!.at,
      ...(message && !ok ? { message } : {}),
    };
  }

  private containerStatus(r: ContainerRun): ContainerStatus {
    let state = r.state;
    if (!this.volumes && r.state.waiting && this.volumesMessage) state = { waiting: { reason: r.state.waiting.reason, message: this.volumesMessage } };
    return {
      name: r.spec.name,
      image: r.spec.image ?? '',
      imageID: `cassia-e2e://${r.spec.image ?? ''}`,
      ...(r.process ? { containerID: `cassia-e2e://${this.uid.slice(0, 8)}-${r.spec.name}-${r.restartCount}` } : {}),
      ready: r.ready,
      started: r.state.running !== undefined && r.started,
      restartCount: r.restartCount,
      state,
      lastState: r.lastState,
    };
  }
}

function exitCodeOf(info: ExitInfo): number {
  if (info.code !== null) return info.code;
  if (info.signal) return 128 + (os.constants.signals[info.signal] ?? 0);
  return -1;
}
