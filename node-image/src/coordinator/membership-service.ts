// The gossip-backed Membership: drives the pure gossiper (cluster/gossip) with a tick every gossip
// interval and the gossip messages messaging delivers, sends what it outputs, publishes this node's
// application states, keeps the ring (TokenMetadata snapshots) in step with gossip statuses, and
// tells subscribers (coordinator, protocol events) what changed. Startup: local states, a shadow
// round with the seeds (alone when this node is its only seed), then STATUS NORMAL with its tokens
// and gossip. With joinMode 'deferred' the node gossips without a STATUS after the shadow round and
// the topology service announces BOOT/NORMAL/LEAVING/LEFT (coordinator/topology); while no seed
// answers, seeds are re-resolved and the shadow round retried (a node that joined before starts alone).
// Invariants: gossipStep is never re-entered (inputs queue while a step's outputs are performed);
// the ring always holds this node with its tokens; ticks stop at stop().
import {
  AppState, DEFAULT_PHI_ACCRUAL_CONFIG, TokenMetadata, createGossiper, encodeTokens, endpointAddress, gossipStep, gossiperConfig,
  isDeadState, javaDoubleString, maxVersion, meanIntervalMs, statusBootReplace, statusBootstrapping, statusLeaving, statusLeft, statusNormal,
} from '../cluster/index.ts';
import type {
  ApplicationState, EndpointAddress, EndpointState, EndpointStateEntry, GossipEvent, GossipInput, GossipMessage, GossiperState,
  HostId, Token,
} from '../cluster/index.ts';
import type { Clock, Disk, Logger, Random, TimerHandle, Timers } from '../io/index.ts';
import { assert, assertNever } from '../lib/index.ts';
import { MESSAGING_VERSION, parsePeerAddress } from '../messaging/index.ts';
import type { MessagingService, VerbValue } from '../messaging/index.ts';
import type { NodeInfo } from './coordinator.ts';
import type { MemberView, Membership, MembershipEvent } from './membership.ts';
import { ClientEventNotifier } from './membership/client-event-notifier.ts';
import type { ClientEvent } from './membership/client-event-notifier.ts';
import { GOSSIP_VERBS, decodeGossipMessage, encodeGossipMessage, gossipVerb } from './membership/gossip-wire.ts';
import { hostIdOf, memberViewOf, nativeAddressOf } from './membership/member-view.ts';
import { applyLocation, applyRemoval, applyStatus } from './membership/ring-maintenance.ts';
import type { RingChange, RingContext } from './membership/ring-maintenance.ts';
import { loadSavedPeers, savePeers } from './membership/saved-peers.ts';
import { applyBootReplace, bootReplaceTarget } from './topology/replace-ring.ts';
import type { SavedPeer } from './membership/saved-peers.ts';

/** Cassandra's gossip task period. */
export const GOSSIP_INTERVAL_MS_DEFAULT = 1000;
/** LoadBroadcaster: LOAD is republished this often. */
export const LOAD_BROADCAST_INTERVAL_MS = 60_000;
/** Inputs queued while a step runs; more means a feedback loop (programmer error). */
const QUEUED_INPUTS_MAX = 100_000;
/** Shadow rounds tried before a node that never joined gives up (about 2 x RING_DELAY each: effectively never). */
export const SHADOW_ROUND_ATTEMPTS_MAX = 100_000;
/** While no peer is alive, seed names are re-resolved this often (the seed pods may have new addresses). */
export const SEED_RELOAD_WHILE_ALONE_MS = 10_000;
/** Pause between failed shadow rounds while waiting for a seed. */
export const SHADOW_ROUND_RETRY_MS_DEFAULT = 2000;

/** This node's own ring state as the topology service drives it. */
export type LocalJoinState = 'STARTING' | 'JOINING' | 'NORMAL' | 'LEAVING' | 'LEFT';

