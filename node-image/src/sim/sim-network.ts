// The simulated network: listeners and stream connections between simulated processes. Each
// direction of a connection is a FIFO pipe with seeded latency, jitter, spikes and bandwidth;
// bytes may be split and coalesced (as TCP segments are) but never lost, duplicated or reordered
// within a connection. Loss is a connection reset (seeded per write); reordering happens across
// connections. Partitions (one-way or both ways) hold bytes in flight; a connection held longer
// than its retransmission timeout is reset. A killed process's sockets reset their peers; a power
// loss is silent (peers find out by timeout).
import type { HttpHandler, HttpRequest, HttpResponse, Listener, ListenOptions, Network, Socket } from '../io/index.ts';
import type { TimerHandle } from '../io/index.ts';
import { assert } from '../lib/index.ts';
import type { SimProcess } from './sim-process.ts';
import type { SimScheduler } from './scheduler.ts';
import type { SimRandom } from './sim-random.ts';

/** Faults and timing of the network; every probability is per write (or per connect). */
export interface NetworkProfile {
  /** One-way latency of a link, drawn once per directed host pair. */
  readonly latencyMinMs: number;
  readonly latencyMaxMs: number;
  /** Extra uniform delay per write. */
  readonly jitterMs: number;
  /** A write is delayed by a spike of up to `spikeMaxMs` with this probability. */
  readonly spikeProbability: number;
  readonly spikeMaxMs: number;
  /** Link bandwidth (bytes per virtual millisecond). */
  readonly bytesPerMs: number;
  /** A write resets its connection with this probability (TCP loss beyond recovery). */
  readonly resetProbability: number;
  /** A write is cut into 2..4 segments with this probability. */
  readonly splitProbability: number;
  /** How long a connection may hold undeliverable bytes before it resets (TCP retransmission timeout). */
  readonly stallResetMinMs: number;
  readonly stallResetMaxMs: number;
}

export const QUIET_NETWORK: NetworkProfile = {
  latencyMinMs: 0.1, latencyMaxMs: 0.5, jitterMs: 0.05, spikeProbability: 0, spikeMaxMs: 0,
  bytesPerMs: 125_000, resetProbability: 0, splitProbability: 0, stallResetMinMs: 5_000, stallResetMaxMs: 15_000,
};

export const FAULTY_NETWORK: NetworkProfile = {
  latencyMinMs: 0.1, latencyMaxMs: 3, jitterMs: 1, spikeProbability: 0.01, spikeMaxMs: 300,
  bytesPerMs: 50_000, resetProbability: 0.002, splitProbability: 0.2, stallResetMinMs: 2_000, stallResetMaxMs: 10_000,
};

/** Bytes the kernel buffers before a socket's own queue (writableLength) grows. */
export const KERNEL_SEND_BUFFER_BYTES = 256 * 1024;
/** write() returns false (and 'drain' follows) once the socket's own queue exceeds this. */
export const WRITABLE_HIGH_WATER_BYTES = 16 * 1024;
/** Bound on segments coalesced into one 'data' event. */
const COALESCE_SEGMENTS_MAX = 8;
/** Bound on open connections in one simulation. */
export const CONNECTIONS_MAX = 10_000;
const EPHEMERAL_PORT_FIRST = 32_768;

type Segment =
  | { readonly kind: 'data'; readonly bytes: Buffer; readonly dueMs: number }
  | { readonly kind: 'fin'; readonly dueMs: number }
  | { readonly kind: 'rst'; readonly dueMs: number };

type Handler = (...args: never[]) => void;

/** One direction of a connection: segments from `from` to `to`, delivered in order. */
class Pipe {
  readonly from: SimSocket;
  readonly to: SimSocket;
  readonly queue: Segment[] = [];
  pump: TimerHandle | null = null;
  lastDueMs = 0;
  inFlightBytes = 0;
  /** The writer saw write() return false: emit 'drain' when the queue empties. */
  needDrain = false;

  constructor(from: SimSocket, to: SimSocket) {
    this.from = from;
    this.to = to;
  }
}

