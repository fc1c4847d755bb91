// The one connection this node opens to a peer: connects lazily when a message is queued, shakes
// hands (HELLO -> ACCEPT/REFUSE), writes queued frames in batches while the socket keeps up, reads
// responses, and on failure backs off exponentially (with jitter) before the next attempt.
// States: idle -> connecting -> ready -> (lost) backoff -> connecting ... ; closed is final.
// Invariants: at most one socket at a time; events of an earlier socket (older epoch) are ignored;
// a failed connect drops the queue (requests fail MSG_ERR_UNREACHABLE, one-way messages are
// counted), a lost connection fails the requests in flight on it (MSG_ERR_CLOSED).
import type { Socket, TimerHandle } from '../io/index.ts';
import { assert } from '../lib/index.ts';
import type { ConnectionContext, ResponseChannel } from './connection-context.ts';
import { FrameDecoder, MESSAGING_VERSION, encodeFrame } from './frame-codec.ts';
import type { FrameSink } from './frame-codec.ts';
import { HandshakeReader, encodeHandshake, helloMessage } from './handshake.ts';
import { MessagingError } from './messaging-service.ts';
import type { PeerAddress } from './messaging-service.ts';
import { NO_REQUEST, OutboundQueue } from './outbound-queue.ts';
import type { QueuedFrame } from './outbound-queue.ts';
import { parsePeerAddress } from './peer-address.ts';
import type { VerbValue } from './verbs.ts';

type State = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

/** Poll step while close() waits for queued messages to leave. */
const CLOSE_POLL_MS = 5;

export class OutboundConnection implements FrameSink, ResponseChannel {
  readonly peer: PeerAddress;
  private readonly host: string;
  private readonly port: number;
  private readonly localHost: string;
  private readonly ctx: ConnectionContext;
  private readonly queue: OutboundQueue;
  private state: State = 'idle';
  private socket: Socket | null = null;
  /** Incremented per connect attempt; callbacks of older attempts are ignored. */
  private epoch = 0;
  private backoffMs = 0;
  /** Connect/handshake deadline, or the backoff delay. */
  private timer: TimerHandle | null = null;
  private flushHandle: TimerHandle | null = null;
  private handshake: HandshakeReader | null = null;
  private decoder: FrameDecoder | null = null;
  /** Requests written on the current socket and not yet answered. */
  private readonly inFlight = new Set<number>();
  private failuresLogged = 0;
  /** Whether the current (or last) connect attempt uses TLS. */
  private encrypted = false;

  constructor(options: { peer: PeerAddress; ctx: ConnectionContext }) {
    this.peer = options.peer;
    const { host, port } = parsePeerAddress(options.peer);
    this.host = host;
    this.port = port;
    this.localHost = parsePeerAddress(options.ctx.self).host;
    this.ctx = options.ctx;
    this.queue = new OutboundQueue({ countMax: options.ctx.limits.queueMessagesMax, bytesMax: options.ctx.limits.queueBytesMax });
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  get queuedMessages(): number {
    return this.queue.size;
  }

  /** Queues a frame; false when the queue is full (or the connection is closed). */
  enqueue(frame: Buffer, requestId: number): boolean {
    if (this.state === 'closed') return false;
    if (!this.queue.push({ frame, requestId, queuedAtMs: this.ctx.clock.monotonicMs() })) return false;
    if (this.state === 'idle') this.connect();
    else if (this.state === 'ready') this.scheduleFlush();
    return true;
  }

  /** The request got its answer or timed out. */
  requestDone(requestId: number): void {
    this.inFlight.delete(requestId);
  }

  /** A response to a request the peer sent on this connection (unusual, but allowed). */
  respond(id: number, verb: VerbValue, payload: Uint8Array): void {
    this.enqueue(encodeFrame({ id, verb, flags: 0, payload }), NO_REQUEST);
  }

  // ---- connecting ---------------------------------------------------------------------------------

  private connect(): void {
    assert(this.state === 'idle' || this.state === 'backoff', `connect from state ${this.state}`);
    this.state = 'connecting';
    const epoch = ++this.epoch;
    this.timer = this.ctx.timers.setTimeout(() => this.connectFailed(epoch, 'connect and handshake timed out'), this.ctx.limits.connectTimeoutMs);
    const tls = this.ctx.tlsFor(this.peer);
    this.encrypted = tls !== undefined;
    this.ctx.network.connect({
      host: this.host, port: this.port, localAddress: this.localHost, timeoutMs: this.ctx.limits.connectTimeoutMs, ...(tls === undefined ? {} : { tls }),
    }).then(
      (socket) => this.connected(epoch, socket),
      (error: unknown) => this.connectFailed(epoch, error instanceof Error ? error.message : String(error)),
    );
  }

  private connected(epoch: number, socket: Socket): void {
    if (epoch !== this.epoch || this.state !== 'connecting') {
      socket.destroy();
      return;
    }
    this.socket = socket;
    this.handshake = new HandshakeReader();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(epoch, chunk));
    socket.on('drain', () => {
      if (epoch === this.epoch) this.scheduleFlush();
    });
    socket.on('error', () => {
      // 'close' follows; the reason is not needed beyond the log line there.
    });
    socket.on('close', () => this.socketClosed(epoch));
    socket.write(encodeHandshake(helloMessage(this.ctx.self, this.ctx.clusterName)));
  }

