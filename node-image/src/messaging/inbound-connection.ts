// A connection a peer opened to us: reads its HELLO (refusing another cluster or messaging
// version), answers ACCEPT, then decodes frames and hands them to the service; responses to its
// requests go back on this same socket, batched per event-loop turn. Reading pauses while our
// unsent output is above the high-water mark (backpressure on a peer that does not read).
// Invariants: no frame is dispatched before the handshake completes; a corrupt frame closes it.
import type { Socket, TimerHandle } from '../io/index.ts';
import type { ConnectionContext, ResponseChannel } from './connection-context.ts';
import { FrameDecoder, MESSAGING_VERSION, encodeFrame } from './frame-codec.ts';
import type { FrameSink } from './frame-codec.ts';
import { HandshakeReader, encodeHandshake } from './handshake.ts';
import { MessagingError } from './messaging-service.ts';
import type { PeerAddress } from './messaging-service.ts';
import type { VerbValue } from './verbs.ts';

type State = 'handshaking' | 'ready' | 'closed';

export class InboundConnection implements FrameSink, ResponseChannel {
  private readonly socket: Socket;
  private readonly ctx: ConnectionContext;
  private readonly onClosed: (connection: InboundConnection) => void;
  private state: State = 'handshaking';
  private peerAddress: PeerAddress | null = null;
  private readonly handshake = new HandshakeReader();
  private decoder: FrameDecoder | null = null;
  private handshakeTimer: TimerHandle | null;
  private pendingOut: Buffer[] = [];
  private pendingBytes = 0;
  private flushHandle: TimerHandle | null = null;
  private paused = false;
  private cleanedUp = false;

  constructor(options: { socket: Socket; ctx: ConnectionContext; onClosed: (connection: InboundConnection) => void }) {
    this.socket = options.socket;
    this.ctx = options.ctx;
    this.onClosed = options.onClosed;
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => {
      // 'close' follows.
    });
    socket.on('close', () => this.closed());
    this.handshakeTimer = this.ctx.timers.setTimeout(() => {
      this.handshakeTimer = null;
      if (this.state === 'handshaking') this.abort('no handshake in time');
    }, this.ctx.limits.connectTimeoutMs);
  }

  /** The peer's internode address from its HELLO (null while handshaking). */
  get peer(): PeerAddress | null {
    return this.peerAddress;
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    try {
      if (this.decoder !== null) {
        this.decoder.push(chunk);
        return;
      }
      const result = this.handshake.push(chunk);
      if (result === null) return;
      const { message, rest } = result;
      if (message.kind !== 'hello') {
        this.abort(`expected HELLO, got ${message.kind}`);
        return;
      }
      if (message.version !== MESSAGING_VERSION) {
        this.refuse(`messaging version ${message.version} is not supported (this node speaks ${MESSAGING_VERSION})`);
        return;
      }
      if (message.clusterName !== this.ctx.clusterName) {
        this.refuse(`cluster name mismatch: ${message.clusterName} != ${this.ctx.clusterName}`);
        return;
      }
      this.peerAddress = message.address;
      this.state = 'ready';
      this.handshakeTimer?.cancel();
      this.handshakeTimer = null;
      this.decoder = new FrameDecoder({ sink: this, payloadBytesMax: this.ctx.limits.payloadBytesMax });
      this.socket.write(encodeHandshake({ kind: 'accept', version: MESSAGING_VERSION, address: this.ctx.self }));
      if (rest.length > 0) this.decoder.push(rest);
    } catch (error) {
      if (!(error instanceof MessagingError)) throw error;
      if (this.decoder !== null) this.ctx.stats.corruptFrames++;
      this.abort(error.message);
    }
  }

  onFrame(id: number, verb: VerbValue, flags: number, payload: Buffer): void {
    if (this.state !== 'ready') return;
    this.ctx.onFrame(this.peerAddress!, id, verb, flags, payload, this);
  }

  respond(id: number, verb: VerbValue, payload: Uint8Array): void {
    if (this.state !== 'ready') return;
    const frame = encodeFrame({ id, verb, flags: 0, payload });
    this.pendingOut.push(frame);
    this.pendingBytes += frame.length;
    this.ctx.stats.sentMessages++;
    if (!this.paused && this.socket.writableLength + this.pendingBytes > this.ctx.limits.socketHighWaterBytes) {
      this.paused = true;
      this.socket.pause();
    }
    if (this.flushHandle === null) {
      this.flushHandle = this.ctx.timers.setImmediate(() => {
        this.flushHandle = null;
        this.flush();
      });
    }
  }

  private flush(): void {
    if (this.state !== 'ready' || this.pendingOut.length === 0) return;
    const out = this.pendingOut.length === 1 ? this.pendingOut[0]! : Buffer.concat(this.pendingOut, this.pendingBytes);
    this.pendingOut = [];
    this.pendingBytes = 0;
    this.socket.write(out);
  }

  private onDrain(): void {
    if (this.paused && this.state === 'ready') {
      this.paused = false;
      this.socket.resume();
    }
  }

  private refuse(reason: string): void {
    this.ctx.stats.refusedHandshakes++;
    this.ctx.logger.warn({ remote: this.socket.remoteAddress, reason }, 'refusing internode connection');
    this.socket.write(encodeHandshake({ kind: 'refuse', version: MESSAGING_VERSION, reason }));
    this.state = 'closed';
    this.socket.end();
    this.cleanup();
  }

  private abort(reason: string): void {
    if (this.state === 'closed') return;
    this.ctx.logger.warn({ peer: this.peerAddress, remote: this.socket.remoteAddress, reason }, 'closing inbound internode connection');
    this.state = 'closed';
    this.socket.destroy();
    this.cleanup();
  }

  /** Closes the connection (disconnect or service close); pending responses are written first. */
  close(): void {
    if (this.state === 'closed') return;
    this.flush();
    this.state = 'closed';
    this.socket.end();
    this.cleanup();
  }

  private closed(): void {
    this.state = 'closed';
    this.cleanup();
  }

  private cleanup(): void {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.handshakeTimer?.cancel();
    this.handshakeTimer = null;
    this.flushHandle?.cancel();
    this.flushHandle = null;
    this.pendingOut = [];
    this.pendingBytes = 0;
    this.decoder = null;
    this.onClosed(this);
  }
}
