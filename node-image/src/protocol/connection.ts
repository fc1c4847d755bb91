// One client connection: decodes frames, runs the handshake (OPTIONS, STARTUP, SASL PLAIN), hands
// requests to the CqlService with many streams in flight, and writes replies as they complete
// (any order). Replies are encoded straight into one output buffer and everything produced by one
// macrotask (a socket read, a commit-log sync) goes out in one socket write, at the end of that
// macrotask; the buffer is reused when the write completed synchronously (the common case), so a
// reply costs no allocation of its own. Invariants: at most
// `inFlightRequestsPerConnectionMax` service calls pending; reading pauses while unsent output is
// above `writeHighWaterBytes`; a malformed frame gets a Protocol error and closes only this
// connection; nothing a client sends can throw out of the socket callbacks.
import type { ClientSession, CqlService, QueryResponse } from '../cql/index.ts';
import type { Clock, Logger, Socket, TimerHandle, Timers } from '../io/index.ts';
import { CqlError, ErrorCode } from '../lib/index.ts';
import { BodyReader, MalformedBodyError } from './body-reader.ts';
import { BodyWriter } from './body-writer.ts';
import type { ResponseHeaderFields } from './body-writer.ts';
import type { BodyCompressor } from './compression.ts';
import { encodeErrorFrame } from './error-encoder.ts';
import { FrameDecoder } from './frame-decoder.ts';
import type { FrameSink } from './frame-decoder.ts';
import {
  DIRECTION_RESPONSE, EVENT_STREAM_ID, FRAME_HEADER_BYTES, FrameFlag, PROTOCOL_V4, VERSION_MASK, writeResponseHeader,
} from './frame-header.ts';
import {
  SUPPORTED_OPTIONS_BODY, checkStartupOptions, isSupportedVersion, parsePlainSaslToken, unsupportedVersionFrame,
} from './handshake.ts';
import type { ProtocolLimits } from './limits.ts';
import { OUTPUT_BUFFER_BYTES_INITIAL, OUTPUT_BUFFER_RETAINED_BYTES_MAX } from './limits.ts';
import { EventType, Opcode } from './message-codes.ts';
import type { EventTypeName } from './message-codes.ts';
import {
  protocolError, readAuthResponse, readBatch, readExecute, readPrepare, readQuery, readRegister, readStartup,
} from './request-decoders.ts';
import { encodeResultFrame, writeResultMessage } from './result-encoder.ts';

/** What a connection needs from its server. */
export interface ConnectionContext {
  readonly cql: CqlService;
  readonly timers: Timers;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly limits: ProtocolLimits;
  /** Called once when the socket has closed. */
  onClosed(connection: Connection): void;
}

/** Handshake progress: STARTUP not seen, SASL exchange under way, or serving requests. */
type HandshakeState = 'initial' | 'authenticating' | 'ready';

const EVENT_BIT: Readonly<Record<EventTypeName, number>> = {
  [EventType.TopologyChange]: 1,
  [EventType.StatusChange]: 2,
  [EventType.SchemaChange]: 4,
};

const SMALL_FRAME_BYTES = 64;

/**
 * The continuation of one request in flight: its stream and the two callbacks its promise settles
 * into, created once and reused (a free list per connection), so a request allocates no closures.
 */
class PendingReply {
  stream = 0;
  skipMetadata = false;
  readonly onResponse: (response: QueryResponse) => void;
  readonly onFailure: (error: unknown) => void;

  constructor(connection: Connection) {
    this.onResponse = (response) => connection.replied(this, response);
    this.onFailure = (error) => connection.failed(this, error);
  }
}

export class Connection implements FrameSink {
  readonly session: ClientSession;
  private readonly socket: Socket;
  private readonly context: ConnectionContext;
  private readonly limits: ProtocolLimits;
  private readonly logger: Logger;
  private readonly decoder = new FrameDecoder();
  private readonly reader = new BodyReader();

  private state: HandshakeState = 'initial';
  /** Fixed by the first frame; every later frame must carry it. */
  private versionFixed = false;
  private compressor: BodyCompressor | null = null;
  /** EVENT_BIT set of the event types this connection REGISTERed for. */
  private registeredEvents = 0;
  private inFlight = 0;

