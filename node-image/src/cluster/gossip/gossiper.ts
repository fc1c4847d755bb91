// Cassandra's Gossiper as a pure state machine: gossipStep(state, input, nowMs, random) returns the
// next state and the outputs (messages to send, membership events) for a driver to perform. Inputs
// are the gossip tick (every intervalMs), received messages and operator actions; time and
// randomness come in as arguments, so a run replays exactly. Behaviour follows Gossiper.java and
// the GossipDigest{Syn,Ack,Ack2} handlers (spec sections 3.1-3.7): SYN/ACK/ACK2 exchange, target
// choice, phi accrual conviction, ECHO before marking a peer alive, quarantine, fat-client and
// LEFT/removed expiry, shadow round and graceful shutdown.
// Invariants: the local endpoint's state is always present and never marked dead; live and
// unreachable are disjoint; versions handed out by the local counter strictly increase.
import { assert, assertNever } from '../../lib/index.ts';
import { type Random, randomInt } from '../../io/index.ts';
import { type EndpointAddress, type HostId, compareEndpoints } from '../endpoint.ts';
import {
  DEFAULT_PHI_ACCRUAL_CONFIG, type FailureDetectorState, type PhiAccrualConfig, createFailureDetector, interpret,
  removeEndpoint as fdRemove, reportArrival,
} from '../failure-detector/phi-accrual-detector.ts';
import { AppState, type ApplicationState } from './application-state.ts';
import {
  EMPTY_HEARTBEAT, type EndpointState, VERSION_MAX, gossipStatus, isDeadState, isEmptyState, isShutdownState,
  isSilentShutdownState, maxVersion, stateEntries, stateNewerThan, statusValue, withStates,
} from './endpoint-state.ts';
import type { EndpointStateEntry, GossipDigest, GossipMessage } from './gossip-message.ts';
import {
  GossipStatus, type VersionedValue, removalCoordinator, statusExpireTimeMs, statusRemoved, statusRemoving, statusShutdown,
} from './versioned-value.ts';

export const MURMUR3_PARTITIONER = 'org.apache.cassandra.dht.Murmur3Partitioner';
/** Gossiper.MAX_GENERATION_DIFFERENCE: a generation more than a year ahead of our clock is ignored. */
export const MAX_GENERATION_DIFFERENCE_SECONDS = 86_400 * 365;
/** aVeryLongTime: LEFT and removed states expire 3 days after they are announced. */
export const VERY_LONG_TIME_MS = 3 * 24 * 3600 * 1000;
/** Endpoint states kept at most; gossip about further endpoints is ignored with a warning. */
export const GOSSIP_ENDPOINTS_MAX = 4096;
/** A shadow round resends its empty SYN to the seeds this often (CASSANDRA-8072). */
export const SHADOW_ROUND_RESEND_MS = 5000;

export interface GossiperConfig {
  readonly self: EndpointAddress;
  readonly clusterName: string;
  readonly partitioner: string;
  /** Configured seeds; the local address is dropped from the list (Gossiper.buildSeedsList). */
  readonly seeds: readonly EndpointAddress[];
  /** Period of the gossip task; the driver sends a tick this often. */
  readonly intervalMs: number;
  /** RING_DELAY (cassandra.ring_delay_ms). */
  readonly ringDelayMs: number;
  /** QUARANTINE_DELAY, 2 x RING_DELAY by default. */
  readonly quarantineDelayMs: number;
  /** Gossip-only members silent longer than this are evicted (QUARANTINE_DELAY / 2). */
  readonly fatClientTimeoutMs: number;
  /** Expiry of LEFT/removed states and default expire time of everything else. */
  readonly veryLongTimeMs: number;
  readonly failureDetector: PhiAccrualConfig;
  readonly endpointsMax: number;
}

export function gossiperConfig(options: {
  self: EndpointAddress; clusterName: string; seeds: readonly EndpointAddress[]; ringDelayMs?: number;
}): GossiperConfig {
  const ringDelayMs = options.ringDelayMs ?? 30_000;
  return {
    self: options.self,
    clusterName: options.clusterName,
    partitioner: MURMUR3_PARTITIONER,
    seeds: options.seeds,
    intervalMs: 1000,
    ringDelayMs,
    quarantineDelayMs: 2 * ringDelayMs,
    fatClientTimeoutMs: ringDelayMs,
    veryLongTimeMs: VERY_LONG_TIME_MS,
    failureDetector: DEFAULT_PHI_ACCRUAL_CONFIG,
    endpointsMax: GOSSIP_ENDPOINTS_MAX,
  };
}

export interface EndpointRecord {
  readonly state: EndpointState;
  /** EndpointState.isAlive: false while an ECHO is outstanding and after conviction. */
  readonly alive: boolean;
  /** Last time anything new was heard (EndpointState.updateTimestamp). */
  readonly updatedAtMs: number;
  /** Known from persisted peers (system.peers) rather than gossip: counted as a ring member. */
  readonly saved: boolean;
}

interface ShadowRound {
  readonly startedAtMs: number;
  readonly lastSentAtMs: number;
  readonly seedsInShadowRound: ReadonlySet<EndpointAddress>;
}

