// Test and simulator support: MessagingService over an in-memory hub, pure and deterministic. Every
// message (request, one-way, response) is delivered by the injected timers after a latency drawn
// from the injected Random; faults are injected per message: drop with a probability (globally or
// per link), extra delay, partitions between groups of nodes, nodes down, and arbitrary rules
// (`addRule`) that drop or delay chosen messages. Failures cross the hub encoded exactly as the TCP
// transport encodes them, so a handler's CqlError reaches the requester with its code and fields.
// Invariants: every request settles exactly once (response, Failure or timeout); nothing is
// delivered to or from a node that is down; handlers never run re-entrantly inside send/request.
import type { Random, TimerHandle, Timers } from '../../io/index.ts';
import { AssertionError, assert } from '../../lib/index.ts';
import { MessagingError, decodeFailure, encodeFailure, verbName } from '../../messaging/index.ts';
import type { MessagingService, PeerAddress, VerbHandler, VerbValue } from '../../messaging/index.ts';

/** Requests awaiting a response per service; beyond it requests fail with MSG_ERR_OVERLOADED. */
export const MEMORY_PENDING_REQUESTS_MAX = 100_000;

export type MessageKind = 'request' | 'one-way' | 'response' | 'failure';

/** A message in flight, as fault rules see it. */
export interface MessageEnvelope {
  readonly from: PeerAddress;
  readonly to: PeerAddress;
  readonly verb: VerbValue;
  /** The verb of the request a response answers (equals `verb` for requests and one-way messages). */
  readonly requestVerb: VerbValue;
  readonly kind: MessageKind;
  readonly payload: Buffer;
}

/** What a rule decides for a message: deliver normally, drop it, or deliver it later. */
export type FaultDecision = 'deliver' | 'drop' | { readonly delayMs: number };
export type FaultRule = (message: MessageEnvelope) => FaultDecision;

export interface MemoryMessagingOptions {
  readonly timers: Timers;
  readonly random: Random;
  /** One-way latency bounds (uniform); default 1..1 ms. */
  readonly latencyMinMs?: number;
  readonly latencyMaxMs?: number;
}

export interface LinkStats {
  sent: number;
  delivered: number;
  dropped: number;
}

export class MemoryMessagingHub {
  readonly timers: Timers;
  readonly random: Random;
  latencyMinMs: number;
  latencyMaxMs: number;
  /** Probability that any message is lost. */
  dropProbability = 0;
  private readonly services = new Map<PeerAddress, MemoryMessagingService>();
  private readonly down = new Set<PeerAddress>();
  private readonly linkDrop = new Map<string, number>();
  private readonly partitions: Array<{ a: ReadonlySet<PeerAddress>; b: ReadonlySet<PeerAddress> }> = [];
  private readonly rules = new Map<number, FaultRule>();
  private nextRuleId = 1;
  /** Counts per "verb|kind|from|to", for assertions on routing. */
  readonly stats = new Map<string, LinkStats>();

  constructor(options: MemoryMessagingOptions) {
    this.timers = options.timers;
    this.random = options.random;
    this.latencyMinMs = options.latencyMinMs ?? 1;
    this.latencyMaxMs = options.latencyMaxMs ?? this.latencyMinMs;
    assert(this.latencyMinMs >= 0 && this.latencyMaxMs >= this.latencyMinMs, 'latency bounds');
  }

  /** Creates the messaging service of one node (replacing a closed one at the same address). */
  register(address: PeerAddress): MemoryMessagingService {
    const existing = this.services.get(address);
    assert(existing === undefined || existing.closed, `a live service already has address ${address}`);
    const service = new MemoryMessagingService(this, address);
    this.services.set(address, service);
    this.down.delete(address);
    return service;
  }

  // ---- faults --------------------------------------------------------------------------------

  /** The node stops sending and receiving (a crash or a pulled cable); requests to it time out. */
  setDown(address: PeerAddress, isDown: boolean): void {
    if (isDown) this.down.add(address);
    else this.down.delete(address);
  }

  isDown(address: PeerAddress): boolean {
    return this.down.has(address);
  }

  /** Messages from `from` to `to` (one direction) are lost with this probability. */
  setLinkDropProbability(from: PeerAddress, to: PeerAddress, probability: number): void {
    assert(probability >= 0 && probability <= 1, 'probability in [0, 1]');
    if (probability === 0) this.linkDrop.delete(`${from}>${to}`);
    else this.linkDrop.set(`${from}>${to}`, probability);
  }

  /** Nothing crosses between the two groups (both directions) until heal(). */
  partition(a: readonly PeerAddress[], b: readonly PeerAddress[]): void {
    this.partitions.push({ a: new Set(a), b: new Set(b) });
  }

