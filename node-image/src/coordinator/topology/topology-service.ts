// Topology operations of this node (spec 5.1-5.5): joining the ring (bootstrap with streaming,
// replace of a dead node, or NORMAL at once for seeds and auto_bootstrap: false), decommission,
// removenode of a dead peer, rebuild and cleanup. Gossip announcements go through the membership
// service; data moves through the stream service.
// Invariants: one topology operation at a time on this node; a node only announces NORMAL after
// every range it gains was streamed (bootstrap, replace); a node that left never rejoins; every
// wait is bounded (JOIN_WAIT_MS_MAX, ring delay) and every stream retries a bounded number of times.
import {
  FULL_RING, createReplicationStrategy, decodeTokens, endpointAddress, chooseBootstrapTokens, normalizeRanges,
  resolveTokenConfig, AppState,
} from '../../cluster/index.ts';
import type { EndpointAddress, HostId, ReplicationStrategy, Token, TokenMetadata, TokenRange } from '../../cluster/index.ts';
import type { Clock, Disk, Logger, Random, TimerHandle, Timers } from '../../io/index.ts';
import { pollUntil } from '../../io/index.ts';
import type { KeyspaceMetadata, SchemaSnapshot } from '../../schema/index.ts';
import type { StreamService } from '../../streaming/index.ts';
import type { MembershipService } from '../membership-service.ts';
import { planStreams, replicatedRanges, transfers } from './range-movements.ts';
import type { Transfer } from './range-movements.ts';
import { loadBootstrapRecord, markDecommissioned, saveBootstrapRecord } from './topology-files.ts';

/** A join waits at most this long for other nodes' bootstrap/leave/move to finish. */
export const JOIN_WAIT_MS_MAX = 3_600_000;
/** Poll period of bounded waits (ring info, other joins, schema agreement). */
export const TOPOLOGY_POLL_MS = 500;
/** LEFT and removed states expire from gossip after this long (Cassandra: 3 days). */
export const LEFT_EXPIRY_MS = 3 * 86_400_000;
/**
 * A decommissioned node keeps gossiping LEFT until every live peer's gossip shows it, for at most
 * max(RING_DELAY, this) unless `leftAnnounceWaitMs` says otherwise: Cassandra stays up
 * max(RING_DELAY, 2 gossip intervals) after announcing LEFT.
 */
export const LEFT_ANNOUNCE_WAIT_MS_MIN = 2 * 1000;
/** How often the LEFT announcement checks the peers' gossip. */
export const LEFT_ANNOUNCE_POLL_MS = 100;
/** Cassandra 4.x default of allocate_tokens_for_local_replication_factor. */
export const ALLOCATE_TOKENS_RF_DEFAULT = 3;

export type TopologyMode = 'STARTING' | 'JOINING' | 'NORMAL' | 'LEAVING' | 'DECOMMISSIONED';

export class TopologyError extends Error {
  override readonly name = 'TopologyError';
  /** True when the operation was refused before it changed anything. */
  readonly refused: boolean;

  constructor(message: string, refused: boolean) {
    super(message);
    this.refused = refused;
  }
}

export interface Progress {
  (update: { done: number; total: number; message: string }): void;
}

export interface TopologyServiceOptions {
  readonly membership: MembershipService;
  readonly streams: StreamService;
  readonly schema: () => SchemaSnapshot;
  readonly disk: Disk;
  readonly systemDirectory: string;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly logger: Logger;
  readonly autoBootstrap: boolean;
  /** replace_address_first_boot (ip or ip:port), null when not replacing. */
  readonly replaceAddress: string | null;
  readonly ringDelayMs: number;
  /** Bound on the LEFT announcement after a decommission; default max(ringDelayMs, LEFT_ANNOUNCE_WAIT_MS_MIN). */
  readonly leftAnnounceWaitMs?: number;
  readonly numTokens: number;
  readonly initialToken?: string;
  readonly storagePort: number;
  /** Whether this node's address is among the seeds (seeds never bootstrap). */
  readonly isSeed: () => boolean;
  /** Whether the node joined before (tokens saved). */
  readonly bootstrapped: boolean;
  /** Persists tokens and the bootstrapped flag in the node's local state. */
  readonly saveLocal: (tokens: readonly Token[], bootstrapped: boolean) => void;
}