/** States that system.peers shows: a change may rewrite the saved peers file. */
const PEER_INFO_STATES: ReadonlySet<ApplicationState> = new Set<ApplicationState>([
  AppState.HostId, AppState.Dc, AppState.Rack, AppState.Tokens, AppState.Schema, AppState.ReleaseVersion,
  AppState.NativeAddressAndPort, AppState.RpcAddress,
]);
/** system.peers needs a schema version; a member that never gossiped one (not expected) shows this. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

export interface MembershipServiceOptions {
  readonly messaging: MessagingService;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly logger: Logger;
  /** Where the saved peers file lives (the node's system directory); no persistence when absent. */
  readonly disk?: Disk;
  readonly systemDirectory?: string;
  /** This node's internode address "ip:storage_port" (the messaging service's self). */
  readonly self: EndpointAddress;
  readonly clusterName: string;
  readonly seeds: readonly EndpointAddress[];
  readonly datacenter: string;
  readonly rack: string;
  readonly hostId: HostId;
  readonly tokens: readonly Token[];
  /** Already persisted and strictly greater than any earlier generation of this node. */
  readonly generation: number;
  readonly nativeAddress: string;
  readonly nativePort: number;
  readonly releaseVersion: string;
  readonly schemaVersion: string;
  readonly ringDelayMs?: number;
  readonly phiConvictThreshold?: number;
  readonly gossipIntervalMs?: number;
  /** On-disk bytes of this node's data, gossiped as LOAD. */
  readonly loadBytes?: () => number;
  /**
   * 'normal' (default): NORMAL with `tokens` right after the shadow round. 'deferred': gossip
   * without STATUS or TOKENS until announceBootstrap/announceNormal (a node that has not joined yet).
   */
  readonly joinMode?: 'normal' | 'deferred';
  /** A node that joined before: when no seed answers, start anyway (alone) and keep gossiping to seeds. */
  readonly startWithoutSeeds?: boolean;
  /** Re-resolves the seed list (DNS names) before each retried shadow round and on reloadSeeds(). */
  readonly resolveSeeds?: () => Promise<readonly EndpointAddress[]>;
  readonly shadowRoundRetryMs?: number;
}

type Phase = 'created' | 'shadow_round' | 'running' | 'stopped';

export class MembershipError extends Error {
  override readonly name = 'MembershipError';
}

export class MembershipService implements Membership {
  readonly self: EndpointAddress;
  readonly localDatacenter: string;
  readonly localRack: string;
  private readonly options: MembershipServiceOptions;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private gossip: GossiperState;
  private currentRing: TokenMetadata;
  private phase: Phase = 'created';
  private readonly inputs: GossipInput[] = [];
  private stepping = false;
  private tickHandle: TimerHandle | null = null;
  private loadHandle: TimerHandle | null = null;
  private lastLoad = -1;
  private shadowWaiter: { resolve: (states: readonly EndpointStateEntry[]) => void; reject: (error: Error) => void } | null = null;
  private readonly listeners = new Set<(event: MembershipEvent) => void>();
  private readonly clientListeners = new Set<(event: ClientEvent) => void>();
  private readonly notifier = new ClientEventNotifier();
  /** Peers announced 'up' to subscribers (for down/up pairing). */
  private readonly announcedUp = new Set<EndpointAddress>();
  /** Peers announced to drivers as serving (alive and RPC_READY). */
  private readonly clientServing = new Set<EndpointAddress>();
  private readonly saved = new Map<EndpointAddress, SavedPeer>();
  private savedJson = '';
  private readonly ringContext: RingContext;
  // Caches rebuilt lazily after each gossip step.
  private aliveCache: Set<EndpointAddress> | null = null;
  private viewsCache: Map<EndpointAddress, MemberView> | null = null;
  private peersCache: readonly NodeInfo[] | null = null;
  private localStates: Array<readonly [ApplicationState, string]> = [];
  private joinState: LocalJoinState = 'STARTING';
  private localTokens: readonly Token[];
  private shadowStates: readonly EndpointStateEntry[] = [];
  private shadowStartingSeeds: readonly EndpointAddress[] = [];
  private retryHandle: { cancel(): void; resolve(): void } | null = null;
  private seedReloadHandle: TimerHandle | null = null;
  /**
   * After announceLeft: the version of this node's state that carries LEFT, and the peers whose
   * gossip (a digest of this node's state at or beyond that version) showed they have it.
   */
  private leftAnnouncement: { readonly generation: number; readonly version: number; readonly seenBy: Set<EndpointAddress> } | null = null;