export class SimSocket implements Socket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  readonly owner: SimProcess;
  readonly connection: SimConnection;
  /** Outgoing pipe (set by the connection). */
  out!: Pipe;
  private readonly handlers = new Map<string, Handler[]>();
  closed = false;
  private finSent = false;
  finReceived = false;
  private paused = false;
  private readonly heldWhilePaused: Buffer[] = [];

  constructor(options: { owner: SimProcess; connection: SimConnection; local: { host: string; port: number }; remote: { host: string; port: number } }) {
    this.owner = options.owner;
    this.connection = options.connection;
    this.localAddress = options.local.host;
    this.localPort = options.local.port;
    this.remoteAddress = options.remote.host;
    this.remotePort = options.remote.port;
  }

  get writableLength(): number {
    return Math.max(0, this.out.inFlightBytes - KERNEL_SEND_BUFFER_BYTES);
  }

  write(bytes: Uint8Array, callback?: (error?: Error | null) => void): boolean {
    const net = this.connection.network;
    if (this.closed || this.finSent) {
      const error = new Error(this.closed ? 'This socket has been ended by the other party' : 'write after end');
      if (callback !== undefined) net.scheduler.schedule({ delayMs: 0, owner: this.owner, label: 'sock:write-cb' }, () => callback(error));
      return false;
    }
    net.send(this.out, Buffer.from(bytes));
    if (callback !== undefined) net.scheduler.schedule({ delayMs: 0, owner: this.owner, label: 'sock:write-cb' }, () => callback(null));
    const ok = this.writableLength <= WRITABLE_HIGH_WATER_BYTES;
    if (!ok) this.out.needDrain = true;
    return ok;
  }

  end(): void {
    if (this.closed || this.finSent) return;
    this.finSent = true;
    this.connection.network.sendControl(this.out, 'fin');
    this.maybeClosed();
  }

  destroy(error?: Error): void {
    if (this.closed) return;
    if (!this.finSent) {
      this.finSent = true;
      this.connection.network.sendControl(this.out, 'fin');
    }
    this.closeLocally(error ?? null);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.heldWhilePaused.length === 0) return;
    this.connection.network.scheduler.schedule({ delayMs: 0, owner: this.owner, label: 'sock:resume' }, () => {
      while (this.heldWhilePaused.length > 0 && !this.paused && !this.closed) this.emit('data', this.heldWhilePaused.shift()!);
    });
  }

  setNoDelay(): this {
    return this;
  }

  on(event: string, listener: Handler): this {
    let list = this.handlers.get(event);
    if (list === undefined) {
      list = [];
      this.handlers.set(event, list);
    }
    list.push(listener);
    return this;
  }

  // ---- called by the network --------------------------------------------------------------------

  receiveData(bytes: Buffer): void {
    if (this.closed || this.finReceived) return;
    if (this.paused) {
      this.heldWhilePaused.push(bytes);
      return;
    }
    this.emit('data', bytes);
  }

  receiveFin(): void {
    if (this.closed || this.finReceived) return;
    this.finReceived = true;
    this.emit('end');
    // allowHalfOpen is false on node:net sockets: answer the FIN with ours.
    if (!this.finSent) {
      this.finSent = true;
      this.connection.network.sendControl(this.out, 'fin');
    }
    this.maybeClosed();
  }

  /** The connection was reset (RST, or the stall timeout). */
  reset(reason: string): void {
    if (this.closed) return;
    const error = Object.assign(new Error(`read ECONNRESET (${reason})`), { code: 'ECONNRESET' });
    this.closeLocally(error);
  }

  /** The owning process died: the socket vanishes without running any more callbacks. */
  vanish(): void {
    this.closed = true;
    this.heldWhilePaused.length = 0;
  }

  emitDrain(): void {
    if (!this.closed) this.emit('drain');
  }

  private maybeClosed(): void {
    if (this.finSent && this.finReceived && !this.closed) this.closeLocally(null);
  }

  private closeLocally(error: Error | null): void {
    this.closed = true;
    this.heldWhilePaused.length = 0;
    this.connection.network.socketClosed(this);
    // node:net emits 'error' and 'close' on a later tick.
    this.connection.network.scheduler.schedule({ delayMs: 0, owner: this.owner, label: 'sock:close' }, () => {
      if (error !== null) {
        if ((this.handlers.get('error') ?? []).length === 0) throw error;
        this.emit('error', error);
      }
      this.emit('close', error !== null);
    });
  }

  private emit(event: string, ...args: unknown[]): void {
    const list = this.handlers.get(event);
    if (list === undefined) return;
    for (const handler of list) (handler as (...a: unknown[]) => void)(...args);
  }
}

