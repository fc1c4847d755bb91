// MessagingService over io.Network: listens on the storage port, keeps one outbound connection per
// peer for what this node sends, accepts inbound connections for what peers send, and matches
// responses to requests by id with deadlines on one coarse timer wheel. Handlers run for requests
// and one-way messages from any connection; a request's response goes back on the connection it
// arrived on. Messages to this node itself are delivered in-process on the next turn.
// Invariants: every pending request ends exactly once (response, Failure, timeout, overload,
// unreachable peer, lost connection or close); pending <= pendingRequestsMax; no timer or socket
// outlives close().
import type { ClientTlsOptions, Clock, Listener, Logger, Network, Random, ServerTlsOptions, Socket, TimerHandle, Timers } from '../io/index.ts';
import { AssertionError, assert } from '../lib/index.ts';
import { emptyStats } from './connection-context.ts';
import type { ConnectionContext, MessagingStats, ResponseChannel } from './connection-context.ts';
import { DeadlineWheel } from './deadline-wheel.ts';
import type { ExpirySink } from './deadline-wheel.ts';
import { decodeFailure, encodeFailure } from './failure-payload.ts';
import { FLAG_EXPECTS_RESPONSE, MESSAGE_ID_MAX, encodeFrame } from './frame-codec.ts';
import { InboundConnection } from './inbound-connection.ts';
import { resolveMessagingLimits } from './messaging-limits.ts';
import type { MessagingLimits } from './messaging-limits.ts';
import { MessagingError } from './messaging-service.ts';
import type { MessagingService, PeerAddress, VerbHandler } from './messaging-service.ts';
import { OutboundConnection } from './outbound-connection.ts';
import { NO_REQUEST } from './outbound-queue.ts';
import { parsePeerAddress } from './peer-address.ts';
import { Verb, verbName } from './verbs.ts';
import type { VerbValue } from './verbs.ts';

export interface TcpMessagingServiceOptions {
  /** This node's internode address "ip:port": announced in handshakes, the `from` of local sends. */
  readonly self: PeerAddress;
  /** Where to listen; defaults to the host and port of `self`. Port 0 picks a free port. */
  readonly listenHost?: string;
  readonly listenPort?: number;
  /** Peers of another cluster are refused at the handshake. */
  readonly clusterName: string;
  readonly network: Network;
  readonly timers: Timers;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly limits?: Partial<MessagingLimits>;
  /** TLS (server_encryption_options); absent: plaintext both ways. */
  readonly tls?: MessagingTlsOptions;
}

/** Internode TLS: how the storage port serves, and which outgoing connections encrypt. */
export interface MessagingTlsOptions {
  /** The listener: TLS, mutual authentication, and whether plaintext peers are still accepted. */
  readonly server: ServerTlsOptions;
  /** Outgoing TLS: the peer's certificate is verified against the CA; ours is presented. */
  readonly client: ClientTlsOptions;
  /** Whether a new connection to `peer` encrypts (internode_encryption dc/rack decide by location). */
  readonly encryptTo: (peer: PeerAddress) => boolean;
}

interface PendingRequest {
  readonly peer: PeerAddress;
  readonly verb: VerbValue;
  readonly timeoutMs: number;
  readonly resolve: (payload: Buffer) => void;
  readonly reject: (error: Error) => void;
  connection: OutboundConnection | null;
}

function isPromiseLike(x: unknown): x is PromiseLike<Buffer | null> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

export class TcpMessagingService implements MessagingService, ExpirySink {
  readonly self: PeerAddress;
  private readonly options: TcpMessagingServiceOptions;
  private readonly limits: MessagingLimits;
  private readonly logger: Logger;
  private readonly counters: MessagingStats = emptyStats();
  private readonly ctx: ConnectionContext;
  private readonly handlers = new Map<VerbValue, VerbHandler>();
  private readonly outbound = new Map<PeerAddress, OutboundConnection>();
  private readonly inbound = new Set<InboundConnection>();
  private readonly pending = new Map<number, PendingRequest>();
  private readonly wheel: DeadlineWheel;
  private sweepHandle: TimerHandle | null = null;
  private listener: Listener | null = null;
  private nextId = 1;
  private closing: Promise<void> | null = null;
  /** Answers requests this node sends to itself. */
  private readonly localChannel: ResponseChannel;

