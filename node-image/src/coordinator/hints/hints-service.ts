// Hinted handoff on one node (cassandra-internals.md 4.3): decides whether a missed write becomes a
// hint (hint-policy.ts, with the target's downtime as this node has seen it), stores it durably
// (hint-store.ts, fsynced every flush period), and replays hints every replay interval to targets
// that are alive and NORMAL: pages of entries sent as HINT requests, throttled to
// throttleBytesPerSecond / (nodes - 1), a file deleted once fully delivered, a partial delivery
// resumed from its offset, expired entries (creation + gc_grace passed) skipped. At most
// `deliveryConcurrency` hosts are replayed at once; one replay round runs at a time. A HINT names
// its target host, so hints can also be handed to another node (`transferTo`, on decommission)
// and received for other hosts (`storeFor`). Hints of hosts that left the ring are dropped; the
// owner's `prepare` hook may rewrite or drop an entry before it is sent (truncated tables).
// Hints are keyed by host id: a host whose id the ring now places at another address (it came
// back at a new address with the same id and tokens) keeps them and gets them there.
import type { EndpointAddress, HostId } from '../../cluster/index.ts';
import { hostId as toHostId } from '../../cluster/index.ts';
import type { Clock, Disk, Logger, TimerHandle, Timers } from '../../io/index.ts';
import { Verb } from '../../messaging/index.ts';
import type { MessagingService } from '../../messaging/index.ts';
import type { Mutation } from '../../storage/index.ts';
import type { Membership, MembershipEvent } from '../membership.ts';
import { decideHint } from './hint-policy.ts';
import type { HintDecision } from './hint-policy.ts';
import { encodeHintMessage } from './hint-message.ts';
import { HintStore } from './hint-store.ts';
import type { HintFileInfo } from './hint-store.ts';

export interface HintsConfig {
  readonly enabled: boolean;
  readonly disabledDatacenters: readonly string[];
  /** No hints for a host down longer than this (max_hint_window, 3 h). */
  readonly maxHintWindowMs: number;
  /** Replay rate per delivery, scaled by 1/(nodes - 1) (hinted_handoff_throttle, 1024 KiB/s); 0: unthrottled. */
  readonly throttleBytesPerSecond: number;
  /** Hosts replayed at once (max_hints_delivery_threads, 2). */
  readonly deliveryConcurrency: number;
  /** Hint files are fsynced this often (hints_flush_period, 10 s). */
  readonly flushPeriodMs: number;
  /** How often hosts with hints are checked for replay (10 s). */
  readonly replayIntervalMs: number;
  readonly fileBytesMax: number;
  readonly hostBytesMax: number;
  /** Deadline of one HINT request. */
  readonly requestTimeoutMs: number;
}

export const HINTS_CONFIG_DEFAULTS: HintsConfig = {
  enabled: true,
  disabledDatacenters: [],
  maxHintWindowMs: 3 * 3_600_000,
  throttleBytesPerSecond: 1024 * 1024,
  deliveryConcurrency: 2,
  flushPeriodMs: 10_000,
  replayIntervalMs: 10_000,
  fileBytesMax: 128 * 1024 * 1024,
  hostBytesMax: 1024 * 1024 * 1024,
  requestTimeoutMs: 10_000,
};

/** Hints sent before waiting for their acknowledgements. */
export const HINT_PAGE_ENTRIES_MAX = 64;
/** Longest single throttle pause (the wait is made of such pauses). */
const THROTTLE_PAUSE_MS_MAX = 1000;

export interface HintsStats {
  stored: number;
  refused: number;
  delivered: number;
  expired: number;
  failedDeliveries: number;
  /** Hints dropped: of hosts that left the ring, or whose updates all went (tables truncated or dropped). */
  dropped: number;
  /** Hints handed to another node (decommission). */
  transferred: number;
  /** Hints stored here for another host: received from a decommissioning node, or re-routed. */
  storedForOthers: number;
}

/** A hint's entry as the `prepare` hook sees it. */
export interface HintToSend {
  readonly targetHostId: string;
  readonly createdAtMs: number;
  readonly mutationBytes: Buffer;
}

/** A transfer could not hand every hint over (some remain here). */
export class HintTransferError extends Error {
  override readonly name = 'HintTransferError';
}

/** Waits for a running round at most this many times before a transfer (each wait ends a round). */
const TRANSFER_ROUND_WAITS_MAX = 1000;