  /** Replies not written yet, whole frames back to back. */
  private out = new BodyWriter(OUTPUT_BUFFER_BYTES_INITIAL);
  /** Header fields of the reply being encoded (one object, reused). */
  private readonly header: ResponseHeaderFields = { flags: 0, stream: 0, opcode: 0 };
  /** Reusable continuations; at most inFlightRequestsPerConnectionMax exist. */
  private readonly freeReplies: PendingReply[] = [];
  /** A flush is queued (a microtask at the end of the current macrotask). */
  private flushQueued = false;
  private readPaused = false;
  /** What the last socket.write returned (false: 'drain' will be emitted). */
  private lastWriteAccepted = true;
  /** A fatal error was answered: no more input, end the socket once the queue is flushed. */
  private closing = false;
  /** The socket was ended after a fatal error: later replies are dropped. */
  private ended = false;
  private closed = false;
  /** The server drains: new requests are answered Overloaded with this message (null: serving). */
  private drainingMessage: string | null = null;
  private closeGraceHandle: TimerHandle | null = null;
  private idleHandle: TimerHandle | null = null;
  private lastActivityMs: number;

  private readonly flushNow = (): void => this.flush();
  private readonly checkIdle = (): void => this.onIdleCheck();

  constructor(socket: Socket, context: ConnectionContext) {
    this.socket = socket;
    this.context = context;
    this.limits = context.limits;
    this.session = {
      keyspace: null,
      clientAddress: socket.remoteAddress ?? '',
      clientPort: socket.remotePort ?? 0,
      user: null,
      protocolVersion: PROTOCOL_V4,
    };
    this.logger = context.logger;
    this.lastActivityMs = context.clock.monotonicMs();
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', (error) => this.logger.debug({ err: error, client: this.clientLabel() }, 'client socket error'));
    socket.on('close', () => this.onSocketClosed());
    if (this.limits.idleTimeoutMs > 0) this.idleHandle = context.timers.setTimeout(this.checkIdle, this.limits.idleTimeoutMs);
  }

  get inFlightCount(): number {
    return this.inFlight;
  }