export interface GossiperState {
  readonly config: GossiperConfig;
  /** Seeds other than self, sorted. */
  readonly seeds: readonly EndpointAddress[];
  /** The gossip task runs (after start, until stop or shutdown). */
  readonly enabled: boolean;
  /** Set by shutdown: the node no longer answers ECHO. */
  readonly shutDown: boolean;
  /** Last version handed out by this process's VersionGenerator. */
  readonly versionCounter: number;
  readonly endpoints: ReadonlyMap<EndpointAddress, EndpointRecord>;
  readonly live: ReadonlySet<EndpointAddress>;
  /** Unreachable endpoints with the time they went down. */
  readonly unreachable: ReadonlyMap<EndpointAddress, number>;
  /** Quarantined endpoints (justRemovedEndpoints) with the quarantine start. */
  readonly quarantine: ReadonlyMap<EndpointAddress, number>;
  readonly expireTimes: ReadonlyMap<EndpointAddress, number>;
  readonly firstSynSentAtMs: number | null;
  readonly shadowRound: ShadowRound | null;
  readonly failureDetector: FailureDetectorState;
}

export type GossipInput =
  | { readonly kind: 'tick' }
  | { readonly kind: 'receive'; readonly from: EndpointAddress; readonly message: GossipMessage }
  /** Starts the gossip task (Gossiper.start; set local states first). */
  | { readonly kind: 'start' }
  /** Stops gossiping without announcing anything. */
  | { readonly kind: 'stop' }
  /** Announces shutdown to live peers, then stops (Gossiper.stop). */
  | { readonly kind: 'shutdown' }
  /** Sets local application states, each with a new version (addLocalApplicationStates). */
  | { readonly kind: 'set_local_states'; readonly states: ReadonlyArray<readonly [ApplicationState, string]> }
  /** Starts a shadow round (an empty SYN to every seed) before gossip starts. */
  | { readonly kind: 'shadow_round' }
  /** Forces conviction of an endpoint (FailureDetector.forceConviction). */
  | { readonly kind: 'convict'; readonly endpoint: EndpointAddress }
  /** An endpoint known from persisted peers whose state is unknown (addSavedEndpoint). */
  | { readonly kind: 'add_saved_endpoint'; readonly endpoint: EndpointAddress }
  /** Forget an endpoint but keep its state (removeEndpoint): onRemove, quarantine. */
  | { readonly kind: 'remove_endpoint'; readonly endpoint: EndpointAddress }
  /** A replacement finished: remove, evict and quarantine the old endpoint twice as long. */
  | { readonly kind: 'replaced_endpoint'; readonly endpoint: EndpointAddress }
  /** removenode coordinator: spoof `removing` on the dead endpoint with a newer generation. */
  | { readonly kind: 'advertise_removing'; readonly endpoint: EndpointAddress; readonly hostId: HostId; readonly localHostId: HostId }
  /** removenode coordinator: spoof `removed` (expiring in 3 days) after removal completed. */
  | { readonly kind: 'advertise_removed'; readonly endpoint: EndpointAddress; readonly hostId: HostId };

export type GossipEvent =
  | { readonly type: 'join'; readonly endpoint: EndpointAddress; readonly state: EndpointState }
  | { readonly type: 'change'; readonly endpoint: EndpointAddress; readonly key: ApplicationState; readonly value: VersionedValue }
  | { readonly type: 'alive'; readonly endpoint: EndpointAddress; readonly state: EndpointState }
  | { readonly type: 'dead'; readonly endpoint: EndpointAddress; readonly state: EndpointState }
  | { readonly type: 'restart'; readonly endpoint: EndpointAddress; readonly previous: EndpointState }
  | { readonly type: 'remove'; readonly endpoint: EndpointAddress }
  /**
   * The shadow round ended. `startingSeeds`: the seeds that answered from a shadow round of their
   * own (alive, still starting; set only when every seed did, which ends the round with no states).
   */
  | { readonly type: 'shadow_round_done'; readonly states: readonly EndpointStateEntry[]; readonly startingSeeds: readonly EndpointAddress[] }
  /** No seed answered the shadow round in time and this node is not a seed. */
  | { readonly type: 'shadow_round_failed'; readonly reason: string }
  | { readonly type: 'warning'; readonly message: string };

export type GossipOutput =
  | { readonly kind: 'send'; readonly to: EndpointAddress; readonly message: GossipMessage }
  | { readonly kind: 'event'; readonly event: GossipEvent };

export interface GossipStepResult {
  readonly state: GossiperState;
  readonly outputs: readonly GossipOutput[];
}

/**
 * A fresh gossiper for this process. `generation` must be strictly greater than any generation
 * used before by this node (see nextGeneration); the caller persists it before gossiping.
 */
export function createGossiper(config: GossiperConfig, generation: number, nowMs: number): GossiperState {
  assert(Number.isInteger(generation) && generation > 0, `bad generation ${generation}`);
  const self: EndpointRecord = { state: { heartBeat: { generation, version: 0 }, states: {} }, alive: true, updatedAtMs: nowMs, saved: false };
  return {
    config,
    seeds: [...new Set(config.seeds)].filter((s) => s !== config.self).sort(compareEndpoints),
    enabled: false,
    shutDown: false,
    versionCounter: 0,
    endpoints: new Map([[config.self, self]]),
    live: new Set(),
    unreachable: new Map(),
    quarantine: new Map(),
    expireTimes: new Map(),
    firstSynSentAtMs: null,
    shadowRound: null,
    failureDetector: createFailureDetector(config.failureDetector, nowMs),
  };
}

