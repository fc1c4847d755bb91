// The CQL native-protocol server of one shard: accepts connections (with reusePort so every shard
// can listen on the same address), owns them, and fans events out to those registered for them:
// TOPOLOGY_CHANGE / STATUS_CHANGE via broadcastEvent, SCHEMA_CHANGE from the CqlService.
// Invariant: at most `connectionsMax` open connections; close() leaves no socket or timer behind;
// drain() answers every request it accepted (within its bound) before it ends a connection.
import type { CqlService, SchemaChangeEvent } from '../cql/index.ts';
import type { Clock, Listener, Logger, Network, ServerTlsOptions, Socket, Timers } from '../io/index.ts';
import { pollUntil } from '../io/index.ts';
import { assert } from '../lib/index.ts';
import { Connection } from './connection.ts';
import type { ConnectionContext } from './connection.ts';
import { encodeEventFrame } from './event-encoder.ts';
import type { ProtocolEvent } from './event-encoder.ts';
import { EVENT_STREAM_ID, writeResponseHeader } from './frame-header.ts';
import { DRAIN_IN_FLIGHT_WAIT_MS_DEFAULT, DRAIN_POLL_MS, resolveProtocolLimits } from './limits.ts';
import type { ProtocolLimits } from './limits.ts';
import { Opcode } from './message-codes.ts';

export interface ProtocolServerOptions {
  readonly network: Network;
  readonly timers: Timers;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly cql: CqlService;
  /** Overrides of DEFAULT_PROTOCOL_LIMITS. */
  readonly limits?: Partial<ProtocolLimits>;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly reusePort?: boolean;
  /** client_encryption_options: TLS on the native port (io.Network does the handshake). */
  readonly tls?: ServerTlsOptions;
}

export class ProtocolServer {
  readonly limits: ProtocolLimits;
  private readonly options: ProtocolServerOptions;
  private readonly logger: Logger;
  private readonly connections = new Set<Connection>();
  private readonly context: ConnectionContext;
  private listener: Listener | null = null;
  private unsubscribeSchema: (() => void) | null = null;
  private state: 'new' | 'started' | 'draining' | 'closed' = 'new';
  private draining: Promise<void> | null = null;
  private refusedConnections = 0;

  constructor(options: ProtocolServerOptions) {
    this.options = options;
    this.limits = resolveProtocolLimits(options.limits);
    this.logger = options.logger.child({ component: 'protocol' });
    const connections = this.connections;
    this.context = {
      cql: options.cql,
      timers: options.timers,
      clock: options.clock,
      logger: this.logger,
      limits: this.limits,
      onClosed: (connection) => connections.delete(connection),
    };
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Connections closed at accept because `connectionsMax` were open. */
  get refusedConnectionCount(): number {
    return this.refusedConnections;
  }

  async start(): Promise<{ host: string; port: number }> {
    assert(this.state === 'new', `ProtocolServer.start() called in state ${this.state}`);
    this.state = 'started';
    this.unsubscribeSchema = this.options.cql.onSchemaChange((event) => this.onSchemaChange(event));
    try {
      this.listener = await this.options.network.listen(
        { host: this.options.host, port: this.options.port, reusePort: this.options.reusePort ?? false, ...(this.options.tls === undefined ? {} : { tls: this.options.tls }) },
        (socket) => this.accept(socket),
      );
    } catch (error) {
      this.unsubscribeSchema();
      this.unsubscribeSchema = null;
      this.state = 'closed';
      throw error;
    }
    this.logger.info({ host: this.listener.host, port: this.listener.port }, 'listening for CQL clients');
    return { host: this.listener.host, port: this.listener.port };
  }

  /** Requests being served over every connection. */
  get inFlightCount(): number {
    let n = 0;
    for (const connection of this.connections) n += connection.inFlightCount;
    return n;
  }

  /**
   * Graceful stop: no new connections; new requests on open ones are answered Overloaded (drivers
   * retry them on another node); requests in flight are answered (waiting at most
   * `inFlightWaitMs`), then each connection is ended after its last reply and the server closes.
   */
  drain(options: { inFlightWaitMs?: number; message?: string } = {}): Promise<void> {
    if (this.state === 'new' || this.state === 'closed') return this.close();
    this.draining ??= this.runDrain(
      options.inFlightWaitMs ?? DRAIN_IN_FLIGHT_WAIT_MS_DEFAULT,
      options.message ?? `${this.options.host} is shutting down; retry on another node`,
    );
    return this.draining;
  }

  private async runDrain(inFlightWaitMs: number, message: string): Promise<void> {
    this.state = 'draining';
    const listener = this.listener;
    this.listener = null;
    const closingListener = listener?.close();
    for (const connection of this.connections) connection.startDraining(message);
    const { elapsedMs } = await pollUntil(this.options, { pollMs: DRAIN_POLL_MS, timeoutMs: inFlightWaitMs }, () => this.inFlightCount === 0);
    const left = this.inFlightCount;
    if (left > 0) this.logger.warn({ inFlight: left, waitedMs: elapsedMs }, 'closing client connections with requests still in flight');
    // Each connection writes what it has and ends; a client that does not close is cut after closeGraceMs.
    for (const connection of this.connections) connection.end();
    await pollUntil(this.options, { pollMs: DRAIN_POLL_MS, timeoutMs: this.limits.closeGraceMs }, () => this.connections.size === 0);
    // Destroys what is left; the listener's close resolves once no connection remains.
    await this.close();
    await closingListener;
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.unsubscribeSchema?.();
    this.unsubscribeSchema = null;
    const listener = this.listener;
    this.listener = null;
    const closing = listener?.close();
    for (const connection of [...this.connections]) connection.close();
    this.connections.clear();
    await closing;
  }

  /** Pushes TOPOLOGY_CHANGE / STATUS_CHANGE (or SCHEMA_CHANGE) to connections registered for it. */
  broadcastEvent(event: ProtocolEvent): void {
    if ((this.state !== 'started' && this.state !== 'draining') || this.connections.size === 0) return;
    const frame = encodeEventFrame(event);
    writeResponseHeader(frame, { flags: 0, stream: EVENT_STREAM_ID, opcode: Opcode.Event });
    for (const connection of this.connections) connection.pushEvent(event.type, frame);
  }

  private onSchemaChange(event: SchemaChangeEvent): void {
    try {
      this.broadcastEvent({ type: 'SCHEMA_CHANGE', event });
    } catch (error) {
      this.logger.error({ err: error }, 'could not push a SCHEMA_CHANGE event');
    }
  }

  private accept(socket: Socket): void {
    if (this.state !== 'started') {
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.limits.connectionsMax) {
      this.refusedConnections++;
      this.logger.warn({ client: `${socket.remoteAddress}:${socket.remotePort}`, connectionsMax: this.limits.connectionsMax },
        'refusing connection: too many open connections');
      socket.destroy();
      return;
    }
    this.connections.add(new Connection(socket, this.context));
  }
}