export class HintsService {
  readonly store: HintStore;
  readonly stats: HintsStats = { stored: 0, refused: 0, delivered: 0, expired: 0, failedDeliveries: 0, dropped: 0, transferred: 0, storedForOthers: 0 };
  private readonly config: HintsConfig;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private readonly membership: Membership;
  private readonly messaging: MessagingService;
  private readonly disabledDatacenters: ReadonlySet<string>;
  /** Monotonic millis at which this node first saw each peer down. */
  private readonly downSince = new Map<EndpointAddress, number>();
  private readonly resumeOffsets = new Map<string, number>();
  /** Hosts that left the ring: their hints are deleted at the start of the next round. */
  private readonly hostsToDrop = new Set<string>();
  private readonly prepare: (hint: HintToSend) => Buffer | null;
  private unsubscribe: (() => void) | null = null;
  private flushTimer: TimerHandle | null = null;
  private replayTimer: TimerHandle | null = null;
  private round: Promise<void> | null = null;
  private closed = false;

  constructor(options: {
    readonly disk: Disk;
    readonly directory: string;
    readonly logger: Logger;
    readonly clock: Clock;
    readonly timers: Timers;
    readonly membership: Membership;
    readonly messaging: MessagingService;
    readonly config: HintsConfig;
    /** The mutation bytes to send for an entry (the entry's own by default), or null to drop it. */
    readonly prepare?: (hint: HintToSend) => Buffer | null;
  }) {
    this.prepare = options.prepare ?? ((hint) => hint.mutationBytes);
    this.config = options.config;
    this.clock = options.clock;
    this.timers = options.timers;
    this.logger = options.logger.child({ component: 'hints' });
    this.membership = options.membership;
    this.messaging = options.messaging;
    this.disabledDatacenters = new Set(options.config.disabledDatacenters);
    this.store = new HintStore({
      disk: options.disk, directory: options.directory, logger: this.logger,
      limits: { fileBytesMax: options.config.fileBytesMax, hostBytesMax: options.config.hostBytesMax },
    });
  }

  start(): void {
    this.unsubscribe = this.membership.subscribe((event) => this.onMembership(event));
    this.flushTimer = this.timers.setInterval(() => this.flush(), this.config.flushPeriodMs);
    this.replayTimer = this.timers.setInterval(() => {
      void this.replay();
    }, this.config.replayIntervalMs);
  }

  private onMembership(event: MembershipEvent): void {
    if (event.kind === 'down') {
      if (!this.downSince.has(event.address)) this.downSince.set(event.address, this.clock.monotonicMs());
    } else if (event.kind === 'up') {
      this.downSince.delete(event.address);
      // Cassandra schedules delivery when a node comes back; do not wait for the next round.
      if (this.store.hostsWithHints().length > 0) void this.replay();
    } else if (event.kind === 'left') {
      // Cassandra excises the hints of a host that left (decommissioned or removed).
      const id = this.membership.member(event.address)?.hostId ?? this.membership.hostIdOf(event.address);
      if (id !== null && this.store.bytesFor(id) > 0) {
        const now = this.ringAddressOf(id);
        if (now !== null && now !== event.address) {
          this.logger.info({ hostId: id, from: event.address, to: now }, 'host moved to a new address: its hints follow it');
          return;
        }
        this.hostsToDrop.add(id);
        void this.replay();
      }
    }
  }

  /** How long `address` has been down as seen here (0 when alive). */
  downtimeMs(address: EndpointAddress): number {
    if (this.membership.isAlive(address)) {
      this.downSince.delete(address);
      return 0;
    }
    const now = this.clock.monotonicMs();
    let since = this.downSince.get(address);
    if (since === undefined) {
      since = now;
      this.downSince.set(address, since);
    }
    return now - since;
  }

  /** Stores a hint for `target` when the hint rules allow it; returns whether one was stored. */
  maybeHint(target: EndpointAddress, mutation: Mutation, gcGraceSeconds: number): boolean {
    if (this.closed) return false;
    const decision = this.decide(target, gcGraceSeconds);
    if (!decision.hint) {
      if (decision.reason === 'host_bytes' || decision.reason === 'window') this.stats.refused++;
      return false;
    }
    const id = this.membership.hostIdOf(target)!;
    let written: boolean;
    try {
      written = this.store.write(id, this.clock.nowMs(), gcGraceSeconds, mutation);
    } catch (error) {
      // A disk error must not escape into the write path's callbacks: the hint is just not stored.
      this.logger.error({ err: error, target }, 'cannot write a hint');
      written = false;
    }
    if (!written) {
      this.stats.refused++;
      return false;
    }
    this.stats.stored++;
    return true;
  }