/**
 * The gossip generation for this start (SystemKeyspace.incrementAndGetGeneration): the current
 * time in seconds, or stored + 1 when the clock has not moved past the stored generation.
 */
export function nextGeneration(storedGeneration: number | null, nowMs: number): number {
  const nowSeconds = Math.floor(nowMs / 1000);
  if (storedGeneration === null) return nowSeconds;
  return storedGeneration + 1 >= nowSeconds ? storedGeneration + 1 : nowSeconds;
}

export function gossipStep(state: GossiperState, input: GossipInput, nowMs: number, random: Random): GossipStepResult {
  const w = new Work(state, nowMs, random);
  switch (input.kind) {
    case 'tick': w.tick(); break;
    case 'receive': w.receive(input.from, input.message); break;
    case 'start': w.enabled = true; break;
    case 'stop': w.enabled = false; break;
    case 'shutdown': w.shutdown(); break;
    case 'set_local_states': w.setLocalStates(input.states); break;
    case 'shadow_round': w.beginShadowRound(); break;
    case 'convict': w.convict(input.endpoint); break;
    case 'add_saved_endpoint': w.addSavedEndpoint(input.endpoint); break;
    case 'remove_endpoint': w.removeEndpoint(input.endpoint); break;
    case 'replaced_endpoint': w.replacedEndpoint(input.endpoint); break;
    case 'advertise_removing': w.advertiseRemoving(input.endpoint, input.hostId, input.localHostId); break;
    case 'advertise_removed': w.advertiseRemoved(input.endpoint, input.hostId); break;
    default: assertNever(input, 'gossip input');
  }
  return { state: w.finish(), outputs: w.outputs };
}

// ---- read-only helpers --------------------------------------------------------------------------

/** Whether gossip considers the endpoint up (Gossiper.isAlive). */
export function isEndpointAlive(state: GossiperState, endpoint: EndpointAddress): boolean {
  const r = state.endpoints.get(endpoint);
  return r !== undefined && r.alive && !isDeadState(r.state);
}

/** Digests of every known endpoint, sorted by address (makeGossipDigest). */
export function makeDigests(endpoints: ReadonlyMap<EndpointAddress, EndpointRecord>): GossipDigest[] {
  return [...endpoints.entries()]
    .sort(([a], [b]) => compareEndpoints(a, b))
    .map(([endpoint, r]) => ({ endpoint, generation: r.state.heartBeat.generation, maxVersion: maxVersion(r.state) }));
}

/**
 * Whether an endpoint holds ranges, judged from gossip alone: NORMAL, LEAVING, MOVING, or shut down
 * with tokens; endpoints loaded from persisted peers count until gossip says otherwise. Cassandra
 * asks TokenMetadata.isMember; the gossiper has no ring, and the two agree once gossip settles.
 */
export function isRingMember(record: EndpointRecord): boolean {
  const status = gossipStatus(record.state);
  if (status === '' && record.saved) return true;
  if (status === GossipStatus.Normal || status === GossipStatus.Leaving || status === GossipStatus.Moving) return true;
  return status === GossipStatus.Shutdown && record.state.states[AppState.Tokens] !== undefined;
}

// ---- the mutable working copy used inside one step ----------------------------------------------

class Work {
  readonly outputs: GossipOutput[] = [];
  private readonly config: GossiperConfig;
  private readonly nowMs: number;
  private readonly random: Random;
  private readonly seeds: readonly EndpointAddress[];
  enabled: boolean;
  private shutDown: boolean;
  private versionCounter: number;
  private readonly endpoints: Map<EndpointAddress, EndpointRecord>;
  private readonly live: Set<EndpointAddress>;
  private readonly unreachable: Map<EndpointAddress, number>;
  private readonly quarantine: Map<EndpointAddress, number>;
  private readonly expireTimes: Map<EndpointAddress, number>;
  private firstSynSentAtMs: number | null;
  private shadowRound: ShadowRound | null;
  private fd: FailureDetectorState;

  constructor(s: GossiperState, nowMs: number, random: Random) {
    this.config = s.config;
    this.nowMs = nowMs;
    this.random = random;
    this.seeds = s.seeds;
    this.enabled = s.enabled;
    this.shutDown = s.shutDown;
    this.versionCounter = s.versionCounter;
    this.endpoints = new Map(s.endpoints);
    this.live = new Set(s.live);
    this.unreachable = new Map(s.unreachable);
    this.quarantine = new Map(s.quarantine);
    this.expireTimes = new Map(s.expireTimes);
    this.firstSynSentAtMs = s.firstSynSentAtMs;
    this.shadowRound = s.shadowRound;
    this.fd = s.failureDetector;
  }

  finish(): GossiperState {
    const self = this.endpoints.get(this.config.self);
    assert(self !== undefined && self.alive, 'the local endpoint state must exist and be alive');
    assert(!this.live.has(this.config.self) && !this.unreachable.has(this.config.self), 'self is not a peer');
    for (const ep of this.live) assert(!this.unreachable.has(ep), `${ep} is both live and unreachable`);
    return {
      config: this.config, seeds: this.seeds, enabled: this.enabled, shutDown: this.shutDown, versionCounter: this.versionCounter,
      endpoints: this.endpoints, live: this.live, unreachable: this.unreachable, quarantine: this.quarantine,
      expireTimes: this.expireTimes, firstSynSentAtMs: this.firstSynSentAtMs, shadowRound: this.shadowRound, failureDetector: this.fd,
    };
  }