export class TopologyService {
  private readonly o: TopologyServiceOptions;
  private readonly logger: Logger;
  private currentMode: TopologyMode = 'STARTING';
  private busy: string | null = null;
  private readonly sleeps = new Map<TimerHandle, () => void>();
  private closed = false;
  private planCounter = 0;
  /** The LEFT announcement under way (decommission streamed; peers are learning LEFT), else null. */
  private leftAnnouncing: Promise<void> | null = null;

  constructor(options: TopologyServiceOptions) {
    this.o = options;
    this.logger = options.logger.child({ component: 'topology' });
  }

  mode(): TopologyMode {
    return this.currentMode;
  }

  /** The running operation's name, or null. */
  running(): string | null {
    return this.busy;
  }

  /**
   * Resolves once a LEFT announcement under way has ended (every live peer showed LEFT, or its
   * bound passed); at once when none is. The node waits for it before it stops gossip.
   */
  leftAnnounced(): Promise<void> {
    return this.leftAnnouncing ?? Promise.resolve();
  }

  close(): void {
    this.closed = true;
    for (const [handle, resolve] of this.sleeps) {
      handle.cancel();
      resolve();
    }
    this.sleeps.clear();
  }

  // ---- joining --------------------------------------------------------------------------------------

  /**
   * Makes this node a NORMAL ring member after membership.start(): a node that joined before is
   * NORMAL already; a replacement streams the dead node's ranges; a new non-seed node with
   * auto_bootstrap bootstraps; seeds and auto_bootstrap: false choose tokens and go NORMAL.
   */
  async join(progress: Progress = () => {}): Promise<void> {
    const m = this.o.membership;
    if (m.joinStatus() === 'NORMAL') {
      this.currentMode = 'NORMAL';
      return;
    }
    this.busy = 'join';
    try {
      if (this.o.replaceAddress !== null) await this.replace(this.o.replaceAddress, progress);
      else if (this.o.autoBootstrap && !this.o.isSeed()) await this.bootstrap(progress);
      else await this.joinWithoutStreaming();
    } finally {
      this.busy = null;
    }
  }

  private async joinWithoutStreaming(): Promise<void> {
    await this.waitForRingInfo();
    const saved = loadBootstrapRecord(this.o.disk, this.o.systemDirectory);
    const tokens = saved !== null && saved.tokens.length > 0 ? saved.tokens : this.chooseTokens();
    this.o.membership.announceNormal(tokens);
    this.completeJoin(tokens);
    this.logger.info({ tokens: tokens.length, seed: this.o.isSeed(), autoBootstrap: this.o.autoBootstrap }, 'joined without streaming');
  }

  private async bootstrap(progress: Progress): Promise<void> {
    const m = this.o.membership;
    this.currentMode = 'JOINING';
    await this.waitForRingInfo();
    await this.waitForNoRangeMovements();
    const saved = loadBootstrapRecord(this.o.disk, this.o.systemDirectory);
    const tokens = saved !== null && saved.state === 'IN_PROGRESS' && saved.tokens.length > 0 ? saved.tokens : this.chooseTokens();
    saveBootstrapRecord(this.o.disk, this.o.systemDirectory, { state: 'IN_PROGRESS', tokens });
    m.announceBootstrap(tokens);
    progress({ done: 0, total: 1, message: `waiting ${this.o.ringDelayMs} ms (ring delay) for every node to see the bootstrap` });
    await this.sleep(this.o.ringDelayMs);
    const before = m.ring().onlyTokenMap();
    const after = before.withNormalTokens(m.self, tokens);
    const planId = this.newPlanId('bootstrap');
    await this.streamTransfers({
      planId, operation: 'BOOTSTRAP', before, after, strict: true, receiverIsSelf: true, progress,
    });
    m.announceNormal(tokens);
    this.completeJoin(tokens);
  }