export class SimConnection {
  readonly network: SimNetwork;
  readonly id: number;
  readonly client: SimSocket;
  readonly server: SimSocket;
  stallReset: TimerHandle | null = null;

  constructor(options: {
    network: SimNetwork; id: number; clientOwner: SimProcess; serverOwner: SimProcess;
    client: { host: string; port: number }; server: { host: string; port: number };
  }) {
    this.network = options.network;
    this.id = options.id;
    this.client = new SimSocket({ owner: options.clientOwner, connection: this, local: options.client, remote: options.server });
    this.server = new SimSocket({ owner: options.serverOwner, connection: this, local: options.server, remote: options.client });
    this.client.out = new Pipe(this.client, this.server);
    this.server.out = new Pipe(this.server, this.client);
  }

  get pipes(): readonly Pipe[] {
    return [this.client.out, this.server.out];
  }

  toString(): string {
    return `c${this.id}`;
  }
}

interface BoundListener {
  readonly owner: SimProcess;
  readonly onConnection: (socket: Socket) => void;
}

interface BoundHttp {
  readonly owner: SimProcess;
  readonly handler: HttpHandler;
}

export interface NetworkStats {
  readonly connections: number;
  readonly resets: number;
  readonly deliveredBytes: number;
  readonly heldSegments: number;
}

export class SimNetwork {
  readonly scheduler: SimScheduler;
  private readonly random: SimRandom;
  profile: NetworkProfile;
  private readonly listeners = new Map<string, BoundListener>();
  private readonly httpListeners = new Map<string, BoundHttp>();
  private readonly connections = new Set<SimConnection>();
  private readonly linkLatencyMs = new Map<string, number>();
  private readonly blockedLinks = new Set<string>();
  /** Hosts powered off: nothing they had in flight is answered. */
  private nextConnectionId = 1;
  private nextEphemeralPort = EPHEMERAL_PORT_FIRST;
  private counters = { connections: 0, resets: 0, deliveredBytes: 0 };

  constructor(options: { scheduler: SimScheduler; random: SimRandom; profile: NetworkProfile }) {
    this.scheduler = options.scheduler;
    this.random = options.random;
    this.profile = options.profile;
  }

  stats(): NetworkStats {
    let held = 0;
    for (const c of this.connections) for (const p of c.pipes) held += p.queue.length;
    return { ...this.counters, heldSegments: held };
  }

  /** The Network a process sees: it speaks from `host`. */
  view(options: { process: SimProcess; host: string }): Network {
    const { process, host } = options;
    process.onDeath(() => this.processDied(process));
    return {
      listen: (listen, onConnection) => this.listen(process, listen, onConnection),
      connect: (connect) => this.connect(process, { ...connect, localAddress: connect.localAddress ?? host }),
      listenHttp: (listen, handler) => this.listenHttp(process, listen, handler),
    };
  }

  // ---- faults -------------------------------------------------------------------------------------

  /** Blocks traffic from `from` to `to` (and back unless `oneWay`) until heal(). */
  partition(options: { from: string; to: string; oneWay?: boolean }): void {
    this.blockedLinks.add(linkKey(options.from, options.to));
    if (options.oneWay !== true) this.blockedLinks.add(linkKey(options.to, options.from));
    this.scheduler.trace.addString(`partition ${options.from}${options.oneWay === true ? '->' : '<->'}${options.to}`);
  }

  /** Removes every partition; held bytes flow again. */
  heal(): void {
    this.blockedLinks.clear();
    this.scheduler.trace.addString('heal');
    for (const connection of this.connections) {
      for (const pipe of connection.pipes) if (pipe.queue.length > 0 && pipe.pump === null) this.armPump(pipe, this.latency(pipe));
    }
  }

  blocked(from: string, to: string): boolean {
    return this.blockedLinks.size > 0 && this.blockedLinks.has(linkKey(from, to));
  }