  constructor(options: MembershipServiceOptions) {
    assert(options.tokens.length > 0 || options.joinMode === 'deferred', 'a member needs tokens');
    this.options = options;
    this.localTokens = options.tokens;
    this.self = options.self;
    this.localDatacenter = options.datacenter;
    this.localRack = options.rack;
    this.logger = options.logger.child({ component: 'gossip' });
    this.intervalMs = options.gossipIntervalMs ?? GOSSIP_INTERVAL_MS_DEFAULT;
    const base = gossiperConfig({
      self: options.self, clusterName: options.clusterName, seeds: options.seeds,
      ...(options.ringDelayMs === undefined ? {} : { ringDelayMs: options.ringDelayMs }),
    });
    const config = {
      ...base,
      intervalMs: this.intervalMs,
      failureDetector: {
        ...DEFAULT_PHI_ACCRUAL_CONFIG,
        initialValueMs: 2 * this.intervalMs,
        phiConvictThreshold: options.phiConvictThreshold ?? DEFAULT_PHI_ACCRUAL_CONFIG.phiConvictThreshold,
      },
    };
    this.gossip = createGossiper(config, options.generation, options.clock.nowMs());
    const registered = TokenMetadata.empty()
      .withEndpoint({ address: options.self, hostId: options.hostId, dc: options.datacenter, rack: options.rack });
    this.currentRing = options.joinMode === 'deferred' ? registered : registered.withNormalTokens(options.self, options.tokens);
    this.ringContext = {
      self: options.self,
      generationOf: (endpoint) => this.gossip.endpoints.get(endpoint)?.state.heartBeat.generation ?? 0,
    };
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  /**
   * Joins the cluster: local states, saved peers, a shadow round with the seeds, then NORMAL and
   * gossip. Rejects (and stops) when no seed answers in time or another node owns this address.
   */
  async start(): Promise<void> {
    assert(this.phase === 'created', `membership started in phase ${this.phase}`);
    const o = this.options;
    for (const verb of GOSSIP_VERBS) {
      o.messaging.handle(verb, (from, payload) => {
        this.onGossipMessage(from, verb, payload);
        return null;
      });
    }
    const native = `${o.nativeAddress.includes(':') ? `[${o.nativeAddress}]` : o.nativeAddress}:${o.nativePort}`;
    this.lastLoad = this.currentLoad();
    this.localStates = [
      [AppState.Dc, o.datacenter], [AppState.Rack, o.rack], [AppState.HostId, o.hostId], [AppState.ReleaseVersion, o.releaseVersion],
      [AppState.NetVersion, String(MESSAGING_VERSION)], [AppState.InternalIp, parsePeerAddress(o.self).host],
      [AppState.InternalAddressAndPort, o.self], [AppState.RpcAddress, o.nativeAddress], [AppState.NativeAddressAndPort, native],
      [AppState.Schema, o.schemaVersion], [AppState.Load, javaDoubleString(this.lastLoad)], [AppState.RpcReady, 'false'],
      ...(o.joinMode === 'deferred' ? [] : [[AppState.Tokens, encodeTokens(o.tokens)] as const]),
    ];
    this.run({ kind: 'set_local_states', states: this.localStates });
    this.loadSavedPeers();
    this.tickHandle = o.timers.setInterval(() => this.run({ kind: 'tick' }), this.intervalMs);
    this.phase = 'shadow_round';
    let states: readonly EndpointStateEntry[];
    try {
      states = await this.shadowRoundWithRetries();
      this.checkEndpointCollision(states);
    } catch (error) {
      this.stopTimers();
      this.phase = 'stopped';
      throw error;
    }
    if (this.phase !== 'shadow_round') throw new MembershipError('membership stopped during startup');
    this.shadowStates = states;
    if (o.joinMode !== 'deferred') {
      const normal = statusNormal(o.tokens);
      this.run({ kind: 'set_local_states', states: [[AppState.StatusWithPort, normal], [AppState.Status, normal]] });
      this.joinState = 'NORMAL';
    }
    this.run({ kind: 'start' });
    this.phase = 'running';
    this.run({ kind: 'tick' });
    this.loadHandle = o.timers.setInterval(() => this.broadcastLoad(), LOAD_BROADCAST_INTERVAL_MS);
    if (o.resolveSeeds !== undefined) {
      this.seedReloadHandle = o.timers.setInterval(() => {
        if (this.phase === 'running' && this.alive().size === 0) void this.reloadSeeds();
      }, SEED_RELOAD_WHILE_ALONE_MS);
    }
    if (o.joinMode === 'deferred') this.logger.info({ self: this.self, generation: o.generation, seeds: this.seedList() }, 'gossip started; joining the ring');
    else this.logger.info({ self: this.self, generation: o.generation, seeds: this.seedList(), tokens: o.tokens.length }, 'Node is now part of the cluster (NORMAL)');
  }

  /** Shadow rounds until a seed answers; a node that joined before starts alone instead of waiting. */
  private async shadowRoundWithRetries(): Promise<readonly EndpointStateEntry[]> {
    const o = this.options;
    for (let attempt = 1; attempt <= SHADOW_ROUND_ATTEMPTS_MAX; attempt++) {
      try {
        return await new Promise<readonly EndpointStateEntry[]>((resolve, reject) => {
          this.shadowWaiter = { resolve, reject };
          this.run({ kind: 'shadow_round' });
        });
      } catch (error) {
        if (this.phase !== 'shadow_round') throw error;
        if (o.startWithoutSeeds === true) {
          this.logger.warn({ seeds: this.seedList() }, 'no seed answered; this node joined before, so it starts alone and keeps gossiping to the seeds');
          return [];
        }
        this.logger.warn({ seeds: this.seedList(), attempt }, 'no seed answered; waiting for seeds (re-resolving them) before joining');
        await this.pause(o.shadowRoundRetryMs ?? SHADOW_ROUND_RETRY_MS_DEFAULT);
        if (this.phase !== 'shadow_round') throw new MembershipError('membership stopped while waiting for seeds');
        await this.reloadSeeds();
      }
    }
    throw new MembershipError('Unable to gossip with any peers');
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const handle = this.options.timers.setTimeout(() => {
        this.retryHandle = null;
        resolve();
      }, ms);
      this.retryHandle = { cancel: () => handle.cancel(), resolve };
    });
  }

  /** The seeds gossip uses now (resolved addresses, self excluded by the gossiper). */
  seedList(): readonly EndpointAddress[] {
    return this.gossip.config.seeds;
  }

  /** Replaces the seed list (e.g. after DNS re-resolution). */
  setSeeds(seeds: readonly EndpointAddress[]): void {
    const config = { ...this.gossip.config, seeds: [...seeds] };
    const own = [...new Set(seeds)].filter((s) => s !== this.self).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.gossip = { ...this.gossip, config, seeds: own };
  }

  /** Re-resolves the seeds (seeds-reload); returns the new list. Keeps the old list when resolution fails. */
  async reloadSeeds(): Promise<readonly EndpointAddress[]> {
    const resolve = this.options.resolveSeeds;
    if (resolve === undefined) return this.seedList();
    try {
      const seeds = await resolve();
      if (seeds.length > 0) this.setSeeds(seeds);
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'cannot resolve the seeds; keeping the previous list');
    }
    return this.seedList();
  }

  // ---- this node's ring state (driven by coordinator/topology) ---------------------------------------

  /** The states the seeds answered in the shadow round (the replace target's TOKENS come from here). */
  shadowRoundStates(): readonly EndpointStateEntry[] {
    return this.shadowStates;
  }

  /** The seeds that answered the shadow round from a shadow round of their own (still starting). */
  shadowRoundStartingSeeds(): readonly EndpointAddress[] {
    return this.shadowStartingSeeds;
  }

  joinStatus(): LocalJoinState {
    return this.joinState;
  }

  /** This node's tokens (empty until chosen when it joins). */
  tokens(): readonly Token[] {
    return this.localTokens;
  }

  /** BOOT (or BOOT_REPLACE of `replacing`) with these tokens: peers make this node a pending replica. */
  announceBootstrap(tokens: readonly Token[], replacing?: EndpointAddress): void {
    assert(tokens.length > 0, 'bootstrap needs tokens');
    this.localTokens = tokens;
    const status = replacing === undefined ? statusBootstrapping(tokens) : statusBootReplace(replacing);
    this.setLocalRing(this.currentRing.withBootstrapTokens(this.self, tokens, replacing));
    this.run({ kind: 'set_local_states', states: [[AppState.Tokens, encodeTokens(tokens)], [AppState.StatusWithPort, status], [AppState.Status, status]] });
    this.joinState = 'JOINING';
    this.logger.info({ tokens: tokens.length, replacing: replacing ?? null }, replacing === undefined ? 'JOINING: bootstrap tokens announced' : 'JOINING: replacing a dead node');
  }

  /** NORMAL with these tokens. */
  announceNormal(tokens: readonly Token[]): void {
    assert(tokens.length > 0, 'a member needs tokens');
    this.localTokens = tokens;
    const normal = statusNormal(tokens);
    this.setLocalRing(this.currentRing.withNormalTokens(this.self, tokens));
    this.run({ kind: 'set_local_states', states: [[AppState.Tokens, encodeTokens(tokens)], [AppState.StatusWithPort, normal], [AppState.Status, normal]] });
    this.joinState = 'NORMAL';
    this.logger.info({ tokens: tokens.length }, 'Node is now part of the cluster (NORMAL)');
  }

  /** LEAVING: peers compute pending ranges for the nodes that will take over this node's ranges. */
  announceLeaving(): void {
    const status = statusLeaving(this.localTokens);
    this.setLocalRing(this.currentRing.withLeaving(this.self));
    this.run({ kind: 'set_local_states', states: [[AppState.StatusWithPort, status], [AppState.Status, status]] });
    this.joinState = 'LEAVING';
    this.logger.info({}, 'LEAVING: announced decommission');
  }

  /** LEFT (expiring at `expireAtMs`): peers drop this node from the ring. */
  announceLeft(expireAtMs: number): void {
    const status = statusLeft(this.localTokens, expireAtMs);
    this.run({ kind: 'set_local_states', states: [[AppState.StatusWithPort, status], [AppState.Status, status]] });
    this.joinState = 'LEFT';
    const own = this.stateOf(this.self);
    this.leftAnnouncement = { generation: own.heartBeat.generation, version: maxVersion(own), seenBy: new Set() };
    this.logger.info({}, 'LEFT: decommissioned');
  }

  /**
   * Live peers whose gossip has not shown this node's LEFT yet (every peer before announceLeft).
   * A peer's SYN digests, and the digests its ACK requests, name the version of this node's state
   * it holds; one at or beyond the LEFT version means it has seen LEFT.
   */
  peersNotShowingLeft(): EndpointAddress[] {
    const announcement = this.leftAnnouncement;
    const out: EndpointAddress[] = [];
    for (const peer of this.alive()) if (announcement === null || !announcement.seenBy.has(peer)) out.push(peer);
    return out.sort();
  }

  private noteLeftSeen(from: EndpointAddress, message: GossipMessage): void {
    const announcement = this.leftAnnouncement;
    if (announcement === null || (message.type !== 'SYN' && message.type !== 'ACK')) return;
    for (const digest of message.digests) {
      if (digest.endpoint !== this.self) continue;
      if (digest.generation === announcement.generation && digest.maxVersion >= announcement.version && !announcement.seenBy.has(from)) {
        announcement.seenBy.add(from);
        this.logger.info({ peer: from }, 'peer has seen this node LEFT');
      }
      return;
    }
  }

  /** removenode: spoofs `removing` on the dead endpoint (peers treat it as leaving). */
  advertiseRemoving(endpoint: EndpointAddress, hostId: HostId): void {
    this.run({ kind: 'advertise_removing', endpoint, hostId, localHostId: this.options.hostId });
    this.setLocalRing(this.currentRing.isMember(endpoint) ? this.currentRing.withLeaving(endpoint) : this.currentRing);
  }

  /** removenode: spoofs `removed` and drops the endpoint from this node's ring. */
  advertiseRemoved(endpoint: EndpointAddress, hostId: HostId): void {
    this.run({ kind: 'advertise_removed', endpoint, hostId });
    this.setLocalRing(this.currentRing.withoutEndpoint(endpoint));
  }

  /** Forgets a replaced endpoint (replace finished): gossip quarantines it and the ring drops it. */
  replacedEndpoint(endpoint: EndpointAddress): void {
    this.run({ kind: 'replaced_endpoint', endpoint });
    if (this.currentRing.endpoint(endpoint) !== undefined) this.setLocalRing(this.currentRing.withoutEndpoint(endpoint));
  }

  private setLocalRing(ring: TokenMetadata): void {
    if (ring === this.currentRing) return;
    this.currentRing = ring;
    this.peersCache = null;
    for (const listener of [...this.listeners]) listener({ kind: 'ring-changed', ring });
  }

  /** Publishes RPC_READY (true once the CQL server serves; false when it stops). */
  setRpcReady(ready: boolean): void {
    if (this.phase === 'stopped') return;
    this.run({ kind: 'set_local_states', states: [[AppState.RpcReady, ready ? 'true' : 'false']] });
  }

  /** Announces the shutdown to live peers (they mark this node down at once) and stops gossiping. */
  async stop(): Promise<void> {
    if (this.phase === 'stopped') return;
    const wasRunning = this.phase === 'running';
    if (wasRunning) {
      this.run({ kind: 'set_local_states', states: [[AppState.RpcReady, 'false']] });
      this.run({ kind: 'shutdown' });
    }
    this.phase = 'stopped';
    this.stopTimers();
    if (this.retryHandle !== null) {
      this.retryHandle.cancel();
      this.retryHandle.resolve();
      this.retryHandle = null;
    }
    this.shadowWaiter?.reject(new MembershipError('membership stopped during the shadow round'));
    this.shadowWaiter = null;
    this.logger.info({ announced: wasRunning }, 'gossip stopped');
  }

  private stopTimers(): void {
    this.tickHandle?.cancel();
    this.tickHandle = null;
    this.loadHandle?.cancel();
    this.loadHandle = null;
    this.seedReloadHandle?.cancel();
    this.seedReloadHandle = null;
  }

  // ---- Membership -----------------------------------------------------------------------------------

  ring(): TokenMetadata {
    return this.currentRing;
  }

  isAlive(address: EndpointAddress): boolean {
    if (address === this.self) return true;
    return this.alive().has(address);
  }

  member(address: EndpointAddress): MemberView | null {
    return this.views().get(address) ?? null;
  }

  members(): readonly MemberView[] {
    return [...this.views().values()];
  }

  hostIdOf(address: EndpointAddress): HostId | null {
    return this.currentRing.endpoint(address)?.hostId ?? this.member(address)?.hostId ?? null;
  }

  addressOf(id: HostId): EndpointAddress | null {
    const inRing = this.currentRing.endpointForHostId(id);
    if (inRing !== undefined) return inRing.address;
    for (const v of this.views().values()) if (v.hostId === id) return v.address;
    return null;
  }

  peers(): readonly NodeInfo[] {
    this.peersCache ??= this.computePeers();
    return this.peersCache;
  }

  setLocalSchemaVersion(version: string): void {
    if (this.phase === 'stopped') return;
    this.run({ kind: 'set_local_states', states: [[AppState.Schema, version]] });
  }

  subscribe(listener: (event: MembershipEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** TOPOLOGY_CHANGE / STATUS_CHANGE events for drivers (the protocol server broadcasts them). */
  subscribeClientEvents(listener: (event: ClientEvent) => void): () => void {
    this.clientListeners.add(listener);
    return () => this.clientListeners.delete(listener);
  }

  /** The gossiper's current state (for nodetool gossipinfo and the management API). */
  gossipState(): GossiperState {
    return this.gossip;
  }

  // ---- driving the gossiper ---------------------------------------------------------------------------

  private onGossipMessage(from: string, verb: VerbValue, payload: Buffer): void {
    if (this.phase === 'stopped' || this.phase === 'created') return;
    let message: GossipMessage;
    let sender: EndpointAddress;
    try {
      sender = endpointAddress(from);
      message = decodeGossipMessage(verb, payload);
    } catch (error) {
      this.logger.warn({ from, error: (error as Error).message }, 'dropping malformed gossip message');
      return;
    }
    this.noteLeftSeen(sender, message);
    this.run({ kind: 'receive', from: sender, message });
  }

  /** Feeds one input; inputs arriving while a step's outputs are performed wait their turn. */
  private run(input: GossipInput): void {
    assert(this.inputs.length < QUEUED_INPUTS_MAX, 'gossip input queue overflow (feedback loop?)');
    this.inputs.push(input);
    if (this.stepping) return;
    this.stepping = true;
    try {
      for (let next = this.inputs.shift(); next !== undefined; next = this.inputs.shift()) {
        const result = gossipStep(this.gossip, next, this.options.clock.nowMs(), this.options.random);
        this.gossip = result.state;
        this.aliveCache = null;
        this.viewsCache = null;
        this.peersCache = null;
        const events: GossipEvent[] = [];
        for (const output of result.outputs) {
          if (output.kind === 'send') this.sendGossip(output.to, output.message);
          else events.push(output.event);
        }
        if (events.length > 0) this.handleEvents(events);
      }
    } finally {
      this.stepping = false;
    }
  }

  private sendGossip(to: EndpointAddress, message: GossipMessage): void {
    try {
      this.options.messaging.send(to, gossipVerb(message), encodeGossipMessage(message));
    } catch (error) {
      this.logger.warn({ to, error: (error as Error).message }, 'cannot send gossip message');
    }
  }

  private handleEvents(events: readonly GossipEvent[]): void {
    const ringBefore = this.currentRing;
    const touched = new Set<EndpointAddress>();
    let peerInfoChanged = false;
    const out: MembershipEvent[] = [];
    for (const e of events) {
      switch (e.type) {
        case 'join':
          peerInfoChanged = true;
          this.onStatus(e.endpoint, out);
          this.onSchema(e.endpoint, out);
          touched.add(e.endpoint);
          break;
        case 'change':
          if (e.endpoint === this.self) break;
          if (e.key === AppState.StatusWithPort || e.key === AppState.Status) this.onStatus(e.endpoint, out);
          else if (e.key === AppState.Dc || e.key === AppState.Rack) this.applyRing(applyLocation(this.currentRing, e.endpoint, this.stateOf(e.endpoint), this.ringContext), out);
          else if (e.key === AppState.Schema) this.onSchema(e.endpoint, out);
          if (PEER_INFO_STATES.has(e.key)) peerInfoChanged = true;
          touched.add(e.endpoint);
          break;
        case 'alive':
          if (!this.announcedUp.has(e.endpoint)) {
            this.announcedUp.add(e.endpoint);
            out.push({ kind: 'up', address: e.endpoint });
            this.logger.info({ endpoint: e.endpoint }, 'InetAddress is now UP');
          }
          touched.add(e.endpoint);
          break;
        case 'dead':
        case 'restart':
          if (this.announcedUp.delete(e.endpoint)) {
            out.push({ kind: 'down', address: e.endpoint });
            const window = this.gossip.failureDetector.windows.get(e.endpoint);
            this.logger.info({
              endpoint: e.endpoint, restarted: e.type === 'restart',
              meanHeartbeatIntervalMs: window === undefined ? null : Math.round(meanIntervalMs(window)), heartbeatSamples: window?.count ?? 0,
            }, 'InetAddress is now DOWN');
          }
          touched.add(e.endpoint);
          break;
        case 'remove': {
          if (this.announcedUp.delete(e.endpoint)) out.push({ kind: 'down', address: e.endpoint });
          this.applyRing(applyRemoval(this.currentRing, e.endpoint, this.ringContext), out);
          this.clientServing.delete(e.endpoint);
          this.saved.delete(e.endpoint);
          this.options.messaging.disconnect(e.endpoint);
          break;
        }
        case 'shadow_round_done':
          this.shadowStartingSeeds = e.startingSeeds;
          this.shadowWaiter?.resolve(e.states);
          this.shadowWaiter = null;
          break;
        case 'shadow_round_failed':
          this.shadowWaiter?.reject(new MembershipError(`${e.reason} (seeds: ${this.options.seeds.join(', ') || 'none'})`));
          this.shadowWaiter = null;
          break;
        case 'warning':
          this.logger.warn({}, e.message);
          break;
        default:
          assertNever(e, 'gossip event');
      }
    }
    for (const endpoint of touched) this.updateClientStatus(endpoint);
    if (this.currentRing !== ringBefore) {
      out.push({ kind: 'ring-changed', ring: this.currentRing });
      this.peersCache = null;
      peerInfoChanged = true;
    }
    for (const event of out) for (const listener of [...this.listeners]) listener(event);
    const clientEvents = this.notifier.take();
    for (const event of clientEvents) for (const listener of [...this.clientListeners]) listener(event);
    if (peerInfoChanged) this.maybeSavePeers();
  }

  private stateOf(endpoint: EndpointAddress): EndpointState {
    return this.gossip.endpoints.get(endpoint)?.state ?? { heartBeat: { generation: 0, version: -1 }, states: {} };
  }

  private native(endpoint: EndpointAddress): { host: string; port: number } {
    const saved = this.saved.get(endpoint);
    const state = this.stateOf(endpoint);
    if (state.states[AppState.NativeAddressAndPort] === undefined && saved !== undefined) return { host: saved.nativeHost, port: saved.nativePort };
    return nativeAddressOf(endpoint, state, this.options.nativePort);
  }

  private onStatus(endpoint: EndpointAddress, out: MembershipEvent[]): void {
    if (endpoint === this.self) return;
    const replaced = bootReplaceTarget(this.stateOf(endpoint), parsePeerAddress(this.self).port);
    if (replaced !== null) {
      const ring = applyBootReplace(this.currentRing, endpoint, this.stateOf(endpoint), replaced);
      this.applyRing({ ring, joined: [], left: [], moved: [], warnings: [] }, out);
      return;
    }
    this.applyRing(applyStatus(this.currentRing, endpoint, this.stateOf(endpoint), this.ringContext), out);
  }

  private applyRing(change: RingChange, out: MembershipEvent[]): void {
    for (const warning of change.warnings) this.logger.warn({}, warning);
    this.currentRing = change.ring;
    for (const endpoint of change.joined) {
      out.push({ kind: 'joined', address: endpoint });
      this.logger.info({ endpoint, tokens: this.currentRing.tokensOf(endpoint).length }, 'Node joined the ring (NORMAL)');
      this.notifier.joined(endpoint, this.native(endpoint), this.serving(endpoint));
    }
    for (const endpoint of change.left) {
      out.push({ kind: 'left', address: endpoint });
      this.notifier.left(endpoint, this.native(endpoint));
      // Its host id now at another address: the node came back there (same id and tokens, e.g. a
      // rescheduled pod). The old address is forgotten, as after a replace.
      const id = hostIdOf(this.stateOf(endpoint));
      const movedTo = id === null ? undefined : this.currentRing.endpointForHostId(id)?.address;
      if (movedTo !== undefined && movedTo !== endpoint) {
        this.logger.info({ endpoint, movedTo, hostId: id }, 'Node moved to a new address: forgetting the old one');
        this.run({ kind: 'replaced_endpoint', endpoint });
      } else {
        this.logger.info({ endpoint }, 'Node left the ring');
      }
    }
    for (const endpoint of change.moved) this.notifier.moved(endpoint, this.native(endpoint));
  }

  private onSchema(endpoint: EndpointAddress, out: MembershipEvent[]): void {
    if (endpoint === this.self) return;
    const version = this.stateOf(endpoint).states[AppState.Schema]?.value;
    if (version !== undefined) out.push({ kind: 'schema-version', address: endpoint, version });
  }

  /** Alive, serving CQL (RPC_READY) and not in a dead or shutdown state: what drivers call UP. */
  private serving(endpoint: EndpointAddress): boolean {
    const state = this.gossip.endpoints.get(endpoint)?.state;
    return state !== undefined && this.isAlive(endpoint) && state.states[AppState.RpcReady]?.value === 'true';
  }

  private updateClientStatus(endpoint: EndpointAddress): void {
    if (endpoint === this.self || !this.gossip.endpoints.has(endpoint)) return;
    const serving = this.serving(endpoint);
    if (serving === this.clientServing.has(endpoint)) return;
    if (serving) {
      this.clientServing.add(endpoint);
      this.notifier.up(endpoint, this.native(endpoint));
    } else {
      this.clientServing.delete(endpoint);
      this.notifier.down(endpoint, this.native(endpoint));
    }
  }

  private currentLoad(): number {
    const load = this.options.loadBytes?.() ?? 0;
    return Number.isFinite(load) && load >= 0 ? load : 0;
  }

  private broadcastLoad(): void {
    const load = this.currentLoad();
    if (load === this.lastLoad) return;
    this.lastLoad = load;
    this.run({ kind: 'set_local_states', states: [[AppState.Load, javaDoubleString(load)]] });
  }

  /** Refuses to start when a live node with another host id already uses this address. */
  private checkEndpointCollision(states: readonly EndpointStateEntry[]): void {
    const mine = states.find((e) => e.endpoint === this.self)?.state;
    if (mine === undefined || isDeadState(mine)) return;
    const id = hostIdOf(mine);
    if (id !== null && id !== this.options.hostId) {
      throw new MembershipError(
        `A node with address ${this.self} already exists (host id ${id}), cancelling join. Use replace_address_first_boot if you want to replace this node.`,
      );
    }
  }

  // ---- derived views -----------------------------------------------------------------------------------

  private alive(): Set<EndpointAddress> {
    if (this.aliveCache === null) {
      const alive = new Set<EndpointAddress>();
      for (const [endpoint, record] of this.gossip.endpoints) {
        if (endpoint !== this.self && record.alive && !isDeadState(record.state)) alive.add(endpoint);
      }
      this.aliveCache = alive;
    }
    return this.aliveCache;
  }

  private views(): Map<EndpointAddress, MemberView> {
    if (this.viewsCache !== null) return this.viewsCache;
    const views = new Map<EndpointAddress, MemberView>();
    const endpoints = [...this.gossip.endpoints.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const address of endpoints) {
      const isSelf = address === this.self;
      const state = this.stateOf(address);
      const saved = this.saved.get(address);
      const alive = isSelf || this.isAlive(address);
      if (Object.keys(state.states).length === 0 && saved !== undefined) {
        views.set(address, {
          address, hostId: saved.hostId, datacenter: saved.datacenter, rack: saved.rack, status: 'UNKNOWN', alive,
          rpcAddress: saved.nativeHost, rpcPort: saved.nativePort, schemaVersion: saved.schemaVersion, releaseVersion: saved.releaseVersion,
          tokens: saved.tokens, loadBytes: 0, isSelf,
        });
        continue;
      }
      views.set(address, memberViewOf({ address, state, alive, isSelf, defaultNativePort: this.options.nativePort }));
    }
    this.viewsCache = views;
    return views;
  }

  private computePeers(): NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const address of this.currentRing.members()) {
      if (address === this.self) continue;
      const info = this.currentRing.endpoint(address)!;
      const view = this.member(address);
      const saved = this.saved.get(address);
      const internode = parsePeerAddress(address);
      out.push({
        hostId: info.hostId,
        address: internode.host,
        rpcAddress: view?.rpcAddress ?? saved?.nativeHost ?? internode.host,
        rpcPort: view?.rpcPort ?? saved?.nativePort ?? this.options.nativePort,
        listenPort: internode.port,
        dataCenter: info.dc,
        rack: info.rack,
        tokens: this.currentRing.tokensOf(address),
        schemaVersion: view?.schemaVersion ?? saved?.schemaVersion ?? NIL_UUID,
        releaseVersion: view?.releaseVersion ?? saved?.releaseVersion ?? '',
      });
    }
    return out;
  }

  // ---- saved peers -----------------------------------------------------------------------------------

  private loadSavedPeers(): void {
    const { disk, systemDirectory } = this.options;
    if (disk === undefined || systemDirectory === undefined) return;
    const { peers, warning } = loadSavedPeers(disk, systemDirectory);
    if (warning !== null) this.logger.warn({}, warning);
    let ring = this.currentRing;
    for (const p of peers) {
      if (p.address === this.self || p.hostId === this.options.hostId || ring.endpointForHostId(p.hostId) !== undefined) continue;
      if (p.tokens.some((t) => ring.ownerOf(t) !== undefined)) continue;
      ring = ring.withEndpoint({ address: p.address, hostId: p.hostId, dc: p.datacenter, rack: p.rack }).withNormalTokens(p.address, p.tokens);
      this.saved.set(p.address, p);
      this.run({ kind: 'add_saved_endpoint', endpoint: p.address });
    }
    this.currentRing = ring;
    this.peersCache = null;
    this.savedJson = peersJson(this.savedPeerList());
    if (peers.length > 0) this.logger.info({ peers: this.saved.size }, 'loaded saved peers');
  }

  private savedPeerList(): SavedPeer[] {
    return this.peers().map((p) => ({
      address: endpointAddress(`${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.listenPort}`),
      hostId: p.hostId as HostId,
      datacenter: p.dataCenter,
      rack: p.rack,
      tokens: p.tokens as Token[],
      nativeHost: p.rpcAddress,
      nativePort: p.rpcPort,
      releaseVersion: p.releaseVersion,
      schemaVersion: p.schemaVersion,
    }));
  }

  /** Rewrites the saved peers file when what system.peers shows changed. */
  private maybeSavePeers(): void {
    const { disk, systemDirectory } = this.options;
    if (disk === undefined || systemDirectory === undefined || this.phase === 'created') return;
    const list = this.savedPeerList();
    const json = peersJson(list);
    if (json === this.savedJson) return;
    try {
      savePeers(disk, systemDirectory, list);
      this.savedJson = json;
    } catch (error) {
      // Only a faster restart depends on this file; gossip rebuilds the peers either way.
      this.logger.error({ error: (error as Error).message }, 'cannot save the peers file');
    }
  }
}

function peersJson(list: readonly SavedPeer[]): string {
  return JSON.stringify(list, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
}
