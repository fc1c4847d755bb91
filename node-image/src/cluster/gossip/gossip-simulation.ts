// A deterministic driver for tests: N gossipers in one process on a virtual clock, a seeded random
// and a lossy network that delays (and so reorders) messages. It plays the part the real driver
// (messaging + timers) will play: ticks every interval, delivers sends, records events as a trace.
// Everything derives from one seed, so a run replays exactly. Test and benchmark use only.
import { MinHeap, SeededRandom, assert, assertNever, timeThenSeq } from '../../lib/index.ts';
import { type EndpointAddress, type HostId, endpointAddress, hostId } from '../endpoint.ts';
import { type Token, normalizeRandomToken } from '../token-range.ts';
import { AppState, type ApplicationState } from './application-state.ts';
import { type EndpointState, gossipStatus, maxVersion } from './endpoint-state.ts';
import type { GossipDigest, GossipMessage } from './gossip-message.ts';
import {
  type GossipEvent, type GossipInput, type GossipOutput, type GossiperState, createGossiper, gossipStep, gossiperConfig,
  nextGeneration,
} from './gossiper.ts';
import { meanIntervalMs } from '../failure-detector/phi-accrual-detector.ts';
import { encodeTokens, statusNormal } from './versioned-value.ts';

export interface SimulationOptions {
  readonly nodeCount: number;
  /** Names of the seed nodes, e.g. ['n1']. */
  readonly seedNames: readonly string[];
  readonly seed: number;
  /** Probability that a message is lost, 0..1. */
  readonly lossRate?: number;
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Wall-clock time of the simulation start (generations derive from it). */
  readonly startEpochMs?: number;
  readonly clusterName?: string;
  readonly ringDelayMs?: number;
  /** Also trace every message sent. */
  readonly traceMessages?: boolean;
  readonly tokensPerNode?: number;
}

/** Upper bound on queue events processed by one run call (guards against runaway loops). */
export const SIMULATION_EVENTS_PER_RUN_MAX = 5_000_000;
export const SIMULATION_NODES_MAX = 64;

interface SimNode {
  readonly name: string;
  readonly address: EndpointAddress;
  readonly hostId: HostId;
  readonly tokens: readonly Token[];
  readonly random: SeededRandom;
  state: GossiperState | null;
  storedGeneration: number | null;
  /** Bumped on every start so ticks scheduled for a previous incarnation are dropped. */
  incarnation: number;
}

type QueueItem =
  | { readonly atMs: number; readonly seq: number; readonly kind: 'tick'; readonly node: string; readonly incarnation: number }
  | { readonly atMs: number; readonly seq: number; readonly kind: 'deliver'; readonly from: EndpointAddress; readonly to: EndpointAddress; readonly message: GossipMessage };

export class GossipSimulation {
  readonly startEpochMs: number;
  nowMs: number;
  readonly trace: string[] = [];
  traceMessages: boolean;
  private readonly options: SimulationOptions;
  private readonly nodes = new Map<string, SimNode>();
  private readonly byAddress = new Map<EndpointAddress, SimNode>();
  private readonly network: SeededRandom;
  /** Min-heap on (atMs, seq): deterministic order for simultaneous events. */
  private readonly queue = new MinHeap<QueueItem>(timeThenSeq);
  private readonly blocked = new Set<string>();
  private seq = 0;