  get isReadPaused(): boolean {
    return this.readPaused;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * The server is shutting down: requests from now on are answered Overloaded (drivers retry them
   * on another node); the ones already in flight still get their replies.
   */
  startDraining(message: string): void {
    this.drainingMessage = message;
  }

  /** Ends the socket once pending replies are written (destroyed after closeGraceMs at most). */
  end(): void {
    if (this.closed || this.closing) return;
    this.startClosing();
  }

  /** Closes the socket now (server shutdown). Pending replies are dropped. */
  close(): void {
    if (this.closed) return;
    this.socket.destroy();
    this.onSocketClosed();
  }

  /**
   * Queues an EVENT frame (built once by the server, header included) if this connection
   * registered for `type`. Skipped while the client is not reading (output above the mark).
   */
  pushEvent(type: EventTypeName, frame: Buffer): void {
    if (this.closed || this.closing || (this.registeredEvents & EVENT_BIT[type]) === 0) return;
    if (this.socket.writableLength > this.limits.writeHighWaterBytes) {
      this.logger.debug({ client: this.clientLabel(), type }, 'event skipped: client is not reading');
      return;
    }
    this.send(frame, { stream: EVENT_STREAM_ID, opcode: Opcode.Event, flags: 0 });
  }

  // ---- input ----

  private onData(chunk: Buffer): void {
    if (this.closed || this.closing) return;
    this.lastActivityMs = this.context.clock.monotonicMs();
    try {
      this.decoder.feed(chunk, this);
    } catch (error) {
      // Only a bug in this layer gets here: answer, log, and drop the connection.
      this.logger.error({ err: error, client: this.clientLabel() }, 'unexpected error decoding client input');
      this.fail(0, new CqlError(ErrorCode.ServerError, `Unexpected error: ${String(error)}`));
    }
  }

  onHeader(versionByte: number, stream: number, bodyLength: number): boolean {
    if (this.closing) return false;
    const version = versionByte & VERSION_MASK;
    if (!this.versionFixed) {
      if (!isSupportedVersion(version)) {
        this.enqueue(unsupportedVersionFrame(version, stream));
        this.startClosing();
        return false;
      }
      this.versionFixed = true;
    } else if (version !== PROTOCOL_V4) {
      this.fail(stream, protocolError(`Invalid message version. Got ${version} but previous messages on this connection had version ${PROTOCOL_V4}`));
      return false;
    }
    if ((versionByte & DIRECTION_RESPONSE) !== 0) {
      this.fail(stream, protocolError('Invalid frame direction: a response frame was sent to the server'));
      return false;
    }
    if (bodyLength < 0 || bodyLength > this.limits.frameBodyBytesMax) {
      const shown = bodyLength < 0 ? bodyLength + 2 ** 32 : bodyLength;
      this.fail(stream, protocolError(`Request is too big: length ${shown} exceeds maximum allowed length ${this.limits.frameBodyBytesMax}.`));
      return false;
    }
    return true;
  }

  onFrame(_versionByte: number, flags: number, stream: number, opcode: number, body: Buffer): void {
    try {
      let payload = body;
      if ((flags & FrameFlag.Compression) !== 0) {
        if (this.compressor === null) throw new MalformedBodyError('Compressed frame received but no compression was negotiated in STARTUP');
        payload = this.compressor.decompress(body, this.limits.frameBodyBytesMax);
      }
      const reader = this.reader.reset(payload);
      if ((flags & FrameFlag.CustomPayload) !== 0) reader.skipBytesMap();
      this.dispatch(opcode, stream, reader);
    } catch (error) {
      if (error instanceof MalformedBodyError) this.fail(stream, protocolError(error.message));
      else this.replyError(stream, error);
    }
  }

  private dispatch(opcode: number, stream: number, reader: BodyReader): void {
    switch (opcode) {
      case Opcode.Options:
        this.replyRaw(stream, Opcode.Supported, SUPPORTED_OPTIONS_BODY);
        return;
      case Opcode.Startup:
        this.onStartup(stream, reader);
        return;
      case Opcode.AuthResponse:
        this.onAuthResponse(stream, reader);
        return;
      case Opcode.Register: {
        this.requireReady(opcode);
        for (const type of readRegister(reader)) this.registeredEvents |= EVENT_BIT[type as EventTypeName];
        this.replyRaw(stream, Opcode.Ready, null);
        return;
      }
      case Opcode.Query: {
        this.requireReady(opcode);
        if (!this.admit(stream)) return;
        const request = readQuery(reader);
        let promise: Promise<QueryResponse>;
        try {
          promise = this.context.cql.query(request.text, request.options, this.session);
        } catch (error) {
          promise = rejected(error);
        }
        this.track(stream, promise, false);
        return;
      }
      case Opcode.Prepare: {
        this.requireReady(opcode);
        if (!this.admit(stream)) return;
        const text = readPrepare(reader);
        let promise: Promise<QueryResponse>;
        try {
          promise = this.context.cql.prepare(text, this.session, null);
        } catch (error) {
          promise = rejected(error);
        }
        this.track(stream, promise, false);
        return;
      }
      case Opcode.Execute: {
        this.requireReady(opcode);
        if (!this.admit(stream)) return;
        const request = readExecute(reader);
        let promise: Promise<QueryResponse>;
        try {
          promise = this.context.cql.execute(request.id, request.options, this.session);
        } catch (error) {
          promise = rejected(error);
        }
        this.track(stream, promise, request.options.skipMetadata);
        return;
      }
      case Opcode.Batch: {
        this.requireReady(opcode);
        if (!this.admit(stream)) return;
        const batch = readBatch(reader);
        let promise: Promise<QueryResponse>;
        try {
          promise = this.context.cql.batch(batch, this.session);
        } catch (error) {
          promise = rejected(error);
        }
        this.track(stream, promise, false);
        return;
      }
      default:
        throw new MalformedBodyError(`Unknown or response-only opcode 0x${opcode.toString(16)} in a request`);
    }
  }

  private requireReady(opcode: number): void {
    if (this.state === 'ready') return;
    const expecting = this.state === 'initial' ? 'STARTUP or OPTIONS' : 'AUTH_RESPONSE';
    throw protocolError(`Unexpected message ${opcodeName(opcode)}, expecting ${expecting}`);
  }

  private onStartup(stream: number, reader: BodyReader): void {
    if (this.state !== 'initial') throw protocolError('Unexpected message STARTUP, the connection is already started');
    const settings = checkStartupOptions(readStartup(reader));
    const authenticator = this.context.cql.authenticator;
    if (authenticator === null) {
      this.state = 'ready';
      this.replyRaw(stream, Opcode.Ready, null);
    } else {
      this.state = 'authenticating';
      const writer = new BodyWriter(SMALL_FRAME_BYTES, FRAME_HEADER_BYTES);
      writer.writeString(authenticator.className);
      this.send(writer.finish(), { stream, opcode: Opcode.Authenticate, flags: 0 });
    }
    // The STARTUP reply above is never compressed; everything after it may be.
    this.compressor = settings.compressor;
  }

  private onAuthResponse(stream: number, reader: BodyReader): void {
    const authenticator = this.context.cql.authenticator;
    if (this.state !== 'authenticating' || authenticator === null) {
      throw protocolError('Unexpected message AUTH_RESPONSE: no authentication is under way');
    }
    if (!this.admit(stream)) return;
    const credentials = parsePlainSaslToken(readAuthResponse(reader));
    let promise: Promise<string>;
    try {
      promise = authenticator.authenticate(credentials.username, credentials.password);
    } catch (error) {
      promise = rejected(error);
    }
    this.inFlight++;
    promise.then(
      (role) => {
        this.inFlight--;
        if (this.closed) return;
        this.session.user = role;
        this.state = 'ready';
        const writer = new BodyWriter(SMALL_FRAME_BYTES, FRAME_HEADER_BYTES);
        writer.writeBytes(null);
        this.send(writer.finish(), { stream, opcode: Opcode.AuthSuccess, flags: 0 });
      },
      (error: unknown) => {
        this.inFlight--;
        if (!this.closed) this.replyError(stream, error);
      },
    );
  }

  /** False (and Overloaded sent) when the connection already has the most requests in flight. */
  private admit(stream: number): boolean {
    if (this.drainingMessage !== null) {
      this.replyError(stream, new CqlError(ErrorCode.Overloaded, this.drainingMessage));
      return false;
    }
    if (this.inFlight < this.limits.inFlightRequestsPerConnectionMax) return true;
    this.replyError(stream, new CqlError(ErrorCode.Overloaded,
      `Too many requests in flight on this connection (${this.limits.inFlightRequestsPerConnectionMax}); retry later`));
    return false;
  }

  private track(stream: number, promise: Promise<QueryResponse>, skipMetadata: boolean): void {
    this.inFlight++;
    const pending = this.freeReplies.pop() ?? new PendingReply(this);
    pending.stream = stream;
    pending.skipMetadata = skipMetadata;
    promise.then(pending.onResponse, pending.onFailure);
  }

  /** The service answered `pending`'s request (called by PendingReply). */
  replied(pending: PendingReply, response: QueryResponse): void {
    const stream = pending.stream;
    const skipMetadata = pending.skipMetadata;
    this.freeReplies.push(pending);
    this.inFlight--;
    if (this.closed) return;
    try {
      if (response.result.kind === 'setKeyspace') this.session.keyspace = response.result.keyspace;
      const flags = response.warnings.length > 0 ? FrameFlag.Warning : 0;
      if (this.compressor !== null) {
        this.send(encodeResultFrame(response, skipMetadata), { stream, opcode: Opcode.Result, flags });
        return;
      }
      if (this.ended) return;
      const out = this.out;
      const start = out.length;
      out.skip(FRAME_HEADER_BYTES);
      try {
        writeResultMessage(out, response, skipMetadata);
      } catch (error) {
        out.truncate(start);
        throw error;
      }
      const header = this.header;
      header.flags = flags;
      header.stream = stream;
      header.opcode = Opcode.Result;
      out.patchResponseHeader(start, header);
      this.scheduleFlush();
    } catch (error) {
      this.replyError(stream, error);
    }
  }

  /** The service failed `pending`'s request (called by PendingReply). */
  failed(pending: PendingReply, error: unknown): void {
    const stream = pending.stream;
    this.freeReplies.push(pending);
    this.inFlight--;
    if (this.closed) return;
    this.replyError(stream, error);
  }

  // ---- output ----

  private replyError(stream: number, error: unknown): void {
    const { frame, code } = encodeErrorFrame(error);
    if (code === ErrorCode.ServerError && !(error instanceof CqlError && error.code === ErrorCode.ServerError)) {
      this.logger.error({ err: error, client: this.clientLabel(), stream }, 'request failed with an unexpected error');
    }
    this.send(frame, { stream, opcode: Opcode.Error, flags: 0 });
  }

  /** A reply whose body is given whole (or empty when null). */
  private replyRaw(stream: number, opcode: number, body: Buffer | null): void {
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + (body === null ? 0 : body.length));
    if (body !== null) body.copy(frame, FRAME_HEADER_BYTES);
    this.send(frame, { stream, opcode, flags: 0 });
  }