  private onData(epoch: number, chunk: Buffer): void {
    if (epoch !== this.epoch || this.state === 'closed') return;
    try {
      if (this.decoder !== null) {
        this.decoder.push(chunk);
        return;
      }
      const result = this.handshake!.push(chunk);
      if (result === null) return;
      const { message, rest } = result;
      if (message.kind === 'refuse') {
        this.ctx.stats.refusedHandshakes++;
        this.connectFailed(epoch, `refused by ${this.peer}: ${message.reason}`);
        return;
      }
      if (message.kind !== 'accept' || message.version !== MESSAGING_VERSION) {
        this.connectFailed(epoch, `unexpected handshake answer (${message.kind}, version ${message.version})`);
        return;
      }
      if (message.address !== this.peer) {
        this.ctx.logger.warn({ peer: this.peer, announced: message.address }, 'internode peer announces a different address');
      }
      this.becameReady();
      if (rest.length > 0) this.decoder!.push(rest);
    } catch (error) {
      if (!(error instanceof MessagingError)) throw error;
      if (this.decoder !== null) {
        this.ctx.stats.corruptFrames++;
        this.ctx.logger.warn({ peer: this.peer, error: error.message }, 'closing internode connection after a corrupt frame');
        this.socket?.destroy();
      } else {
        this.connectFailed(epoch, error.message);
      }
    }
  }

  private becameReady(): void {
    this.cancelTimer();
    this.state = 'ready';
    this.handshake = null;
    this.decoder = new FrameDecoder({ sink: this, payloadBytesMax: this.ctx.limits.payloadBytesMax });
    this.backoffMs = 0;
    this.ctx.stats.outboundConnections++;
    this.ctx.logger.info({ peer: this.peer, afterFailures: this.failuresLogged, tls: this.encrypted }, 'internode connection established');
    this.failuresLogged = 0;
    this.scheduleFlush();
  }

  onFrame(id: number, verb: VerbValue, flags: number, payload: Buffer): void {
    if (this.state !== 'ready') return;
    this.ctx.onFrame(this.peer, id, verb, flags, payload, this);
  }

  private connectFailed(epoch: number, reason: string): void {
    if (epoch !== this.epoch || this.state !== 'connecting') return;
    this.ctx.stats.connectFailures++;
    if (this.failuresLogged === 0) this.ctx.logger.info({ peer: this.peer, reason }, 'cannot connect to internode peer');
    else this.ctx.logger.debug({ peer: this.peer, reason, failures: this.failuresLogged }, 'cannot connect to internode peer');
    this.failuresLogged++;
    this.state = 'backoff'; // before dropping the socket: its 'close' must not fail this attempt again
    this.dropSocket();
    this.dropQueue(new MessagingError('MSG_ERR_UNREACHABLE', `${this.peer} is unreachable: ${reason}`));
    this.startBackoff();
  }

  private socketClosed(epoch: number): void {
    if (epoch !== this.epoch) return;
    if (this.state === 'connecting') {
      this.connectFailed(epoch, 'connection closed during the handshake');
      return;
    }
    if (this.state !== 'ready') return;
    this.ctx.stats.outboundConnections--;
    this.ctx.logger.info({ peer: this.peer }, 'internode connection lost');
    this.state = 'idle';
    this.dropSocket();
    this.failInFlight(new MessagingError('MSG_ERR_CLOSED', `connection to ${this.peer} closed with the request in flight`));
    if (this.queue.size > 0) this.startBackoff();
  }