  private send(to: EndpointAddress, message: GossipMessage): void {
    this.outputs.push({ kind: 'send', to, message });
  }

  private emit(event: GossipEvent): void {
    this.outputs.push({ kind: 'event', event });
  }

  private nextVersion(): number {
    assert(this.versionCounter < VERSION_MAX, 'gossip version counter exhausted');
    return ++this.versionCounter;
  }

  private selfRecord(): EndpointRecord {
    return this.endpoints.get(this.config.self)!;
  }

  private setRecord(endpoint: EndpointAddress, record: EndpointRecord): void {
    this.endpoints.set(endpoint, record);
  }

  private updateRecord(endpoint: EndpointAddress, changes: Partial<EndpointRecord>): void {
    const r = this.endpoints.get(endpoint);
    assert(r !== undefined, `no state for ${endpoint}`);
    this.endpoints.set(endpoint, { ...r, ...changes });
  }

  // ---- gossip task ------------------------------------------------------------------------------

  tick(): void {
    if (this.shadowRound !== null) {
      this.shadowRoundTick();
      return;
    }
    if (!this.enabled) return;
    const self = this.selfRecord();
    const heartBeat = { generation: self.state.heartBeat.generation, version: this.nextVersion() };
    this.setRecord(this.config.self, { ...self, state: { heartBeat, states: self.state.states } });
    const digests = makeDigests(this.endpoints);
    const syn: GossipMessage = { type: 'SYN', clusterName: this.config.clusterName, partitioner: this.config.partitioner, digests };

    // 1. A random live member.
    let gossipedToSeed = false;
    if (this.live.size > 0) gossipedToSeed = this.sendToRandom(syn, sorted(this.live));
    // 2. An unreachable member, with probability unreachable / (live + 1).
    if (this.unreachable.size > 0) {
      const probability = this.unreachable.size / (this.live.size + 1);
      if (this.random.nextFloat() < probability) {
        const candidates = sorted(this.unreachable.keys()).filter((ep) => {
          const r = this.endpoints.get(ep);
          return r === undefined || !isDeadState(r.state);
        });
        this.sendToRandom(syn, candidates);
      }
    }
    // 3. A seed, if the live target was not one or fewer members than seeds are live.
    if (!gossipedToSeed || this.live.size < this.seeds.length) this.maybeGossipToSeed(syn);
    this.statusCheck();
  }

  /** Sends to a uniformly chosen endpoint of `targets`; true if it was a seed. */
  private sendToRandom(message: GossipMessage, targets: readonly EndpointAddress[]): boolean {
    if (targets.length === 0) return false;
    const to = targets.length === 1 ? targets[0]! : targets[randomInt(this.random, targets.length)]!;
    if (this.firstSynSentAtMs === null) this.firstSynSentAtMs = this.nowMs;
    this.send(to, message);
    return this.seeds.includes(to);
  }

  private maybeGossipToSeed(syn: GossipMessage): void {
    if (this.seeds.length === 0) return;
    if (this.live.size === 0) {
      this.sendToRandom(syn, this.seeds);
      return;
    }
    const probability = this.seeds.length / (this.live.size + this.unreachable.size);
    if (this.random.nextFloat() <= probability) this.sendToRandom(syn, this.seeds);
  }

  /** doStatusCheck: convictions, fat-client eviction, dead-state expiry, end of quarantines. */
  private statusCheck(): void {
    const now = this.nowMs;
    for (const endpoint of sorted(this.endpoints.keys())) {
      if (endpoint === this.config.self) continue;
      const verdict = interpret(this.fd, endpoint, now);
      this.fd = verdict.state;
      if (verdict.convict) this.convict(endpoint);
      const record = this.endpoints.get(endpoint);
      if (record === undefined) continue;
      if (!isDeadState(record.state) && !isRingMember(record) && !this.quarantine.has(endpoint)
          && now - record.updatedAtMs > this.config.fatClientTimeoutMs) {
        this.emit({ type: 'warning', message: `FatClient ${endpoint} has been silent for ${this.config.fatClientTimeoutMs}ms, removing from gossip` });
        this.removeEndpoint(endpoint);
        this.evictFromMembership(endpoint);
        continue;
      }
      const expireAtMs = this.expireTimes.get(endpoint) ?? now + this.config.veryLongTimeMs;
      if (!record.alive && now > expireAtMs && !isRingMember(record)) this.evictFromMembership(endpoint);
    }
    for (const [endpoint, sinceMs] of [...this.quarantine]) {
      if (now - sinceMs > this.config.quarantineDelayMs) this.quarantine.delete(endpoint);
    }
  }

  // ---- liveness -----------------------------------------------------------------------------------

  /** FailureDetector conviction (Gossiper.convict): only a live endpoint can be convicted. */
  convict(endpoint: EndpointAddress): void {
    const record = this.endpoints.get(endpoint);
    if (endpoint === this.config.self || record === undefined || !record.alive) return;
    if (isShutdownState(record.state)) this.markAsShutdown(endpoint);
    else this.markDead(endpoint);
  }