  /** Completes `frame` (body after FRAME_HEADER_BYTES reserved bytes), compressing if negotiated. */
  private send(frame: Buffer, header: { stream: number; opcode: number; flags: number }): void {
    if (this.closed || this.ended) return;
    let out = frame;
    let flags = header.flags;
    if (this.compressor !== null && frame.length > FRAME_HEADER_BYTES) {
      const compressed = this.compressor.compress(frame.subarray(FRAME_HEADER_BYTES));
      out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + compressed.length);
      compressed.copy(out, FRAME_HEADER_BYTES);
      flags |= FrameFlag.Compression;
    }
    writeResponseHeader(out, { flags, stream: header.stream, opcode: header.opcode });
    this.enqueue(out);
  }

  /** Appends a whole frame built elsewhere (errors, handshake replies, events). */
  private enqueue(frame: Buffer): void {
    if (this.ended) return;
    this.out.writeRaw(frame);
    this.scheduleFlush();
  }

  /**
   * Flushes once the current macrotask's work is done (a microtask queued behind the replies that
   * are completing now), rather than a loop turn later: replies produced by one socket read, or by
   * one commit-log sync, still leave in one write, without waiting for the next poll phase.
   */
  private scheduleFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(this.flushNow);
  }

  /**
   * Writes everything produced this tick in one socket write. The buffer is reused only when the
   * socket took all of it synchronously (writableLength 0: nothing keeps a reference); otherwise,
   * or when a large reply grew it, the next replies go to a fresh one.
   */
  private flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    const out = this.out;
    if (out.length > 0) {
      this.lastWriteAccepted = this.socket.write(out.finish());
      if (this.socket.writableLength === 0 && out.capacityBytes <= OUTPUT_BUFFER_RETAINED_BYTES_MAX) out.reset();
      else this.out = new BodyWriter(OUTPUT_BUFFER_BYTES_INITIAL);
    }
    this.lastActivityMs = this.context.clock.monotonicMs();
    if (this.closing) {
      this.endSocket();
      return;
    }
    // Pause only when the socket refused the last write: then 'drain' is certain to follow. (So
    // the effective mark is the larger of ours and the socket's own high-water mark.)
    if (!this.readPaused && !this.lastWriteAccepted && this.socket.writableLength > this.limits.writeHighWaterBytes) {
      this.readPaused = true;
      this.socket.pause();
    }
  }

  private onDrain(): void {
    if (this.readPaused && !this.closed && !this.closing) {
      this.readPaused = false;
      this.socket.resume();
    }
  }

  // ---- closing ----

  /** Answers `error` on `stream` and closes the connection after the reply is flushed. */
  private fail(stream: number, error: CqlError): void {
    if (this.closing || this.closed) return;
    this.replyError(stream, error);
    this.startClosing();
  }

  private startClosing(): void {
    this.closing = true;
    this.decoder.stop();
    this.scheduleFlush();
  }

  private endSocket(): void {
    this.ended = true;
    this.socket.end();
    if (this.closeGraceHandle === null) {
      this.closeGraceHandle = this.context.timers.setTimeout(() => this.close(), this.limits.closeGraceMs);
    }
  }

  private onIdleCheck(): void {
    this.idleHandle = null;
    if (this.closed) return;
    const idleMs = this.context.clock.monotonicMs() - this.lastActivityMs;
    if (idleMs >= this.limits.idleTimeoutMs && this.inFlight === 0) {
      this.logger.debug({ client: this.clientLabel(), idleMs }, 'closing idle connection');
      this.close();
      return;
    }
    // With requests in flight, look again a full period later rather than spinning.
    const waitMs = this.inFlight > 0 ? this.limits.idleTimeoutMs : Math.max(1, this.limits.idleTimeoutMs - Math.max(0, idleMs));
    this.idleHandle = this.context.timers.setTimeout(this.checkIdle, waitMs);
  }

  private onSocketClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.decoder.stop();
    this.closeGraceHandle?.cancel();
    this.closeGraceHandle = null;
    this.idleHandle?.cancel();
    this.idleHandle = null;
    this.out.reset();
    this.freeReplies.length = 0;
    this.context.onClosed(this);
  }

  private clientLabel(): string {
    return `${this.session.clientAddress}:${this.session.clientPort}`;
  }
}

/** A service that threw synchronously is treated like one that rejected. */
function rejected<T>(error: unknown): Promise<T> {
  return Promise.reject(error instanceof Error ? error : new Error(String(error)));
}

function opcodeName(opcode: number): string {
  for (const [name, code] of Object.entries(Opcode)) {
    if (code === opcode) return name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
  }
  return `0x${opcode.toString(16)}`;
}