  private startBackoff(): void {
    const limits = this.ctx.limits;
    this.backoffMs = this.backoffMs === 0 ? limits.reconnectBackoffInitialMs : Math.min(limits.reconnectBackoffMaxMs, this.backoffMs * 2);
    const delayMs = Math.ceil(this.backoffMs / 2 + this.ctx.random.nextFloat() * (this.backoffMs / 2));
    this.state = 'backoff';
    this.cancelTimer();
    this.timer = this.ctx.timers.setTimeout(() => {
      this.timer = null;
      if (this.state !== 'backoff') return;
      if (this.queue.size > 0) this.connect();
      else this.state = 'idle';
    }, delayMs);
  }

  // ---- writing ------------------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushHandle !== null || this.state !== 'ready') return;
    this.flushHandle = this.ctx.timers.setImmediate(() => {
      this.flushHandle = null;
      this.flush();
    });
  }

  private flush(): void {
    const socket = this.socket;
    if (this.state !== 'ready' || socket === null) return;
    const highWater = this.ctx.limits.socketHighWaterBytes;
    const expiryMs = this.ctx.limits.oneWayExpiryMs;
    const now = this.ctx.clock.monotonicMs();
    let batch: Buffer[] | null = null;
    let single: Buffer | null = null;
    let bytes = 0;
    while (this.queue.size > 0 && socket.writableLength + bytes < highWater) {
      const item = this.queue.shift()!;
      if (!this.stillWanted(item, now, expiryMs)) continue;
      if (item.requestId !== NO_REQUEST) this.inFlight.add(item.requestId);
      if (single === null) single = item.frame;
      else (batch ??= [single]).push(item.frame);
      bytes += item.frame.length;
      this.ctx.stats.sentMessages++;
    }
    if (batch !== null) socket.write(Buffer.concat(batch, bytes));
    else if (single !== null) socket.write(single);
    // Anything left waits for 'drain'.
  }

  private stillWanted(item: QueuedFrame, nowMs: number, expiryMs: number): boolean {
    if (item.requestId !== NO_REQUEST) return this.ctx.isPending(item.requestId);
    if (nowMs - item.queuedAtMs <= expiryMs) return true;
    this.ctx.stats.droppedExpired++;
    return false;
  }

  // ---- teardown -----------------------------------------------------------------------------------

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private dropSocket(): void {
    this.cancelTimer();
    this.flushHandle?.cancel();
    this.flushHandle = null;
    this.handshake = null;
    this.decoder = null;
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
  }

  private dropQueue(error: MessagingError): void {
    for (const item of this.queue.drain()) {
      if (item.requestId === NO_REQUEST) this.ctx.stats.droppedUnreachable++;
      else this.ctx.failRequest(item.requestId, error);
    }
  }

  private failInFlight(error: MessagingError): void {
    const ids = [...this.inFlight];
    this.inFlight.clear();
    for (const id of ids) this.ctx.failRequest(id, error);
  }

  /**
   * Closes for good. With `flushMs` > 0 and an established connection, queued messages get up to
   * that long to leave before the socket ends; the rest fail with MSG_ERR_CLOSED.
   */
  async close(flushMs: number): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'ready' && flushMs > 0) {
      const deadline = this.ctx.clock.monotonicMs() + flushMs;
      while (this.state === 'ready' && (this.queue.size > 0 || (this.socket?.writableLength ?? 0) > 0)
          && this.ctx.clock.monotonicMs() < deadline) {
        this.scheduleFlush();
        await new Promise<void>((resolve) => this.ctx.timers.setTimeout(resolve, CLOSE_POLL_MS));
      }
    }
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    this.epoch++;
    if (wasReady) this.ctx.stats.outboundConnections--;
    const socket = this.socket;
    this.socket = null;
    this.dropSocketTimers();
    socket?.end();
    const error = new MessagingError('MSG_ERR_CLOSED', `connection to ${this.peer} closed`);
    this.dropQueueClosed(error);
    this.failInFlight(error);
  }

  private dropSocketTimers(): void {
    this.cancelTimer();
    this.flushHandle?.cancel();
    this.flushHandle = null;
    this.handshake = null;
    this.decoder = null;
  }

  private dropQueueClosed(error: MessagingError): void {
    for (const item of this.queue.drain()) {
      if (item.requestId !== NO_REQUEST) this.ctx.failRequest(item.requestId, error);
    }
  }
}