  /** An HTTP request from the simulation to a listener (a minimal fake for management probes). */
  async httpRequest(options: { host: string; port: number; request: Omit<HttpRequest, 'remoteAddress'> }): Promise<HttpResponse> {
    const bound = this.httpListeners.get(`${options.host}:${options.port}`);
    if (bound === undefined || !bound.owner.alive) throw Object.assign(new Error(`connect ECONNREFUSED ${options.host}:${options.port}`), { code: 'ECONNREFUSED' });
    return bound.handler({ ...options.request, remoteAddress: '127.0.0.1' });
  }

  // ---- implementation -------------------------------------------------------------------------------

  private async listen(process: SimProcess, options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
    if (!process.alive) return new Promise<Listener>(() => {});
    const port = options.port === 0 ? this.nextEphemeralPort++ : options.port;
    const key = `${options.host}:${port}`;
    const existing = this.listeners.get(key);
    if (existing !== undefined && existing.owner.alive) {
      throw Object.assign(new Error(`listen EADDRINUSE: address already in use ${key}`), { code: 'EADDRINUSE' });
    }
    const bound: BoundListener = { owner: process, onConnection };
    this.listeners.set(key, bound);
    return {
      host: options.host,
      port,
      close: async () => {
        if (this.listeners.get(key) === bound) this.listeners.delete(key);
      },
    };
  }

  private async listenHttp(process: SimProcess, options: ListenOptions, handler: HttpHandler): Promise<Listener> {
    if (!process.alive) return new Promise<Listener>(() => {});
    const port = options.port === 0 ? this.nextEphemeralPort++ : options.port;
    const key = `${options.host}:${port}`;
    const existing = this.httpListeners.get(key);
    if (existing !== undefined && existing.owner.alive) {
      throw Object.assign(new Error(`listen EADDRINUSE: address already in use ${key}`), { code: 'EADDRINUSE' });
    }
    const bound: BoundHttp = { owner: process, handler };
    this.httpListeners.set(key, bound);
    return {
      host: options.host,
      port,
      close: async () => {
        if (this.httpListeners.get(key) === bound) this.httpListeners.delete(key);
      },
    };
  }

  private connect(process: SimProcess, options: { host: string; port: number; localAddress: string; timeoutMs: number }): Promise<Socket> {
    // A dead process's continuation: the call never returns, as nothing of it runs any more.
    if (!process.alive) return new Promise<Socket>(() => {});
    const from = options.localAddress;
    const to = options.host;
    const target = `${to}:${options.port}`;
    return new Promise<Socket>((resolve, reject) => {
      const timedOut = (): void => reject(Object.assign(new Error(`connect ETIMEDOUT ${target} (after ${options.timeoutMs} ms)`), { code: 'ETIMEDOUT' }));
      if (this.blocked(from, to) || this.blocked(to, from)) {
        this.scheduler.schedule({ delayMs: options.timeoutMs, owner: process, label: `connect-timeout ${from}->${target}` }, timedOut);
        return;
      }
      const forwardMs = this.linkLatency(from, to);
      const backMs = this.linkLatency(to, from);
      // The SYN reaches the target after one way; the answer comes back after the other.
      this.scheduler.schedule({ delayMs: forwardMs, owner: process, label: `syn ${from}->${target}` }, () => {
        const bound = this.listeners.get(target);
        if (bound === undefined || !bound.owner.alive || this.blocked(from, to)) {
          if (this.blocked(from, to) || this.blocked(to, from)) {
            this.scheduler.schedule({ delayMs: Math.max(0, options.timeoutMs - forwardMs), owner: process, label: 'connect-timeout' }, timedOut);
            return;
          }
          this.scheduler.schedule({ delayMs: backMs, owner: process, label: `refused ${from}->${target}` }, () => {
            reject(Object.assign(new Error(`connect ECONNREFUSED ${target}`), { code: 'ECONNREFUSED' }));
          });
          return;
        }
        assert(this.connections.size < CONNECTIONS_MAX, `sim: more than ${CONNECTIONS_MAX} open connections`);
        const connection = new SimConnection({
          network: this, id: this.nextConnectionId++, clientOwner: process, serverOwner: bound.owner,
          client: { host: from, port: this.nextEphemeralPort++ }, server: { host: to, port: options.port },
        });
        this.connections.add(connection);
        this.counters.connections++;
        this.scheduler.trace.addString(`open ${connection} ${from}->${target}`);
        bound.onConnection(connection.server);
        this.scheduler.schedule({ delayMs: backMs, owner: process, label: `syn-ack ${connection}` }, () => {
          if (connection.client.closed) {
            reject(Object.assign(new Error(`read ECONNRESET ${target}`), { code: 'ECONNRESET' }));
            return;
          }
          resolve(connection.client);
        });
      });
    });
  }