  decide(target: EndpointAddress, gcGraceSeconds: number): HintDecision {
    const id = this.membership.hostIdOf(target);
    const ring = this.membership.ring();
    const oldest = id === null ? null : this.store.oldestHintMs(id);
    return decideHint({
      enabled: this.config.enabled,
      disabledDatacenters: this.disabledDatacenters,
      targetDatacenter: ring.endpoint(target)?.dc,
      isSelf: target === this.membership.self,
      isRingMember: ring.isMember(target) || ring.bootstrappingEndpoints().has(target),
      hasHostId: id !== null,
      downtimeMs: this.downtimeMs(target),
      maxHintWindowMs: this.config.maxHintWindowMs,
      oldestHintAgeMs: oldest === null ? null : Math.max(0, this.clock.nowMs() - oldest),
      hostHintBytes: id === null ? 0 : this.store.bytesFor(id),
      hostHintBytesMax: this.config.hostBytesMax,
      gcGraceSeconds,
    });
  }

  /**
   * Stores a hint for another host as it was received (a transfer from a decommissioning node, or
   * re-routed because this node no longer owns the data), keeping its creation time. The policy's
   * window and datacenter rules were the sender's to apply; the per-host byte bound still holds.
   */
  storeFor(targetHostId: string, createdAtMs: number, gcGraceSeconds: number, mutation: Mutation): boolean {
    if (this.closed) return false;
    if (!this.store.write(targetHostId, createdAtMs, gcGraceSeconds, mutation)) {
      this.stats.refused++;
      return false;
    }
    this.stats.storedForOthers++;
    return true;
  }

  /**
   * Hands every hint held here to `target` (Cassandra's transferHints on decommission): the
   * target stores them for their hosts (or applies those meant for itself). Runs as a replay round
   * (alone); files are deleted as they are delivered. Rejects with HintTransferError when some
   * file could not be delivered (its hints stay here).
   */
  async transferTo(target: EndpointAddress): Promise<{ hosts: number; hints: number }> {
    for (let i = 0; this.round !== null && i < TRANSFER_ROUND_WAITS_MAX; i++) await this.round;
    if (this.round !== null || this.closed) throw new HintTransferError('hint service busy or closed');
    const before = this.stats.transferred;
    let hosts = 0;
    let failed = 0;
    const run = async (): Promise<void> => {
      for (const id of this.store.hostsWithHints()) {
        hosts++;
        if (!(await this.deliverHost(id, target, true))) failed++;
      }
    };
    const round = run().finally(() => {
      this.round = null;
    });
    this.round = round;
    await round;
    if (failed > 0) throw new HintTransferError(`hints of ${failed} of ${hosts} hosts could not be transferred to ${target}`);
    return { hosts, hints: this.stats.transferred - before };
  }

  private flush(): void {
    this.store.sync().catch((error: unknown) => this.logger.error({ err: error }, 'cannot sync hint files'));
  }