  /** Starts the ECHO round trip that marks an endpoint alive (Gossiper.markAlive). */
  private markAlive(endpoint: EndpointAddress): void {
    this.updateRecord(endpoint, { alive: false });
    this.send(endpoint, { type: 'ECHO_REQ' });
  }

  private realMarkAlive(endpoint: EndpointAddress): void {
    const record = this.endpoints.get(endpoint);
    if (record === undefined || endpoint === this.config.self) return;
    const wasAlive = record.alive && this.live.has(endpoint);
    this.setRecord(endpoint, { ...record, alive: true, updatedAtMs: this.nowMs });
    this.live.add(endpoint);
    this.unreachable.delete(endpoint);
    this.expireTimes.delete(endpoint);
    // Cassandra notifies on every ECHO response; one notification per transition is enough.
    if (!wasAlive) this.emit({ type: 'alive', endpoint, state: record.state });
  }

  private silentlyMarkDead(endpoint: EndpointAddress): void {
    this.updateRecord(endpoint, { alive: false });
    this.live.delete(endpoint);
    this.unreachable.set(endpoint, this.nowMs);
  }

  private markDead(endpoint: EndpointAddress): void {
    this.silentlyMarkDead(endpoint);
    this.emit({ type: 'dead', endpoint, state: this.endpoints.get(endpoint)!.state });
  }

  /**
   * A peer is known to have shut down without its own state in hand (4.x markAsShutdown): record
   * the shutdown locally with the highest possible heartbeat version so older gossip cannot undo it.
   */
  private markAsShutdown(endpoint: EndpointAddress): void {
    const record = this.endpoints.get(endpoint);
    if (record === undefined || isEmptyState(record.state)) return;
    const shutdown = { value: statusShutdown(), version: this.nextVersion() };
    const state = withStates(
      { heartBeat: { generation: record.state.heartBeat.generation, version: VERSION_MAX }, states: record.state.states },
      [
        [AppState.StatusWithPort, shutdown],
        [AppState.Status, { value: statusShutdown(), version: this.nextVersion() }],
        [AppState.RpcReady, { value: 'false', version: this.nextVersion() }],
      ],
    );
    this.setRecord(endpoint, { ...record, state });
    this.markDead(endpoint);
    this.emit({ type: 'change', endpoint, key: AppState.StatusWithPort, value: shutdown });
  }

  // ---- removal ------------------------------------------------------------------------------------

  /** Gossiper.removeEndpoint: subscribers learn first; the state stays, gossip about it is quarantined. */
  removeEndpoint(endpoint: EndpointAddress): void {
    if (endpoint === this.config.self) return;
    this.emit({ type: 'remove', endpoint });
    this.live.delete(endpoint);
    this.unreachable.delete(endpoint);
    this.quarantine.set(endpoint, this.nowMs);
  }

  /** Gossiper.evictFromMembership: forget the endpoint entirely, and quarantine it. */
  private evictFromMembership(endpoint: EndpointAddress): void {
    this.unreachable.delete(endpoint);
    this.live.delete(endpoint);
    this.endpoints.delete(endpoint);
    this.expireTimes.delete(endpoint);
    this.fd = fdRemove(this.fd, endpoint);
    this.quarantine.set(endpoint, this.nowMs);
  }

  replacedEndpoint(endpoint: EndpointAddress): void {
    if (endpoint === this.config.self) return;
    this.removeEndpoint(endpoint);
    this.evictFromMembership(endpoint);
    // quarantineEndpoint adds QUARANTINE_DELAY on top: the replaced node stays out twice as long.
    this.quarantine.set(endpoint, this.nowMs + this.config.quarantineDelayMs);
  }

  addSavedEndpoint(endpoint: EndpointAddress): void {
    if (endpoint === this.config.self) return;
    const existing = this.endpoints.get(endpoint);
    const state: EndpointState = { heartBeat: EMPTY_HEARTBEAT, states: existing?.state.states ?? {} };
    this.setRecord(endpoint, { state, alive: false, updatedAtMs: this.nowMs, saved: true });
    this.silentlyMarkDead(endpoint);
  }

  advertiseRemoving(endpoint: EndpointAddress, hostId: HostId, localHostId: HostId): void {
    const record = this.endpoints.get(endpoint);
    if (record === undefined) {
      this.emit({ type: 'warning', message: `cannot advertise removal of unknown endpoint ${endpoint}` });
      return;
    }
    const status = { value: statusRemoving(hostId), version: this.nextVersion() };
    const coordinator = { value: removalCoordinator(localHostId), version: this.nextVersion() };
    const state = withStates(
      { heartBeat: { generation: record.state.heartBeat.generation + 1, version: record.state.heartBeat.version }, states: record.state.states },
      [[AppState.StatusWithPort, status], [AppState.Status, status], [AppState.RemovalCoordinator, coordinator]],
    );
    this.setRecord(endpoint, { ...record, state, updatedAtMs: this.nowMs });
  }