  send(pipe: Pipe, bytes: Buffer): void {
    const p = this.profile;
    if (p.resetProbability > 0 && this.random.float() < p.resetProbability) {
      // The segment is lost beyond TCP's recovery: the connection resets after a round trip.
      const connection = pipe.from.connection;
      this.scheduler.schedule({ delayMs: this.latency(pipe), owner: null, label: `loss-reset ${connection}` }, () => this.resetConnection(connection, 'simulated loss'));
    }
    const dueMs = this.dueTime(pipe, bytes.length);
    pipe.inFlightBytes += bytes.length;
    if (p.splitProbability > 0 && bytes.length > 1 && this.random.float() < p.splitProbability) {
      const parts = 2 + this.random.int(3);
      let offset = 0;
      for (let i = 0; i < parts && offset < bytes.length; i++) {
        const end = i === parts - 1 ? bytes.length : Math.min(bytes.length, offset + 1 + this.random.int(Math.max(1, bytes.length - offset)));
        pipe.queue.push({ kind: 'data', bytes: bytes.subarray(offset, end), dueMs });
        offset = end;
      }
      if (offset < bytes.length) pipe.queue.push({ kind: 'data', bytes: bytes.subarray(offset), dueMs });
    } else {
      pipe.queue.push({ kind: 'data', bytes, dueMs });
    }
    if (pipe.pump === null) this.armPump(pipe, dueMs - this.scheduler.nowMs);
  }

  sendControl(pipe: Pipe, kind: 'fin' | 'rst'): void {
    const dueMs = this.dueTime(pipe, 0);
    pipe.queue.push({ kind, dueMs });
    if (pipe.pump === null) this.armPump(pipe, dueMs - this.scheduler.nowMs);
  }

  socketClosed(socket: SimSocket): void {
    const connection = socket.connection;
    if (connection.client.closed && connection.server.closed) this.forget(connection);
  }

  private dueTime(pipe: Pipe, sizeBytes: number): number {
    const p = this.profile;
    let delay = this.latency(pipe) + sizeBytes / p.bytesPerMs;
    if (p.jitterMs > 0) delay += this.random.float() * p.jitterMs;
    if (p.spikeProbability > 0 && this.random.float() < p.spikeProbability) delay += this.random.float() * p.spikeMaxMs;
    const due = Math.max(this.scheduler.nowMs + delay, pipe.lastDueMs);
    pipe.lastDueMs = due;
    return due;
  }

  private latency(pipe: Pipe): number {
    return this.linkLatency(pipe.from.localAddress, pipe.to.localAddress);
  }

  private linkLatency(from: string, to: string): number {
    const key = linkKey(from, to);
    let ms = this.linkLatencyMs.get(key);
    if (ms === undefined) {
      const p = this.profile;
      ms = p.latencyMinMs + this.random.float() * (p.latencyMaxMs - p.latencyMinMs);
      this.linkLatencyMs.set(key, ms);
    }
    return ms;
  }

  private armPump(pipe: Pipe, delayMs: number): void {
    pipe.pump = this.scheduler.schedule({ delayMs, owner: null, label: 'deliver' }, () => {
      pipe.pump = null;
      this.pumpOnce(pipe);
    });
  }