  private async replace(address: string, progress: Progress): Promise<void> {
    const m = this.o.membership;
    if (this.o.bootstrapped) {
      this.logger.info({ address }, 'replace_address_first_boot ignored: this node has joined before');
      await this.joinWithoutStreaming();
      return;
    }
    const target = endpointAddress(/:\d+$/.test(address) ? address : `${address}:${this.o.storagePort}`);
    if (target === m.self) throw new TopologyError('Cannot replace a node with the same address yet (use a new address)', true);
    this.currentMode = 'JOINING';
    const entry = m.shadowRoundStates().find((e) => e.endpoint === target);
    const tokensValue = entry?.state.states[AppState.Tokens]?.value;
    if (tokensValue === undefined) throw new TopologyError(`Cannot replace_address ${address} because it doesn't exist in gossip`, true);
    const tokens = decodeTokens(tokensValue);
    await this.waitForRingInfo();
    if (m.isAlive(target)) throw new TopologyError(`Cannot replace a live node ${address}`, true);
    m.announceBootstrap(tokens, target);
    progress({ done: 0, total: 1, message: `replacing ${target}: waiting ${this.o.ringDelayMs} ms (ring delay)` });
    await this.sleep(this.o.ringDelayMs);
    const before = m.ring().onlyTokenMap();
    const after = before.withNormalTokens(m.self, tokens);
    // From every live replica: a row a QUORUM write left on the dead node and only one survivor is
    // then on the replacement too (one source could be the replica that missed it).
    await this.streamTransfers({
      planId: this.newPlanId('replace'), operation: 'REPLACE', before, after, strict: false, receiverIsSelf: true, progress,
      excluded: new Set([target]), allSources: true,
    });
    m.announceNormal(tokens);
    m.replacedEndpoint(target);
    this.completeJoin(tokens);
    this.logger.info({ replaced: target, tokens: tokens.length }, 'replace finished');
  }

  private completeJoin(tokens: readonly Token[]): void {
    saveBootstrapRecord(this.o.disk, this.o.systemDirectory, { state: 'COMPLETED', tokens });
    this.o.saveLocal(tokens, true);
    this.currentMode = 'NORMAL';
  }

  private chooseTokens(): Token[] {
    const m = this.o.membership;
    const config = resolveTokenConfig({
      numTokens: this.o.numTokens, allocateForLocalReplicationFactor: ALLOCATE_TOKENS_RF_DEFAULT,
      ...(this.o.initialToken === undefined ? {} : { initialToken: this.o.initialToken }),
    });
    const chosen = chooseBootstrapTokens({ config, metadata: m.ring().onlyTokenMap(), endpoint: m.self, random: this.o.random });
    if (chosen.warning !== undefined) this.logger.warn({}, chosen.warning);
    this.logger.info({ source: chosen.source, tokens: chosen.tokens.length, ringMembers: m.ring().onlyTokenMap().members().length }, 'tokens chosen');
    return [...chosen.tokens];
  }

  /**
   * Waits (at most the ring delay) until the ring holds every NORMAL node the seeds told of, and
   * every node known to be starting (no status yet) that comes before this one: seeds before
   * other nodes, then by address. In a cluster whose nodes all start at once, the nodes then
   * choose their tokens one after another, each against the tokens of those before it, instead of
   * all against an empty ring, where blind choices can leave a node a sliver of the ring. The
   * order is total, so no two nodes wait for each other; the ring delay bounds the wait for a
   * node that never announces. Starting nodes are the status-less entries of the shadow round,
   * or the seeds when every seed answered from a shadow round of its own.
   */
  private async waitForRingInfo(): Promise<void> {
    const m = this.o.membership;
    const seeds = new Set(m.seedList());
    const rank = (e: EndpointAddress): string => `${seeds.has(e) ? 0 : 1}${e}`;
    const before = (e: EndpointAddress): boolean => e !== m.self && rank(e) < rank(m.self);
    const expected = new Set<EndpointAddress>(m.shadowRoundStartingSeeds().filter(before));
    for (const e of m.shadowRoundStates()) {
      if (e.endpoint === m.self) continue;
      const status = e.state.states[AppState.StatusWithPort]?.value ?? e.state.states[AppState.Status]?.value ?? '';
      if (status.startsWith('NORMAL') ? e.state.states[AppState.Tokens] !== undefined : status === '' && before(e.endpoint)) expected.add(e.endpoint);
    }
    const deadline = this.o.clock.monotonicMs() + this.o.ringDelayMs;
    while (this.o.clock.monotonicMs() < deadline && !this.closed) {
      if ([...expected].every((e) => m.ring().isMember(e)) && this.schemaSettled()) return;
      await this.sleep(TOPOLOGY_POLL_MS);
    }
    const missing = [...expected].filter((e) => !m.ring().isMember(e));
    this.logger.warn({ missing }, 'ring information or schema agreement incomplete after the ring delay; continuing');
  }