  advertiseRemoved(endpoint: EndpointAddress, hostId: HostId): void {
    const record = this.endpoints.get(endpoint);
    if (record === undefined) {
      this.emit({ type: 'warning', message: `cannot advertise removal of unknown endpoint ${endpoint}` });
      return;
    }
    const expireAtMs = this.nowMs + this.config.veryLongTimeMs;
    const status = { value: statusRemoved(hostId, expireAtMs), version: this.nextVersion() };
    const state = withStates(
      { heartBeat: { generation: record.state.heartBeat.generation + 1, version: record.state.heartBeat.version }, states: record.state.states },
      [[AppState.StatusWithPort, status], [AppState.Status, status]],
    );
    this.setRecord(endpoint, { ...record, state, updatedAtMs: this.nowMs });
    this.expireTimes.set(endpoint, expireAtMs);
  }

  // ---- local state ----------------------------------------------------------------------------------

  setLocalStates(updates: ReadonlyArray<readonly [ApplicationState, string]>): void {
    const self = this.selfRecord();
    const values: Array<[ApplicationState, VersionedValue]> = updates.map(([key, value]) => [key, { value, version: this.nextVersion() }]);
    this.setRecord(this.config.self, { ...self, state: withStates(self.state, values) });
    for (const [key, value] of values) this.emit({ type: 'change', endpoint: this.config.self, key, value });
  }

  shutdown(): void {
    const self = this.selfRecord();
    if (this.enabled && !isSilentShutdownState(self.state)) {
      this.setLocalStates([[AppState.StatusWithPort, statusShutdown()], [AppState.Status, statusShutdown()]]);
      const message: GossipMessage = { type: 'SHUTDOWN', state: this.selfRecord().state };
      for (const endpoint of sorted(this.live)) this.send(endpoint, message);
    }
    this.enabled = false;
    this.shutDown = true;
  }

  // ---- shadow round -------------------------------------------------------------------------------

  beginShadowRound(): void {
    if (this.seeds.length === 0) {
      this.emit({ type: 'shadow_round_done', states: [], startingSeeds: [] });
      return;
    }
    this.shadowRound = { startedAtMs: this.nowMs, lastSentAtMs: this.nowMs, seedsInShadowRound: new Set() };
    this.sendShadowSyn();
  }

  private sendShadowSyn(): void {
    const syn: GossipMessage = { type: 'SYN', clusterName: this.config.clusterName, partitioner: this.config.partitioner, digests: [] };
    for (const seed of this.seeds) this.send(seed, syn);
  }

  private shadowRoundTick(): void {
    const round = this.shadowRound!;
    const isSeed = this.config.seeds.includes(this.config.self);
    // Non-seeds wait twice as long so seeds can come up during a full cluster bounce.
    const limitMs = isSeed ? this.config.ringDelayMs : 2 * this.config.ringDelayMs;
    if (this.nowMs - round.startedAtMs > limitMs) {
      this.shadowRound = null;
      if (isSeed) this.emit({ type: 'shadow_round_done', states: [], startingSeeds: [] });
      else this.emit({ type: 'shadow_round_failed', reason: 'Unable to gossip with any peers' });
      return;
    }
    if (this.nowMs - round.lastSentAtMs >= SHADOW_ROUND_RESEND_MS) {
      this.shadowRound = { ...round, lastSentAtMs: this.nowMs };
      this.sendShadowSyn();
    }
  }

  private maybeFinishShadowRound(respondent: EndpointAddress, respondentInShadowRound: boolean, states: readonly EndpointStateEntry[]): void {
    const round = this.shadowRound;
    if (round === null) return;
    if (!respondentInShadowRound) {
      // The answer must say enough about us for the startup safety check.
      const mine = states.find((e) => e.endpoint === this.config.self)?.state;
      if (mine !== undefined && !isDeadState(mine) && mine.states[AppState.HostId] === undefined) return;
      if (!this.seeds.includes(respondent)) {
        this.emit({ type: 'warning', message: `Received an ack from ${respondent}, who isn't a seed. Ensure your seed list includes a live node. Exiting shadow round` });
      }
      this.shadowRound = null;
      this.emit({ type: 'shadow_round_done', states, startingSeeds: [] });
      return;
    }
    const inShadow = new Set(round.seedsInShadowRound);
    inShadow.add(respondent);
    if (this.seeds.every((s) => inShadow.has(s))) {
      this.shadowRound = null;
      this.emit({ type: 'shadow_round_done', states: [], startingSeeds: [...inShadow] });
    } else {
      this.shadowRound = { ...round, seedsInShadowRound: inShadow };
    }
  }

  // ---- messages -----------------------------------------------------------------------------------

  receive(from: EndpointAddress, message: GossipMessage): void {
    switch (message.type) {
      case 'SYN': this.onSyn(from, message); break;
      case 'ACK': this.onAck(from, message.digests, message.states); break;
      case 'ACK2': this.onAck2(message.states); break;
      case 'SHUTDOWN': this.onShutdown(from, message.state); break;
      case 'ECHO_REQ': if (!this.shutDown) this.send(from, { type: 'ECHO_RSP' }); break;
      case 'ECHO_RSP': this.realMarkAlive(from); break;
      default: assertNever(message, 'gossip message');
    }
  }