  private pumpOnce(pipe: Pipe): void {
    const receiver = pipe.to;
    const connection = receiver.connection;
    if (receiver.closed) {
      // The receiver is gone (its process died, or it reset): nothing can be delivered. If it
      // vanished silently (power loss), the sender finds out when its retransmissions time out.
      this.dropQueue(pipe);
      if (!pipe.from.closed && !receiver.owner.alive) this.armStallReset(connection);
      return;
    }
    if (this.blocked(pipe.from.localAddress, receiver.localAddress)) {
      this.armStallReset(connection);
      return;
    }
    const now = this.scheduler.nowMs;
    const head = pipe.queue[0];
    if (head === undefined) return;
    if (head.dueMs > now) {
      this.armPump(pipe, head.dueMs - now);
      return;
    }
    pipe.queue.shift();
    if (head.kind === 'data') {
      let bytes = head.bytes;
      // Segments already due are coalesced into one read, as a socket read returns what has arrived.
      let merged = 0;
      while (merged < COALESCE_SEGMENTS_MAX && pipe.queue.length > 0 && pipe.queue[0]!.kind === 'data' && pipe.queue[0]!.dueMs <= now && this.random.float() < 0.5) {
        const next = pipe.queue.shift() as { bytes: Buffer };
        bytes = Buffer.concat([bytes, next.bytes]);
        merged++;
      }
      pipe.inFlightBytes -= bytes.length;
      this.counters.deliveredBytes += bytes.length;
      this.scheduler.trace.addNumber(bytes.length);
      receiver.receiveData(bytes);
      if (pipe.needDrain && pipe.from.writableLength === 0) {
        pipe.needDrain = false;
        const sender = pipe.from;
        this.scheduler.schedule({ delayMs: 0, owner: sender.owner, label: 'sock:drain' }, () => sender.emitDrain());
      }
    } else if (head.kind === 'fin') {
      receiver.receiveFin();
    } else {
      this.scheduler.trace.addString(`rst ${connection}`);
      receiver.reset('connection reset by peer');
    }
    if (pipe.queue.length > 0 && pipe.pump === null) this.armPump(pipe, Math.max(0, pipe.queue[0]!.dueMs - now));
    if (connection.stallReset !== null && connection.pipes.every((p) => p.queue.length === 0)) {
      connection.stallReset.cancel();
      connection.stallReset = null;
    }
  }

  private dropQueue(pipe: Pipe): void {
    pipe.queue.length = 0;
    pipe.inFlightBytes = 0;
  }

  private armStallReset(connection: SimConnection): void {
    if (connection.stallReset !== null) return;
    const p = this.profile;
    const delayMs = p.stallResetMinMs + this.random.float() * (p.stallResetMaxMs - p.stallResetMinMs);
    connection.stallReset = this.scheduler.schedule({ delayMs, owner: null, label: `stall-reset ${connection}` }, () => {
      connection.stallReset = null;
      if (connection.pipes.some((pipe) => pipe.queue.length > 0) || !connection.client.owner.alive || !connection.server.owner.alive) {
        this.resetConnection(connection, 'retransmission timeout');
      }
    });
  }

  private resetConnection(connection: SimConnection, reason: string): void {
    if (!this.connections.has(connection)) return;
    this.counters.resets++;
    this.scheduler.trace.addString(`reset ${connection} ${reason}`);
    for (const pipe of connection.pipes) this.dropQueue(pipe);
    for (const socket of [connection.client, connection.server]) {
      if (socket.owner.alive) socket.reset(reason);
      else socket.vanish();
    }
    this.forget(connection);
  }

  private forget(connection: SimConnection): void {
    if (!this.connections.delete(connection)) return;
    connection.stallReset?.cancel();
    connection.stallReset = null;
    for (const pipe of connection.pipes) pipe.pump?.cancel();
  }

  /** A process died: its listeners go, its sockets vanish; peers get a RST unless `silent`. */
  private processDied(process: SimProcess): void {
    for (const [key, bound] of this.listeners) if (bound.owner === process) this.listeners.delete(key);
    for (const [key, bound] of this.httpListeners) if (bound.owner === process) this.httpListeners.delete(key);
    const silent = this.silentDeaths.has(process);
    for (const connection of [...this.connections]) {
      for (const socket of [connection.client, connection.server]) {
        if (socket.owner !== process || socket.closed) continue;
        socket.vanish();
        if (!silent) this.sendControl(socket.out, 'rst');
        else this.armStallReset(connection);
      }
      if (connection.client.closed && connection.server.closed) this.forget(connection);
    }
  }

  private readonly silentDeaths = new WeakSet<SimProcess>();

  /** Marks `process` to die without a word on the wire (power loss); call before its kill(). */
  dieSilently(process: SimProcess): void {
    this.silentDeaths.add(process);
  }
}

function linkKey(from: string, to: string): string {
  return `${from}>${to}`;
}