  /**
   * Whether this node has the cluster's schema: every live peer gossips our version, or no two
   * live peers share one (a cluster that never ran DDL: each node keeps its own initial version,
   * while schema pushes make the nodes of a cluster that did agree). One peer alone proves nothing.
   */
  private schemaSettled(): boolean {
    const mine = this.o.schema().version;
    const versions = this.o.membership.members().filter((v) => !v.isSelf && v.alive && v.schemaVersion !== null).map((v) => v.schemaVersion!);
    if (versions.every((v) => v === mine)) return true;
    return versions.length >= 2 && new Set(versions).size === versions.length && !versions.includes(mine);
  }

  /** Cassandra's consistent.rangemovement: no join while another node joins, leaves or moves. */
  private async waitForNoRangeMovements(): Promise<void> {
    const m = this.o.membership;
    const deadline = this.o.clock.monotonicMs() + JOIN_WAIT_MS_MAX;
    let logged = false;
    while (!this.closed) {
      const reason = rangeMovementReason(m.ring(), m.self);
      if (reason === null) return;
      if (this.o.clock.monotonicMs() > deadline) throw new TopologyError(`${reason}; gave up after ${JOIN_WAIT_MS_MAX} ms`, true);
      if (!logged) this.logger.warn({ reason }, 'waiting to bootstrap: other nodes are changing the ring');
      logged = true;
      await this.sleep(TOPOLOGY_POLL_MS * 2);
    }
    throw new TopologyError('stopped while waiting to bootstrap', true);
  }

  // ---- decommission -------------------------------------------------------------------------------------

  /** Throws a refused TopologyError when decommission may not start (spec 5.2 step 1). */
  checkDecommission(force: boolean): void {
    const m = this.o.membership;
    if (this.busy !== null) throw new TopologyError(`${this.busy} is running on this node`, true);
    if (this.currentMode !== 'NORMAL') throw new TopologyError(`the node is ${this.currentMode}, not NORMAL`, true);
    const ring = m.ring().onlyTokenMap();
    if (ring.members().length <= 1) throw new TopologyError('no other normal nodes in the cluster: the last node cannot be decommissioned', true);
    const reason = rangeMovementReason(m.ring(), m.self);
    if (reason !== null) throw new TopologyError(reason, true);
    if (force) return;
    const dc = m.localDatacenter;
    const nodesInDc = ring.topology().endpointsByDc.get(dc)?.length ?? 0;
    for (const ks of this.replicatedKeyspaces()) {
      const strategy = this.strategyOf(ks);
      const rf = strategy.replicationFactorIn(dc, ring);
      if (rf > nodesInDc - 1) {
        throw new TopologyError(
          `Not enough live nodes to maintain replication factor in keyspace ${ks.name} (RF = ${rf}, N = ${nodesInDc}). Perform a forceful decommission to ignore.`,
          true,
        );
      }
    }
  }

  /** LEAVING, stream every range to its new owners, LEFT. The caller stops the node afterwards. */
  async decommission(options: { force: boolean; progress: Progress }): Promise<{ streamedBytes: number; ranges: number }> {
    this.checkDecommission(options.force);
    const m = this.o.membership;
    this.busy = 'decommission';
    try {
      this.currentMode = 'LEAVING';
      m.announceLeaving();
      options.progress({ done: 0, total: 1, message: `LEAVING: waiting ${this.o.ringDelayMs} ms (ring delay)` });
      await this.sleep(this.o.ringDelayMs);
      const before = m.ring().onlyTokenMap();
      const after = before.withoutEndpoint(m.self);
      const result = await this.streamTransfers({
        planId: this.newPlanId('decommission'), operation: 'DECOMMISSION', before, after, strict: false, receiverIsSelf: false,
        progress: options.progress, forcedSource: m.self,
      });
      m.announceLeft(this.o.clock.nowMs() + LEFT_EXPIRY_MS);
      markDecommissioned(this.o.disk, this.o.systemDirectory, this.o.clock.nowMs());
      this.leftAnnouncing = this.announceLeft(options.progress);
      await this.leftAnnouncing;
      this.currentMode = 'DECOMMISSIONED';
      this.logger.info(result, 'decommissioned');
      return result;
    } catch (error) {
      // Still a member: peers keep it LEAVING until it restarts (Cassandra behaves the same).
      this.logger.error({ error: (error as Error).message }, 'decommission failed');
      throw error;
    } finally {
      this.busy = null;
    }
  }