  constructor(options: SimulationOptions) {
    assert(options.nodeCount >= 1 && options.nodeCount <= SIMULATION_NODES_MAX, `nodeCount must be 1..${SIMULATION_NODES_MAX}`);
    this.options = options;
    this.startEpochMs = options.startEpochMs ?? 1_700_000_000_000;
    this.nowMs = this.startEpochMs;
    this.traceMessages = options.traceMessages ?? false;
    const root = new SeededRandom(options.seed);
    this.network = root.fork();
    for (let i = 1; i <= options.nodeCount; i++) {
      const random = root.fork();
      const name = `n${i}`;
      const tokens: Token[] = [];
      for (let k = 0; k < (options.tokensPerNode ?? 4); k++) {
        tokens.push(normalizeRandomToken((BigInt(random.nextUint32()) << 32n) | BigInt(random.nextUint32())));
      }
      tokens.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const node: SimNode = {
        name, address: endpointAddress(`127.0.0.${i}:7000`), hostId: hostId(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
        tokens, random, state: null, storedGeneration: null, incarnation: 0,
      };
      this.nodes.set(name, node);
      this.byAddress.set(node.address, node);
    }
  }

  names(): string[] {
    return [...this.nodes.keys()];
  }

  addressOf(name: string): EndpointAddress {
    return this.node(name).address;
  }

  nameOf(address: EndpointAddress): string {
    return this.byAddress.get(address)?.name ?? address;
  }

  stateOf(name: string): GossiperState | null {
    return this.node(name).state;
  }

  isUp(name: string): boolean {
    return this.node(name).state !== null;
  }

  private node(name: string): SimNode {
    const n = this.nodes.get(name);
    assert(n !== undefined, `no node ${name}`);
    return n;
  }

  private time(): string {
    return `t=${((this.nowMs - this.startEpochMs) / 1000).toFixed(3)}`;
  }

  /** Starts (or restarts) a node's process: new generation, its states set, gossip started. */
  start(name: string, options: { shadowRound?: boolean } = {}): void {
    const n = this.node(name);
    if (n.state !== null) this.kill(name);
    const generation = nextGeneration(n.storedGeneration, this.nowMs);
    n.storedGeneration = generation;
    n.incarnation++;
    const seeds = this.options.seedNames.map((s) => this.node(s).address);
    const config = gossiperConfig({
      self: n.address, clusterName: this.options.clusterName ?? 'sim', seeds, ...(this.options.ringDelayMs === undefined ? {} : { ringDelayMs: this.options.ringDelayMs }),
    });
    n.state = createGossiper(config, generation, this.nowMs);
    this.trace.push(`${this.time()} ${name}: start gen=${generation}`);
    this.apply(n, {
      kind: 'set_local_states',
      states: [
        [AppState.HostId, n.hostId], [AppState.Dc, 'dc1'], [AppState.Rack, 'rack1'], [AppState.Tokens, encodeTokens(n.tokens)],
        [AppState.StatusWithPort, statusNormal(n.tokens)],
      ],
    });
    if (options.shadowRound === true) this.apply(n, { kind: 'shadow_round' });
    else this.apply(n, { kind: 'start' });
    const phaseMs = n.random.nextUint32() % n.state.config.intervalMs;
    this.schedule({ atMs: this.nowMs + phaseMs + 1, seq: this.seq++, kind: 'tick', node: name, incarnation: n.incarnation });
  }

  /** Starts gossip on a node that finished a shadow round. */
  startGossip(name: string): void {
    this.apply(this.node(name), { kind: 'start' });
  }

  /** The process dies silently (kill -9): no more ticks, messages to it are lost. */
  kill(name: string): void {
    const n = this.node(name);
    if (n.state === null) return;
    n.state = null;
    this.trace.push(`${this.time()} ${name}: killed`);
  }

  /** Graceful shutdown: announce to live peers, then stop the process. */
  shutdown(name: string): void {
    const n = this.node(name);
    if (n.state === null) return;
    this.apply(n, { kind: 'shutdown' });
    n.state = null;
    this.trace.push(`${this.time()} ${name}: stopped`);
  }

  setLocalState(name: string, key: ApplicationState, value: string): void {
    this.apply(this.node(name), { kind: 'set_local_states', states: [[key, value]] });
  }

  input(name: string, input: GossipInput): void {
    this.apply(this.node(name), input);
  }

  /** Drops every message between two nodes (both directions) until unblocked. */
  block(a: string, b: string): void {
    this.blocked.add(`${a}|${b}`).add(`${b}|${a}`);
  }

  unblock(a: string, b: string): void {
    this.blocked.delete(`${a}|${b}`);
    this.blocked.delete(`${b}|${a}`);
  }

  /** Processes queued events up to now + durationMs. */
  run(durationMs: number): void {
    const endMs = this.nowMs + durationMs;
    let processed = 0;
    for (;;) {
      const next = this.queue.peek();
      if (next === undefined || next.atMs > endMs) break;
      assert(++processed <= SIMULATION_EVENTS_PER_RUN_MAX, 'simulation event budget exceeded');
      this.queue.pop();
      this.nowMs = next.atMs;
      if (next.kind === 'tick') {
        const n = this.node(next.node);
        if (n.state === null || n.incarnation !== next.incarnation) continue;
        this.apply(n, { kind: 'tick' });
        this.schedule({ atMs: this.nowMs + n.state.config.intervalMs, seq: this.seq++, kind: 'tick', node: n.name, incarnation: n.incarnation });
      } else {
        const n = this.byAddress.get(next.to);
        if (n === undefined || n.state === null) continue;
        this.apply(n, { kind: 'receive', from: next.from, message: next.message });
      }
    }
    this.nowMs = endMs;
  }

  private schedule(item: QueueItem): void {
    this.queue.push(item);
  }

  private apply(n: SimNode, input: GossipInput): void {
    assert(n.state !== null, `${n.name} is down`);
    const result = gossipStep(n.state, input, this.nowMs, n.random);
    n.state = result.state;
    for (const output of result.outputs) this.perform(n, output);
  }

  private perform(n: SimNode, output: GossipOutput): void {
    if (output.kind === 'event') {
      const line = this.describeEvent(n, output.event);
      if (line !== null) this.trace.push(`${this.time()} ${n.name}: ${line}`);
      return;
    }
    const to = this.byAddress.get(output.to);
    const lost = to === undefined || to.state === null || this.blocked.has(`${n.name}|${to.name}`)
      || this.network.nextFloat() < (this.options.lossRate ?? 0);
    if (this.traceMessages) {
      this.trace.push(`${this.time()} ${n.name} -> ${this.nameOf(output.to)} ${this.describeMessage(output.message)}${lost ? ' (lost)' : ''}`);
    }
    if (lost) return;
    const min = this.options.minDelayMs ?? 1;
    const max = this.options.maxDelayMs ?? min;
    const delayMs = min + (max > min ? this.network.nextUint32() % (max - min + 1) : 0);
    this.schedule({ atMs: this.nowMs + delayMs, seq: this.seq++, kind: 'deliver', from: n.address, to: output.to, message: output.message });
  }

  private describeEvent(n: SimNode, e: GossipEvent): string | null {
    switch (e.type) {
      case 'join': return `join ${this.nameOf(e.endpoint)} gen=${e.state.heartBeat.generation} status=${gossipStatus(e.state) || '-'}`;
      case 'alive': return `up ${this.nameOf(e.endpoint)}`;
      case 'dead': return `down ${this.nameOf(e.endpoint)}`;
      case 'restart': return `restart ${this.nameOf(e.endpoint)} (was gen=${e.previous.heartBeat.generation})`;
      case 'remove': return `remove ${this.nameOf(e.endpoint)}`;
      case 'change':
        if (e.endpoint === n.address) return null;
        return `change ${this.nameOf(e.endpoint)} ${e.key}=${e.key === AppState.Tokens ? '<tokens>' : e.value.value} v${e.value.version}`;
      case 'shadow_round_done': return `shadow round done with ${e.states.length} states`;
      case 'shadow_round_failed': return `shadow round failed: ${e.reason}`;
      case 'warning': return `warning: ${e.message}`;
      default: return assertNever(e, 'gossip event');
    }
  }

  private describeDigests(digests: readonly GossipDigest[]): string {
    return `[${digests.map((d) => `${this.nameOf(d.endpoint)}:${d.generation - Math.floor(this.startEpochMs / 1000)}:${d.maxVersion}`).join(' ')}]`;
  }

  private describeStates(states: ReadonlyArray<{ endpoint: EndpointAddress; state: EndpointState }>): string {
    return `[${states.map((s) => `${this.nameOf(s.endpoint)}:${s.state.heartBeat.generation - Math.floor(this.startEpochMs / 1000)}:${maxVersion(s.state)}`).join(' ')}]`;
  }

  describeMessage(m: GossipMessage): string {
    switch (m.type) {
      case 'SYN': return `SYN ${this.describeDigests(m.digests)}`;
      case 'ACK': return `ACK requests=${this.describeDigests(m.digests)} states=${this.describeStates(m.states)}`;
      case 'ACK2': return `ACK2 states=${this.describeStates(m.states)}`;
      case 'SHUTDOWN': return 'SHUTDOWN';
      case 'ECHO_REQ': return 'ECHO_REQ';
      case 'ECHO_RSP': return 'ECHO_RSP';
      default: return assertNever(m, 'gossip message');
    }
  }

  /** One line per endpoint a node knows: generation offset, heartbeat, status, liveness. */
  view(name: string): string[] {
    const s = this.node(name).state;
    if (s === null) return [`${name} is down`];
    const base = Math.floor(this.startEpochMs / 1000);
    return [...s.endpoints.entries()]
      .sort(([a], [b]) => (this.nameOf(a) < this.nameOf(b) ? -1 : 1))
      .map(([ep, r]) => {
        const who = this.nameOf(ep);
        // up/down: in the live/unreachable sets; removed: in neither after removeEndpoint;
        // pending: learned, ECHO not answered yet.
        const liveness = ep === s.config.self ? 'self' : s.live.has(ep) ? 'up' : s.unreachable.has(ep) ? 'down'
          : s.quarantine.has(ep) || r.alive ? 'removed' : 'pending';
        const quarantined = s.quarantine.has(ep) ? ' quarantined' : '';
        const window = s.failureDetector.windows.get(ep);
        const mean = window === undefined ? '' : ` fd-mean=${(meanIntervalMs(window) / 1000).toFixed(2)}s`;
        return `${who} gen=+${r.state.heartBeat.generation - base} hb=${r.state.heartBeat.version} max=${maxVersion(r.state)} status=${gossipStatus(r.state) || '-'} ${liveness}${quarantined}${mean}`;
      });
  }
}