  private onSyn(from: EndpointAddress, syn: Extract<GossipMessage, { type: 'SYN' }>): void {
    if (!this.enabled && this.shadowRound === null) return;
    if (syn.clusterName !== this.config.clusterName) {
      this.emit({ type: 'warning', message: `ClusterName mismatch from ${from} ${syn.clusterName}!=${this.config.clusterName}` });
      return;
    }
    if (syn.partitioner !== this.config.partitioner) {
      this.emit({ type: 'warning', message: `Partitioner mismatch from ${from} ${syn.partitioner}!=${this.config.partitioner}` });
      return;
    }
    if (!this.enabled) {
      // Both in a shadow round: answer a shadow SYN with a minimal ACK, ignore anything else.
      if (syn.digests.length === 0) this.send(from, { type: 'ACK', digests: [], states: [] });
      return;
    }
    if (syn.digests.length === 0) {
      // A shadow round request: everything we know.
      const states = sorted(this.endpoints.keys()).map((endpoint) => ({ endpoint, state: this.endpoints.get(endpoint)!.state }));
      this.send(from, { type: 'ACK', digests: [], states });
      return;
    }
    const requests: GossipDigest[] = [];
    const deltas: EndpointStateEntry[] = [];
    for (const digest of this.sortDigests(syn.digests)) {
      const local = this.endpoints.get(digest.endpoint);
      if (local === undefined) {
        requests.push({ endpoint: digest.endpoint, generation: digest.generation, maxVersion: 0 });
        continue;
      }
      const localGeneration = local.state.heartBeat.generation;
      const localMax = maxVersion(local.state);
      if (digest.generation === localGeneration && digest.maxVersion === localMax) continue;
      if (digest.generation > localGeneration) {
        requests.push({ endpoint: digest.endpoint, generation: digest.generation, maxVersion: 0 });
      } else if (digest.generation < localGeneration) {
        const s = stateNewerThan(local.state, -1);
        if (s !== null) deltas.push({ endpoint: digest.endpoint, state: s });
      } else if (digest.maxVersion > localMax) {
        requests.push({ endpoint: digest.endpoint, generation: digest.generation, maxVersion: localMax });
      } else {
        const s = stateNewerThan(local.state, digest.maxVersion);
        if (s !== null) deltas.push({ endpoint: digest.endpoint, state: s });
      }
    }
    this.send(from, { type: 'ACK', digests: requests, states: deltas });
  }

  /** GossipDigestSynVerbHandler.doSort: endpoints furthest behind or ahead first. */
  private sortDigests(digests: readonly GossipDigest[]): GossipDigest[] {
    const keyed = digests.map((d) => {
      const local = this.endpoints.get(d.endpoint);
      const diff = Math.abs((local === undefined ? 0 : maxVersion(local.state)) - d.maxVersion);
      return { d, diff };
    });
    keyed.sort((a, b) => b.d.generation - a.d.generation || b.diff - a.diff || compareEndpoints(a.d.endpoint, b.d.endpoint));
    return keyed.map((k) => k.d);
  }

  private onAck(from: EndpointAddress, digests: readonly GossipDigest[], states: readonly EndpointStateEntry[]): void {
    if (!this.enabled && this.shadowRound === null) return;
    if (this.shadowRound !== null) {
      this.maybeFinishShadowRound(from, digests.length === 0 && states.length === 0, states);
      return;
    }
    if (states.length > 0) {
      // An ACK before our first SYN answers a SYN from a previous life (CASSANDRA-12653).
      if (this.firstSynSentAtMs === null) return;
      this.notifyFailureDetector(states);
      this.applyStateLocally(states);
    }
    const replies: EndpointStateEntry[] = [];
    for (const digest of digests) {
      const local = this.endpoints.get(digest.endpoint);
      const s = local === undefined ? null : stateNewerThan(local.state, digest.maxVersion);
      if (s !== null) replies.push({ endpoint: digest.endpoint, state: s });
    }
    this.send(from, { type: 'ACK2', states: replies });
  }

  private onAck2(states: readonly EndpointStateEntry[]): void {
    if (!this.enabled) return;
    this.notifyFailureDetector(states);
    this.applyStateLocally(states);
  }

  private onShutdown(from: EndpointAddress, remote: EndpointState | null): void {
    if (!this.enabled) return;
    const record = this.endpoints.get(from);
    if (record === undefined || isEmptyState(record.state)) return;
    if (remote === null) {
      this.markAsShutdown(from);
      return;
    }
    const shutdown = remote.states[AppState.StatusWithPort];
    if (!isShutdownState(remote) || shutdown === undefined) {
      this.emit({ type: 'warning', message: `shutdown message from ${from} without a shutdown status` });
      return;
    }
    this.setRecord(from, { ...record, state: remote });
    this.markDead(from);
    this.emit({ type: 'change', endpoint: from, key: AppState.StatusWithPort, value: shutdown });
  }

  // ---- applying remote state ------------------------------------------------------------------------

  /** Feeds the failure detector with heartbeats newer than what we know (notifyFailureDetector). */
  private notifyFailureDetector(states: readonly EndpointStateEntry[]): void {
    for (const { endpoint, state: remote } of states) {
      const local = this.endpoints.get(endpoint);
      if (local === undefined) continue;
      const localGeneration = local.state.heartBeat.generation;
      if (remote.heartBeat.generation > localGeneration) {
        this.updateRecord(endpoint, { updatedAtMs: this.nowMs });
        // A restart: relearn the arrival intervals of a node we thought dead.
        if (!local.alive) this.fd = fdRemove(this.fd, endpoint);
        this.fd = reportArrival(this.fd, endpoint, this.nowMs);
      } else if (remote.heartBeat.generation === localGeneration && remote.heartBeat.version > maxVersion(local.state)) {
        this.updateRecord(endpoint, { updatedAtMs: this.nowMs });
        this.fd = reportArrival(this.fd, endpoint, this.nowMs);
      }
    }
  }