  /**
   * Keeps gossiping LEFT (gossip runs on its own) until every live peer's gossip shows it, at most
   * leftAnnounceWaitMs; not cut short by close(), so a SIGTERM in this window waits for it.
   */
  private async announceLeft(progress: Progress): Promise<void> {
    const m = this.o.membership;
    const waitMs = this.o.leftAnnounceWaitMs ?? Math.max(this.o.ringDelayMs, LEFT_ANNOUNCE_WAIT_MS_MIN);
    progress({ done: 0, total: 1, message: `LEFT: announcing for at most ${waitMs} ms, until every live peer shows it` });
    let waiting = m.peersNotShowingLeft();
    const { elapsedMs } = await pollUntil(this.o, { pollMs: LEFT_ANNOUNCE_POLL_MS, timeoutMs: waitMs }, () => {
      waiting = m.peersNotShowingLeft();
      return waiting.length === 0;
    });
    if (waiting.length > 0) this.logger.warn({ waiting, elapsedMs }, 'LEFT: some live peers have not shown LEFT yet; stopping anyway');
    else this.logger.info({ elapsedMs }, 'LEFT: every live peer has seen it');
  }

  // ---- removenode --------------------------------------------------------------------------------------

  checkRemoveNode(hostId: string): EndpointAddress {
    const m = this.o.membership;
    if (this.busy !== null) throw new TopologyError(`${this.busy} is running on this node`, true);
    const endpoint = m.addressOf(hostId.toLowerCase() as HostId);
    if (endpoint === null || !m.ring().isMember(endpoint)) throw new TopologyError(`Host ID not found: ${hostId}`, true);
    if (endpoint === m.self) throw new TopologyError('Cannot remove self', true);
    if (m.isAlive(endpoint)) throw new TopologyError(`Node ${endpoint} is alive and owns this ID. Use decommission command to remove it from the ring`, true);
    return endpoint;
  }

  /** Streams a dead node's ranges from the surviving replicas to their new owners, then removes it. */
  async removeNode(options: { hostId: string; force: boolean; progress: Progress }): Promise<{ streamedBytes: number; ranges: number }> {
    const endpoint = this.checkRemoveNode(options.hostId);
    const m = this.o.membership;
    const id = options.hostId.toLowerCase() as HostId;
    this.busy = 'removenode';
    try {
      const before = m.ring().onlyTokenMap();
      const after = before.withoutEndpoint(endpoint);
      m.advertiseRemoving(endpoint, id);
      let result = { streamedBytes: 0, ranges: 0 };
      if (!options.force) {
        result = await this.streamTransfers({
          planId: this.newPlanId('removenode'), operation: 'REMOVENODE', before, after, strict: false, receiverIsSelf: false,
          progress: options.progress, excluded: new Set([endpoint]),
        });
      }
      m.advertiseRemoved(endpoint, id);
      this.logger.info({ endpoint, hostId: id, ...result }, 'node removed');
      return result;
    } finally {
      this.busy = null;
    }
  }

  // ---- rebuild -----------------------------------------------------------------------------------------

