// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it: acquire when the lease
// is free or expired, renew every retry period, give up leadership when renewals keep failing for
// the renew deadline. Expiry is judged on our own monotonic clock from when we last saw the
// lease change, so clock skew between operator replicas does not matter.
import type { Clock } from './clock.ts';
import { KubeApiError, Resources, type KubeApi, type KubeObject } from './kube-api.ts';
import type { Logger } from './logger.ts';

export interface LeaderElectionConfig {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
}

export const LEADER_ELECTION_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 } as const;

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly api: KubeApi;
  private readonly clock: Clock;
  private readonly log: Logger;
  readonly config: LeaderElectionConfig;
  private observed: { holder: string; renewTime: string } | undefined;
  private observedAtMs = 0;
  private leader = false;

  constructor(options: { api: KubeApi; clock: Clock; log: Logger; config: LeaderElectionConfig }) {
    this.api = options.api;
    this.clock = options.clock;
    this.log = options.log.child({ lease: `${options.config.namespace}/${options.config.name}` });
    this.config = options.config;
    if (!(this.config.leaseDurationMs > this.config.renewDeadlineMs && this.config.renewDeadlineMs > this.config.retryPeriodMs)) {
      throw new RangeError('need leaseDurationMs > renewDeadlineMs > retryPeriodMs');
    }
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** One attempt; true when we hold the lease afterwards. Never throws for API failures. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity, leaseDurationMs } = this.config;
    const now = this.clock.nowMs();
    let lease: KubeObject | undefined;
    try {
      lease = await this.api.get(Resources.lease, namespace, name);
    } catch (error) {
      this.log.warn({ err: String(error) }, 'reading lease failed');
      return false;
    }
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    if (lease === undefined) {
      try {
        await this.api.create(Resources.lease, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec });
        this.markObserved(identity, spec.renewTime!);
        return true;
      } catch (error) {
        if (!KubeApiError.isConflict(error)) this.log.warn({ err: String(error) }, 'creating lease failed');
        return false;
      }
    }
    const current = (lease.spec ?? {}) as LeaseSpec;
    const holder = current.holderIdentity ?? '';
    const renewTime = current.renewTime ?? '';
    if (this.observed === undefined || this.observed.holder !== holder || this.observed.renewTime !== renewTime) {
      this.markObserved(holder, renewTime);
    }
    const durationMs = (current.leaseDurationSeconds ?? Math.ceil(leaseDurationMs / 1000)) * 1000;
    const heldByOther = holder !== '' && holder !== identity;
    if (heldByOther && this.observedAtMs + durationMs > this.clock.monotonicMs()) return false;
    if (holder === identity) {
      spec.acquireTime = current.acquireTime ?? spec.acquireTime;
      spec.leaseTransitions = current.leaseTransitions ?? 0;
    } else {
      spec.leaseTransitions = (current.leaseTransitions ?? 0) + 1;
    }
    try {
      await this.api.replace(Resources.lease, { ...lease, spec });
      this.markObserved(identity, spec.renewTime!);
      return true;
    } catch (error) {
      if (!KubeApiError.isConflict(error)) this.log.warn({ err: String(error) }, 'updating lease failed');
      return false;
    }
  }

  /**
   * Campaigns until leader, calls onStartedLeading with a signal that aborts when leadership is
   * lost or `signal` aborts, renews until then, and returns after onStoppedLeading. Releases the
   * lease on a clean stop so a successor does not wait for expiry.
   */
  async run(signal: AbortSignal, callbacks: { onStartedLeading(leading: AbortSignal): void; onStoppedLeading(): void }): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.config;
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) break;
      await this.clock.sleep(retryPeriodMs, signal);
    }
    if (signal.aborted) return;
    this.leader = true;
    this.log.info({ identity: this.config.identity }, 'became leader');
    const leading = new AbortController();
    callbacks.onStartedLeading(leading.signal);
    let lastRenewMs = this.clock.monotonicMs();
    while (!signal.aborted) {
      await this.clock.sleep(retryPeriodMs, signal);
      if (signal.aborted) break;
      if (await this.tryAcquireOrRenew()) {
        lastRenewMs = this.clock.monotonicMs();
      } else if (this.clock.monotonicMs() - lastRenewMs >= renewDeadlineMs) {
        this.log.error({}, 'leadership lost: renew deadline passed');
        break;
      }
    }
    this.leader = false;
    leading.abort();
    callbacks.onStoppedLeading();
    if (signal.aborted) await this.release();
  }

  /** Gives the lease up (holder cleared, 1 s duration) if we hold it. */
  async release(): Promise<void> {
    const { namespace, name, identity } = this.config;
    try {
      const lease = await this.api.get(Resources.lease, namespace, name);
      const spec = (lease?.spec ?? {}) as LeaseSpec;
      if (lease === undefined || spec.holderIdentity !== identity) return;
      const now = microTime(this.clock.nowMs());
      await this.api.replace(Resources.lease, { ...lease, spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now } });
    } catch (error) {
      this.log.warn({ err: String(error) }, 'releasing lease failed');
    }
  }

  private markObserved(holder: string, renewTime: string): void {
    this.observed = { holder, renewTime };
    this.observedAtMs = this.clock.monotonicMs();
  }
}