  /** Cuts `address` off from every other node. */
  isolate(address: PeerAddress): void {
    this.partition([address], [...this.services.keys()].filter((x) => x !== address));
  }

  /** Removes partitions, link drops and the global drop probability (rules and down nodes stay). */
  heal(): void {
    this.partitions.length = 0;
    this.linkDrop.clear();
    this.dropProbability = 0;
  }

  /** Adds a rule consulted for every message (in insertion order; the first non-'deliver' wins); returns its remover. */
  addRule(rule: FaultRule): () => void {
    const id = this.nextRuleId++;
    this.rules.set(id, rule);
    return () => this.rules.delete(id);
  }

  clearRules(): void {
    this.rules.clear();
  }

  /** Requests and one-way messages of `verb` from -> to (sent = delivered + dropped + in flight). */
  statsOf(verb: VerbValue, from: PeerAddress, to: PeerAddress): LinkStats {
    const out: LinkStats = { sent: 0, delivered: 0, dropped: 0 };
    for (const kind of ['request', 'one-way'] as const) {
      const s = this.stats.get(statsKey(verb, kind, from, to));
      if (s === undefined) continue;
      out.sent += s.sent;
      out.delivered += s.delivered;
      out.dropped += s.dropped;
    }
    return out;
  }

  /** Requests and one-way messages of `verb` delivered to `to` from any node (itself included). */
  deliveredTo(verb: VerbValue, to: PeerAddress): number {
    let n = 0;
    for (const from of this.services.keys()) n += this.statsOf(verb, from, to).delivered;
    return n;
  }

  resetStats(): void {
    this.stats.clear();
  }

  // ---- delivery ------------------------------------------------------------------------------

  private blocked(from: PeerAddress, to: PeerAddress): boolean {
    if (from === to) return false;
    for (const p of this.partitions) {
      if ((p.a.has(from) && p.b.has(to)) || (p.b.has(from) && p.a.has(to))) return true;
    }
    return false;
  }

  private statsFor(message: MessageEnvelope): LinkStats {
    const key = statsKey(message.verb, message.kind, message.from, message.to);
    let s = this.stats.get(key);
    if (s === undefined) this.stats.set(key, (s = { sent: 0, delivered: 0, dropped: 0 }));
    return s;
  }

  /** Schedules delivery of `message`, running `onArrival` at the target unless a fault loses it. */
  transmit(message: MessageEnvelope, onArrival: () => void): void {
    const s = this.statsFor(message);
    s.sent++;
    let extraDelayMs = 0;
    let lost = this.down.has(message.from) || this.down.has(message.to) || this.blocked(message.from, message.to);
    if (!lost && message.from !== message.to) {
      const p = Math.max(this.dropProbability, this.linkDrop.get(`${message.from}>${message.to}`) ?? 0);
      if (p > 0 && this.random.nextFloat() < p) lost = true;
    }
    if (!lost) {
      for (const rule of this.rules.values()) {
        const decision = rule(message);
        if (decision === 'deliver') continue;
        if (decision === 'drop') lost = true;
        else extraDelayMs = decision.delayMs;
        break;
      }
    }
    if (lost) {
      s.dropped++;
      return;
    }
    const span = this.latencyMaxMs - this.latencyMinMs;
    const latencyMs = message.from === message.to ? 0 : this.latencyMinMs + (span > 0 ? this.random.nextFloat() * span : 0);
    const arrive = (): void => {
      // A node that went down (or a partition that formed) while the message was in flight loses it.
      if (this.down.has(message.to) || this.blocked(message.from, message.to)) {
        s.dropped++;
        return;
      }
      s.delivered++;
      onArrival();
    };
    if (latencyMs + extraDelayMs === 0) this.timers.setImmediate(arrive);
    else this.timers.setTimeout(arrive, latencyMs + extraDelayMs);
  }

  serviceAt(address: PeerAddress): MemoryMessagingService | undefined {
    const s = this.services.get(address);
    return s === undefined || s.closed ? undefined : s;
  }
}

interface PendingRequest {
  readonly verb: VerbValue;
  readonly to: PeerAddress;
  readonly resolve: (payload: Buffer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: TimerHandle;
}

export class MemoryMessagingService implements MessagingService {
  readonly self: PeerAddress;
  private readonly hub: MemoryMessagingHub;
  private readonly handlers = new Map<VerbValue, VerbHandler>();
  private readonly pending = new Map<number, PendingRequest>();
  private nextId = 1;
  closed = false;