  /** Streams every range this node replicates from other replicas (of `sourceDatacenter` when given). */
  async rebuild(options: { sourceDatacenter: string | undefined; keyspace: string | undefined; progress: Progress }): Promise<{ streamedBytes: number; ranges: number }> {
    const m = this.o.membership;
    if (this.busy !== null) throw new TopologyError(`${this.busy} is running on this node`, true);
    const ring = m.ring().onlyTokenMap();
    if (options.sourceDatacenter !== undefined && !ring.topology().endpointsByDc.has(options.sourceDatacenter)) {
      throw new TopologyError(`Provided datacenter ${options.sourceDatacenter} is not a valid datacenter, available datacenters are: ${[...ring.topology().endpointsByDc.keys()].join(', ')}`, true);
    }
    const keyspaces = this.replicatedKeyspaces().filter((k) => options.keyspace === undefined || k.name === options.keyspace);
    if (options.keyspace !== undefined && keyspaces.length === 0) throw new TopologyError(`unknown keyspace ${options.keyspace}`, true);
    this.busy = 'rebuild';
    try {
      const planId = this.newPlanId('rebuild');
      const inDc = (e: EndpointAddress): boolean => options.sourceDatacenter === undefined || ring.endpoint(e)?.dc === options.sourceDatacenter;
      let streamedBytes = 0;
      let ranges = 0;
      for (let i = 0; i < keyspaces.length; i++) {
        const ks = keyspaces[i]!;
        const list = replicatedRanges(this.strategyOf(ks), ring, m.self);
        const plan = planStreams(list, { usable: (s) => inDc(s) && m.isAlive(s), strict: false });
        // Ranges no other replica (of the source DC) holds have nothing to stream; ranges whose
        // replicas there are all down cannot be rebuilt.
        const blocked = plan.unsourced.filter((t) => t.sources.some(inDc));
        if (blocked.length > 0) {
          throw new TopologyError(`rebuild of ${ks.name}: no live source${options.sourceDatacenter === undefined ? '' : ` in ${options.sourceDatacenter}`} for ${blocked.length} range(s)`, false);
        }
        if (plan.unsourced.length > 0) this.logger.info({ keyspace: ks.name, ranges: plan.unsourced.length }, 'rebuild: ranges with no other replica in the source datacenter are skipped');
        for (const s of plan.streams) {
          options.progress({ done: i, total: keyspaces.length, message: `rebuilding ${ks.name}: ${s.ranges.length} range(s) from ${s.source}` });
          const r = await this.o.streams.pull({ planId, operation: 'REBUILD', source: s.source, keyspace: ks.name, tables: [], ranges: s.ranges });
          streamedBytes += r.bytes;
          ranges += s.ranges.length;
        }
      }
      return { streamedBytes, ranges };
    } finally {
      this.busy = null;
    }
  }

  /** Ranges this node replicates in a keyspace plus those it is pending for (what cleanup keeps). */
  ownedRanges(keyspace: string): TokenRange[] {
    const m = this.o.membership;
    const ks = this.o.schema().keyspaces.get(keyspace);
    if (ks === undefined) return [];
    if (isLocalKeyspace(ks)) return [FULL_RING];
    const strategy = this.strategyOf(ks);
    const ring = m.ring();
    const natural = replicatedRanges(strategy, ring.onlyTokenMap(), m.self).map((t) => t.range);
    const future = ring.bootstrappingEndpoints().size > 0 || ring.leavingEndpoints().size > 0
      ? transfers(strategy, ring.onlyTokenMap(), pendingRing(ring)).filter((t) => t.receiver === m.self).map((t) => t.range)
      : [];
    return normalizeRanges([...natural, ...future]);
  }

  // ---- shared ------------------------------------------------------------------------------------------

  /** Keyspaces whose data lives on several nodes (not LocalStrategy). */
  replicatedKeyspaces(): KeyspaceMetadata[] {
    return [...this.o.schema().keyspaces.values()].filter((k) => !isLocalKeyspace(k));
  }

  private strategyOf(ks: KeyspaceMetadata): ReplicationStrategy {
    return createReplicationStrategy(ks.replication, { localAddress: this.o.membership.self });
  }

  private newPlanId(kind: string): string {
    this.planCounter++;
    return `${kind}-${this.o.membership.self}-${this.o.clock.nowMs()}-${this.planCounter}`;
  }