  /** One replay round over every host with hints that is alive and NORMAL (runs alone). */
  replay(): Promise<void> {
    if (this.round !== null || this.closed) return this.round ?? Promise.resolve();
    this.round = this.replayRound().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  private async replayRound(): Promise<void> {
    const ready: Array<{ id: string; address: EndpointAddress }> = [];
    for (const id of this.store.hostsWithHints()) {
      let hostId: HostId;
      try {
        hostId = toHostId(id);
      } catch {
        continue;
      }
      const address = this.membership.addressOf(hostId);
      const status = address === null ? null : this.membership.member(address)?.status;
      const gone = status === 'LEFT' || status === 'REMOVED';
      // A host still in the ring (perhaps at a new address) keeps its hints whatever happened to an old address.
      if (gone || (this.hostsToDrop.has(id) && this.ringAddressOf(id) === null)) {
        this.dropHost(id);
        continue;
      }
      if (address === null || address === this.membership.self) continue;
      if (!this.membership.isAlive(address) || status !== 'NORMAL') continue;
      ready.push({ id, address });
    }
    this.hostsToDrop.clear();
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < ready.length && !this.closed) {
        const host = ready[next++]!;
        await this.deliverHost(host.id, host.address);
      }
    };
    const workers: Array<Promise<void>> = [];
    for (let i = 0; i < Math.min(this.config.deliveryConcurrency, ready.length); i++) workers.push(worker());
    await Promise.all(workers);
  }

  /** Where the ring places host `id` as a member (normal tokens), or null. */
  private ringAddressOf(id: string): EndpointAddress | null {
    let hostId: HostId;
    try {
      hostId = toHostId(id);
    } catch {
      return null;
    }
    const ring = this.membership.ring();
    const address = ring.endpointForHostId(hostId)?.address;
    return address !== undefined && ring.isMember(address) ? address : null;
  }

  private rateBytesPerSecond(): number {
    if (this.config.throttleBytesPerSecond <= 0) return 0;
    const others = Math.max(1, this.membership.ring().members().length - 1);
    return this.config.throttleBytesPerSecond / others;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timers.setTimeout(resolve, ms);
    });
  }

  /** Replays every file of one host; stops (keeping its offset) at the first failed page. */
  private dropHost(hostId: string): void {
    const files = this.store.filesToReplay(hostId);
    if (files.length === 0) return;
    let hints = 0;
    for (const file of files) {
      const reader = this.store.openReader(file, this.resumeOffsets.get(file.path) ?? 0);
      try {
        for (let outcome = reader.next(); outcome.kind === 'entry'; outcome = reader.next()) hints++;
      } finally {
        reader.close();
      }
      this.resumeOffsets.delete(file.path);
    }
    this.store.deleteAll(hostId);
    this.stats.dropped += hints;
    this.logger.info({ hostId, files: files.length, hints }, 'dropped the hints of a host that left the ring');
  }

  /** Replays (or, with `transfer`, hands over) every file of one host; stops at the first failed page. */
  private async deliverHost(hostId: string, address: EndpointAddress, transfer = false): Promise<boolean> {
    const files = this.store.filesToReplay(hostId);
    const rate = this.rateBytesPerSecond();
    const startedMs = this.clock.monotonicMs();
    let sentBytes = 0;
    for (const file of files) {
      const ok = await this.deliverFile(file, address, transfer, async (bytes) => {
        // Pays for what was just sent: wait until the rate allows it (in short pauses, so stop() is prompt).
        if (rate <= 0) return;
        sentBytes += bytes;
        const dueMs = startedMs + (sentBytes / rate) * 1000;
        for (let waitMs = dueMs - this.clock.monotonicMs(); waitMs > 0 && !this.closed; waitMs = dueMs - this.clock.monotonicMs()) {
          await this.sleep(Math.min(waitMs, THROTTLE_PAUSE_MS_MAX));
        }
      });
      if (!ok) return false;
    }
    if (files.length > 0) this.logger.info({ hostId, address, files: files.length, transfer }, 'finished hint delivery');
    return true;
  }

  private async deliverFile(file: HintFileInfo, address: EndpointAddress, transfer: boolean, throttle: (bytes: number) => Promise<void>): Promise<boolean> {
    let offset = this.resumeOffsets.get(file.path) ?? 0;
    const reader = this.store.openReader(file, offset);
    try {
      for (;;) {
        if (this.closed) return false;
        const page: Array<{ bytes: Buffer; next: number }> = [];
        let end = false;
        let pageEnd = offset;
        while (page.length < HINT_PAGE_ENTRIES_MAX) {
          const outcome = reader.next();
          if (outcome.kind === 'end') {
            end = true;
            break;
          }
          if (outcome.kind === 'corrupt') {
            this.logger.warn({ file: file.path, offset: outcome.offsetBytes, reason: outcome.reason }, 'hint file ends with unreadable bytes; skipping them');
            end = true;
            break;
          }
          const e = outcome.entry;
          pageEnd = e.nextOffsetBytes;
          if (e.createdAtMs + e.gcGraceSeconds * 1000 <= this.clock.nowMs()) {
            this.stats.expired++;
            continue;
          }
          const mutationBytes = this.prepare({ targetHostId: file.hostId, createdAtMs: e.createdAtMs, mutationBytes: e.mutationBytes });
          if (mutationBytes === null) {
            this.stats.dropped++;
            continue;
          }
          page.push({
            bytes: encodeHintMessage({ targetHostId: file.hostId, createdAtMs: e.createdAtMs, gcGraceSeconds: e.gcGraceSeconds, mutationBytes }),
            next: e.nextOffsetBytes,
          });
        }
        if (page.length > 0) {
          let bytes = 0;
          for (const h of page) bytes += h.bytes.length;
          const results = await Promise.allSettled(page.map((h) => this.messaging.request(address, Verb.Hint, h.bytes, this.config.requestTimeoutMs)));
          const failed = results.findIndex((r) => r.status === 'rejected');
          if (failed >= 0) {
            if (transfer) this.stats.transferred += failed;
            else this.stats.delivered += failed;
            this.stats.failedDeliveries++;
            this.resumeOffsets.set(file.path, offset);
            const reason = (results[failed] as PromiseRejectedResult).reason as Error;
            this.logger.info({ address, file: file.path, reason: reason.message }, 'hint delivery interrupted; will resume');
            return false;
          }
          if (transfer) this.stats.transferred += page.length;
          else this.stats.delivered += page.length;
          await throttle(bytes);
        }
        offset = pageEnd;
        this.resumeOffsets.set(file.path, offset);
        if (end) break;
      }
    } finally {
      reader.close();
    }
    this.resumeOffsets.delete(file.path);
    this.store.deleteFile(file);
    return true;
  }

  /** Stops replay and flushing; syncs and closes hint files. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.flushTimer?.cancel();
    this.replayTimer?.cancel();
    await this.round;
    await this.store.sync();
    this.store.close();
  }
}