  constructor(options: TcpMessagingServiceOptions) {
    parsePeerAddress(options.self);
    this.self = options.self;
    this.options = options;
    this.limits = resolveMessagingLimits(options.limits);
    this.logger = options.logger.child({ component: 'messaging' });
    this.wheel = new DeadlineWheel(this.limits.deadlineTickMs);
    this.ctx = {
      self: options.self,
      clusterName: options.clusterName,
      limits: this.limits,
      network: options.network,
      timers: options.timers,
      clock: options.clock,
      random: options.random,
      logger: this.logger,
      stats: this.counters,
      onFrame: (peer, id, verb, flags, payload, channel) => this.onFrame(peer, id, verb, flags, payload, channel),
      isPending: (id) => this.pending.has(id),
      failRequest: (id, error) => this.finish(id, null, error),
      tlsFor: (peer) => {
        const tls = options.tls;
        return tls !== undefined && tls.encryptTo(peer) ? tls.client : undefined;
      },
    };
    this.localChannel = {
      respond: (id, verb, payload) => this.onResponse(this.self, id, verb, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)),
    };
  }

  /** Starts listening; returns the bound address. */
  async start(): Promise<{ host: string; port: number }> {
    assert(this.listener === null && this.closing === null, 'messaging service started twice or after close');
    const self = parsePeerAddress(this.self);
    const host = this.options.listenHost ?? self.host;
    const port = this.options.listenPort ?? self.port;
    const tls = this.options.tls?.server;
    this.listener = await this.options.network.listen({ host, port, ...(tls === undefined ? {} : { tls }) }, (socket) => this.accept(socket));
    this.logger.info({
      address: `${this.listener.host}:${this.listener.port}`, self: this.self,
      tls: tls === undefined ? 'none' : tls.allowPlaintext ? 'optional' : 'required',
    }, 'Starting Messaging Service');
    return { host: this.listener.host, port: this.listener.port };
  }

  stats(): Readonly<MessagingStats> & { readonly pendingRequests: number } {
    return { ...this.counters, pendingRequests: this.pending.size };
  }

  handle(verb: VerbValue, handler: VerbHandler): void {
    assert(verb !== Verb.Response && verb !== Verb.Failure, 'responses have no handler');
    assert(!this.handlers.has(verb), `a handler for ${verbName(verb)} is already registered`);
    this.handlers.set(verb, handler);
  }

  send(to: PeerAddress, verb: VerbValue, payload: Buffer): void {
    if (this.closing !== null) return;
    this.checkPayload(payload);
    if (to === this.self) {
      this.deliverLocally(0, verb, 0, payload);
      return;
    }
    if (!this.connectionTo(to).enqueue(encodeFrame({ id: 0, verb, flags: 0, payload }), NO_REQUEST)) this.counters.droppedQueueFull++;
  }

  request(to: PeerAddress, verb: VerbValue, payload: Buffer, timeoutMs: number): Promise<Buffer> {
    if (this.closing !== null) return Promise.reject(new MessagingError('MSG_ERR_CLOSED', 'messaging service closed'));
    assert(Number.isFinite(timeoutMs) && timeoutMs > 0, `bad request timeout ${timeoutMs}`);
    try {
      this.checkPayload(payload);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (this.pending.size >= this.limits.pendingRequestsMax) {
      this.counters.rejectedOverloaded++;
      return Promise.reject(new MessagingError('MSG_ERR_OVERLOADED', `too many internode requests in flight (${this.pending.size})`));
    }
    let connection: OutboundConnection | null = null;
    if (to !== this.self) {
      try {
        connection = this.connectionTo(to);
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    const id = this.allocateId();
    return new Promise<Buffer>((resolve, reject) => {
      this.pending.set(id, { peer: to, verb, timeoutMs, resolve, reject, connection });
      this.wheel.add(id, this.options.clock.monotonicMs() + timeoutMs);
      this.ensureSweep();
      if (connection === null) {
        this.deliverLocally(id, verb, FLAG_EXPECTS_RESPONSE, payload);
      } else if (!connection.enqueue(encodeFrame({ id, verb, flags: FLAG_EXPECTS_RESPONSE, payload }), id)) {
        this.counters.rejectedOverloaded++;
        this.finish(id, null, new MessagingError('MSG_ERR_OVERLOADED', `internode queue to ${to} is full`));
      }
    });
  }

  disconnect(peer: PeerAddress): void {
    const connection = this.outbound.get(peer);
    if (connection !== undefined) {
      this.outbound.delete(peer);
      void connection.close(0);
    }
    for (const c of [...this.inbound]) if (c.peer === peer) c.close();
  }

  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    const outbound = [...this.outbound.values()];
    this.outbound.clear();
    await Promise.all(outbound.map((c) => c.close(this.limits.closeFlushMs)));
    for (const c of [...this.inbound]) c.close();
    const error = new MessagingError('MSG_ERR_CLOSED', 'messaging service closed');
    for (const id of [...this.pending.keys()]) this.finish(id, null, error);
    this.stopSweep();
    const listener = this.listener;
    this.listener = null;
    if (listener !== null) {
      // A net.Server's close waits for its sockets; peers normally follow our end() at once.
      let timer: TimerHandle | null = null;
      await Promise.race([
        listener.close(),
        new Promise<void>((resolve) => {
          timer = this.options.timers.setTimeout(resolve, this.limits.closeFlushMs);
        }),
      ]);
      (timer as TimerHandle | null)?.cancel();
    }
    this.logger.info({ stats: this.counters }, 'messaging service closed');
  }

  // ---- internals ----------------------------------------------------------------------------------

  private checkPayload(payload: Buffer): void {
    if (payload.length > this.limits.payloadBytesMax) {
      throw new MessagingError('MSG_ERR_BAD_MESSAGE', `internode payload of ${payload.length} bytes exceeds ${this.limits.payloadBytesMax}`);
    }
  }

  private connectionTo(peer: PeerAddress): OutboundConnection {
    let connection = this.outbound.get(peer);
    if (connection === undefined) {
      connection = new OutboundConnection({ peer, ctx: this.ctx });
      this.outbound.set(peer, connection);
    }
    return connection;
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= MESSAGE_ID_MAX ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  private accept(socket: Socket): void {
    if (this.closing !== null || this.inbound.size >= this.limits.inboundConnectionsMax) {
      this.logger.warn({ remote: socket.remoteAddress, inbound: this.inbound.size }, 'refusing inbound internode connection');
      socket.destroy();
      return;
    }
    const connection = new InboundConnection({
      socket,
      ctx: this.ctx,
      onClosed: (c) => {
        if (this.inbound.delete(c)) this.counters.inboundConnections--;
      },
    });
    this.inbound.add(connection);
    this.counters.inboundConnections++;
  }

  private onFrame(peer: PeerAddress, id: number, verb: VerbValue, flags: number, payload: Buffer, channel: ResponseChannel): void {
    if (this.closing !== null) return;
    this.counters.receivedMessages++;
    if (verb === Verb.Response || verb === Verb.Failure) this.onResponse(peer, id, verb, payload);
    else this.dispatch(peer, id, verb, flags, payload, channel);
  }

  private deliverLocally(id: number, verb: VerbValue, flags: number, payload: Buffer): void {
    this.options.timers.setImmediate(() => {
      if (this.closing === null) this.dispatch(this.self, id, verb, flags, payload, this.localChannel);
    });
  }

  private dispatch(from: PeerAddress, id: number, verb: VerbValue, flags: number, payload: Buffer, channel: ResponseChannel): void {
    const expectsResponse = (flags & FLAG_EXPECTS_RESPONSE) !== 0;
    const handler = this.handlers.get(verb);
    if (handler === undefined) {
      this.logger.debug({ from, verb: verbName(verb) }, 'no handler for internode verb');
      if (expectsResponse) channel.respond(id, Verb.Failure, encodeFailure(new MessagingError('MSG_ERR_BAD_MESSAGE', `no handler for ${verbName(verb)}`)));
      return;
    }
    let result: Buffer | null | PromiseLike<Buffer | null>;
    try {
      result = handler(from, payload);
    } catch (error) {
      this.handlerFailed(error, { from, id, verb, expectsResponse, channel });
      return;
    }
    if (isPromiseLike(result)) {
      result.then(
        (response) => this.handlerDone(response, id, expectsResponse, channel),
        (error: unknown) => this.handlerFailed(error, { from, id, verb, expectsResponse, channel }),
      );
    } else {
      this.handlerDone(result, id, expectsResponse, channel);
    }
  }

  private handlerDone(response: Buffer | null, id: number, expectsResponse: boolean, channel: ResponseChannel): void {
    if (!expectsResponse || this.closing !== null) return;
    channel.respond(id, Verb.Response, response ?? EMPTY);
  }

  private handlerFailed(
    error: unknown,
    request: { from: PeerAddress; id: number; verb: VerbValue; expectsResponse: boolean; channel: ResponseChannel },
  ): void {
    if (error instanceof AssertionError) {
      // A broken invariant: crash rather than run on (STYLE.md rule 7), also from a promise.
      queueMicrotask(() => {
        throw error;
      });
      return;
    }
    if (!request.expectsResponse) {
      this.logger.debug({ from: request.from, verb: verbName(request.verb), error: String(error) }, 'one-way internode handler failed');
      return;
    }
    if (this.closing === null) request.channel.respond(request.id, Verb.Failure, encodeFailure(error));
  }

  private onResponse(peer: PeerAddress, id: number, verb: VerbValue, payload: Buffer): void {
    const p = this.pending.get(id);
    if (p === undefined || p.peer !== peer) return; // late (timed out) or not ours
    if (verb === Verb.Response) {
      this.finish(id, payload, null);
      return;
    }
    let error: Error;
    try {
      error = decodeFailure(payload);
    } catch (decodeError) {
      error = decodeError as Error;
    }
    this.finish(id, null, error);
  }

  /** Ends a pending request once: with a payload or an error. */
  private finish(id: number, payload: Buffer | null, error: Error | null): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.connection?.requestDone(id);
    if (error !== null) p.reject(error);
    else p.resolve(payload!);
  }

  onExpired(id: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.counters.timeouts++;
    this.finish(id, null, new MessagingError('MSG_ERR_TIMEOUT', `${verbName(p.verb)} to ${p.peer} timed out after ${p.timeoutMs} ms`));
  }

  private ensureSweep(): void {
    if (this.sweepHandle !== null) return;
    this.sweepHandle = this.options.timers.setInterval(() => this.sweep(), this.limits.deadlineTickMs);
  }

  private sweep(): void {
    this.wheel.expire(this.options.clock.monotonicMs(), this);
    if (this.pending.size === 0) this.stopSweep();
  }

  private stopSweep(): void {
    this.sweepHandle?.cancel();
    this.sweepHandle = null;
    this.wheel.clear();
  }
}

const EMPTY = Buffer.alloc(0);