  /**
   * Streams every (receiver, range) of the ring change before -> after, keyspace by keyspace.
   * receiverIsSelf: only this node's gains, pulled by this node. Otherwise each receiver is asked to
   * pull (SyncRequest) from `forcedSource` or the first usable candidate.
   */
  private async streamTransfers(options: {
    planId: string; operation: string; before: TokenMetadata; after: TokenMetadata; strict: boolean; receiverIsSelf: boolean;
    progress: Progress; forcedSource?: EndpointAddress; excluded?: ReadonlySet<EndpointAddress>; allSources?: boolean;
  }): Promise<{ streamedBytes: number; ranges: number }> {
    const m = this.o.membership;
    const keyspaces = this.replicatedKeyspaces();
    let streamedBytes = 0;
    let ranges = 0;
    for (let i = 0; i < keyspaces.length; i++) {
      if (this.closed) throw new TopologyError('stopped', false);
      const ks = keyspaces[i]!;
      let list: Transfer[] = transfers(this.strategyOf(ks), options.before, options.after);
      if (options.receiverIsSelf) list = list.filter((t) => t.receiver === m.self);
      if (options.forcedSource !== undefined) {
        const source = options.forcedSource;
        list = list.filter((t) => t.sources.includes(source)).map((t) => ({ ...t, sources: [source] }));
      }
      const excluded = options.excluded ?? new Set<EndpointAddress>();
      const usable = (s: EndpointAddress): boolean => !excluded.has(s) && m.isAlive(s);
      let plan = planStreams(list, { usable, strict: options.strict, allSources: options.allSources === true });
      if (plan.unsourced.length > 0 && options.strict) {
        const down = [...new Set(plan.unsourced.map((t) => t.sources[0]))].join(', ');
        throw new TopologyError(`A node required to move the data consistently is down (${down}); ${plan.unsourced.length} range(s) of ${ks.name} have no source`, false);
      }
      if (plan.unsourced.length > 0) {
        this.logger.warn({ keyspace: ks.name, ranges: plan.unsourced.length }, 'some ranges have no live source; they are skipped (repair later)');
        plan = { ...plan, unsourced: [] };
      }
      for (const s of plan.streams) {
        options.progress({
          done: i, total: keyspaces.length,
          message: `${options.operation.toLowerCase()}: ${ks.name}, ${s.ranges.length} range(s) ${s.source} -> ${s.receiver}`,
        });
        const request = { planId: options.planId, operation: options.operation, source: s.source, keyspace: ks.name, tables: [], ranges: s.ranges };
        const r = s.receiver === m.self
          ? await this.o.streams.pull({ ...request, source: s.source })
          : await this.o.streams.requestSync(s.receiver, request);
        streamedBytes += r.bytes;
        ranges += s.ranges.length;
      }
    }
    options.progress({ done: keyspaces.length, total: keyspaces.length, message: `${options.operation.toLowerCase()}: streaming done` });
    return { streamedBytes, ranges };
  }

  private sleep(ms: number): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const handle = this.o.timers.setTimeout(() => {
        this.sleeps.delete(handle);
        resolve();
      }, ms);
      this.sleeps.set(handle, resolve);
    });
  }
}

function isLocalKeyspace(ks: KeyspaceMetadata): boolean {
  return ks.replication.class.endsWith('LocalStrategy');
}

/** Why a range movement may not start now, or null. */
export function rangeMovementReason(ring: TokenMetadata, self: EndpointAddress): string | null {
  const others = [...ring.bootstrappingEndpoints().keys()].filter((e) => e !== self);
  if (others.length > 0) return `Other bootstrapping/leaving/moving nodes detected, cannot bootstrap while consistent range movement is on (joining: ${others.join(', ')})`;
  const leaving = [...ring.leavingEndpoints()].filter((e) => e !== self);
  if (leaving.length > 0) return `Other bootstrapping/leaving/moving nodes detected, cannot bootstrap while consistent range movement is on (leaving: ${leaving.join(', ')})`;
  if (ring.movingEndpoints().size > 0) return 'Other bootstrapping/leaving/moving nodes detected, cannot bootstrap while consistent range movement is on (moving)';
  return null;
}

/** The ring once pending operations finished: bootstrapping nodes normal, leaving nodes gone. */
function pendingRing(ring: TokenMetadata): TokenMetadata {
  let next = ring.onlyTokenMap();
  for (const e of ring.leavingEndpoints()) next = next.withoutEndpoint(e);
  for (const [e, tokens] of ring.bootstrappingEndpoints()) next = next.withNormalTokens(e, tokens);
  return next;
}