  constructor(hub: MemoryMessagingHub, self: PeerAddress) {
    this.hub = hub;
    this.self = self;
  }

  send(to: PeerAddress, verb: VerbValue, payload: Buffer): void {
    if (this.closed) return;
    const copy = Buffer.from(payload);
    this.hub.transmit({ from: this.self, to, verb, requestVerb: verb, kind: 'one-way', payload: copy }, () => {
      this.hub.serviceAt(to)?.dispatch(this.self, verb, copy, null);
    });
  }

  request(to: PeerAddress, verb: VerbValue, payload: Buffer, timeoutMs: number): Promise<Buffer> {
    if (this.closed) return Promise.reject(new MessagingError('MSG_ERR_CLOSED', 'messaging service closed'));
    if (this.pending.size >= MEMORY_PENDING_REQUESTS_MAX) {
      return Promise.reject(new MessagingError('MSG_ERR_OVERLOADED', `too many pending requests (${this.pending.size})`));
    }
    const id = this.nextId++;
    const copy = Buffer.from(payload);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = this.hub.timers.setTimeout(() => {
        if (this.pending.delete(id)) reject(new MessagingError('MSG_ERR_TIMEOUT', `${verbName(verb)} to ${to} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { verb, to, resolve, reject, timer });
      this.hub.transmit({ from: this.self, to, verb, requestVerb: verb, kind: 'request', payload: copy }, () => {
        this.hub.serviceAt(to)?.dispatch(this.self, verb, copy, { requester: this, id });
      });
    });
  }

  handle(verb: VerbValue, handler: VerbHandler): void {
    assert(!this.handlers.has(verb), `a handler for ${verbName(verb)} is already registered`);
    this.handlers.set(verb, handler);
  }

  disconnect(_peer: PeerAddress): void {
    // No connections to drop.
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.timer.cancel();
      p.reject(new MessagingError('MSG_ERR_CLOSED', 'messaging service closed'));
    }
  }

  get pendingRequests(): number {
    return this.pending.size;
  }

  /** Runs the handler of an arrived message; answers requests through the hub. */
  dispatch(from: PeerAddress, verb: VerbValue, payload: Buffer, reply: { requester: MemoryMessagingService; id: number } | null): void {
    if (this.closed) return;
    const handler = this.handlers.get(verb);
    if (handler === undefined) {
      if (reply !== null) this.respond(reply, verb, null, new MessagingError('MSG_ERR_BAD_MESSAGE', `no handler for ${verbName(verb)}`));
      return;
    }
    let result: ReturnType<VerbHandler>;
    try {
      result = handler(from, payload);
    } catch (error) {
      this.failed(error, reply, verb);
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (response) => { if (reply !== null) this.respond(reply, verb, response ?? EMPTY, null); },
        (error: unknown) => this.failed(error, reply, verb),
      );
    } else if (reply !== null) {
      this.respond(reply, verb, (result as Buffer | null) ?? EMPTY, null);
    }
  }

  private failed(error: unknown, reply: { requester: MemoryMessagingService; id: number } | null, verb: VerbValue): void {
    if (error instanceof AssertionError) {
      // A broken invariant crashes, as with the TCP transport.
      queueMicrotask(() => {
        throw error;
      });
      return;
    }
    if (reply !== null) this.respond(reply, verb, null, error);
  }

  private respond(reply: { requester: MemoryMessagingService; id: number }, requestVerb: VerbValue, payload: Buffer | null, error: unknown): void {
    if (this.closed) return;
    const body = error === null ? Buffer.from(payload!) : encodeFailure(error);
    const kind: MessageKind = error === null ? 'response' : 'failure';
    const requester = reply.requester;
    this.hub.transmit({ from: this.self, to: requester.self, verb: requestVerb, requestVerb, kind, payload: body }, () => {
      requester.settle(reply.id, kind === 'response' ? body : null, kind === 'failure' ? body : null);
    });
  }

  private settle(id: number, payload: Buffer | null, failure: Buffer | null): void {
    const p = this.pending.get(id);
    if (p === undefined || this.closed) return;
    this.pending.delete(id);
    p.timer.cancel();
    if (payload !== null) p.resolve(payload);
    else {
      let error: Error;
      try {
        error = decodeFailure(failure!);
      } catch (e) {
        error = e as Error;
      }
      p.reject(error);
    }
  }
}

const EMPTY = Buffer.alloc(0);

function statsKey(verb: VerbValue, kind: MessageKind, from: PeerAddress, to: PeerAddress): string {
  return `${verb}|${kind}|${from}|${to}`;
}

function isPromiseLike(x: unknown): x is PromiseLike<Buffer | null> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