  /** Bootstrapping states last so what they depend on is applied first, then generation, address. */
  private orderForApply(states: readonly EndpointStateEntry[]): EndpointStateEntry[] {
    const booting = (s: EndpointState): number => {
      const status = gossipStatus(s);
      return status === GossipStatus.Boot || status === GossipStatus.BootReplace ? 1 : 0;
    };
    return [...states].sort((a, b) => booting(a.state) - booting(b.state)
      || a.state.heartBeat.generation - b.state.heartBeat.generation || compareEndpoints(a.endpoint, b.endpoint));
  }

  private applyStateLocally(states: readonly EndpointStateEntry[]): void {
    const nowSeconds = Math.floor(this.nowMs / 1000);
    for (const { endpoint, state: remote } of this.orderForApply(states)) {
      if (endpoint === this.config.self || this.quarantine.has(endpoint)) continue;
      const local = this.endpoints.get(endpoint);
      if (local === undefined) {
        if (this.endpoints.size >= this.config.endpointsMax) {
          this.emit({ type: 'warning', message: `ignoring ${endpoint}: already tracking ${this.config.endpointsMax} endpoints` });
          continue;
        }
        this.fd = reportArrival(this.fd, endpoint, this.nowMs);
        this.handleMajorStateChange(endpoint, remote);
        continue;
      }
      const localGeneration = local.state.heartBeat.generation;
      const remoteGeneration = remote.heartBeat.generation;
      if (remoteGeneration > nowSeconds + MAX_GENERATION_DIFFERENCE_SECONDS) {
        this.emit({ type: 'warning', message: `received an invalid gossip generation for peer ${endpoint}; local time = ${nowSeconds}, received generation = ${remoteGeneration}` });
      } else if (remoteGeneration > localGeneration) {
        this.handleMajorStateChange(endpoint, remote);
      } else if (remoteGeneration === localGeneration) {
        if (maxVersion(remote) > maxVersion(local.state)) this.applyNewStates(endpoint, remote);
        const current = this.endpoints.get(endpoint)!;
        if (!current.alive && !isDeadState(current.state)) this.markAlive(endpoint);
      }
    }
  }

  /** A new endpoint or a new generation (restart, or a spoofed state): replace the state whole. */
  private handleMajorStateChange(endpoint: EndpointAddress, remote: EndpointState): void {
    const previous = this.endpoints.get(endpoint);
    this.setRecord(endpoint, { state: remote, alive: true, updatedAtMs: this.nowMs, saved: false });
    if (previous !== undefined) this.emit({ type: 'restart', endpoint, previous: previous.state });
    if (!isDeadState(remote)) this.markAlive(endpoint);
    else this.markDead(endpoint);
    this.emit({ type: 'join', endpoint, state: remote });
    if (isShutdownState(remote)) this.markAsShutdown(endpoint);
    this.afterStatusChange(endpoint);
  }

  /** Same generation, newer versions: apply what is newer and notify STATUS first. */
  private applyNewStates(endpoint: EndpointAddress, remote: EndpointState): void {
    const local = this.endpoints.get(endpoint)!;
    const updated = stateEntries(remote).filter(([key, value]) => {
      const mine = local.state.states[key];
      return mine === undefined || mine.version < value.version;
    });
    const state = withStates({ heartBeat: remote.heartBeat, states: local.state.states }, updated);
    this.setRecord(endpoint, { ...local, state });
    const hasStatusWithPort = state.states[AppState.StatusWithPort] !== undefined;
    let statusChanged = false;
    for (const [key, value] of updated) {
      if (key === AppState.StatusWithPort || (key === AppState.Status && !hasStatusWithPort)) {
        this.emit({ type: 'change', endpoint, key, value });
        statusChanged = true;
      }
    }
    for (const [key, value] of updated) {
      if (key === AppState.StatusWithPort || key === AppState.Status) continue;
      if (key === AppState.InternalIp && state.states[AppState.InternalAddressAndPort] !== undefined) continue;
      if (key === AppState.RpcAddress && state.states[AppState.NativeAddressAndPort] !== undefined) continue;
      this.emit({ type: 'change', endpoint, key, value });
    }
    if (statusChanged) this.afterStatusChange(endpoint);
  }

  /**
   * What StorageService does for LEFT and removed on every node (handleStateLeft/removed, excise):
   * remember the expire time and remove the endpoint from gossip membership (quarantined).
   */
  private afterStatusChange(endpoint: EndpointAddress): void {
    const record = this.endpoints.get(endpoint);
    if (record === undefined) return;
    const value = statusValue(record.state);
    if (value === undefined) return;
    const expireAtMs = statusExpireTimeMs(value);
    if (expireAtMs === null) return;
    this.expireTimes.set(endpoint, expireAtMs);
    this.removeEndpoint(endpoint);
  }
}

function sorted(endpoints: Iterable<EndpointAddress>): EndpointAddress[] {
  return [...endpoints].sort(compareEndpoints);
}
