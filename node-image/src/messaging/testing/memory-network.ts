// Test-only: an in-memory TCP network over virtual time. Listeners bind "host:port"; connect()
// pairs two sockets; bytes written arrive at the other end after `latencyMs`, in order, optionally
// cut into chunks of at most `chunkBytesMax`. Faults: a host can be taken down (its sockets close,
// connects to it are refused) and two hosts can be partitioned (bytes between them vanish and
// connects time out), as with a real network cable pulled out.
import type { HttpHandler, Listener, ListenOptions, Network, Socket } from '../../io/index.ts';
import type { VirtualTime } from './virtual-time.ts';

type Handler = (...args: never[]) => void;

export class MemorySocket implements Socket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  peer: MemorySocket | null = null;
  private readonly network: MemoryNetwork;
  private readonly handlers = new Map<string, Handler[]>();
  private closedFlag = false;
  private endedByPeer = false;
  private paused = false;
  private readonly heldWhilePaused: Buffer[] = [];
  /** Virtual time at which the last write to the peer is delivered (keeps delivery FIFO). */
  private lastDeliveryMs = 0;
  bytesWritten = 0;

  constructor(network: MemoryNetwork, local: { host: string; port: number }, remote: { host: string; port: number }) {
    this.network = network;
    this.localAddress = local.host;
    this.localPort = local.port;
    this.remoteAddress = remote.host;
    this.remotePort = remote.port;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  get writableLength(): number {
    return 0;
  }

  write(bytes: Uint8Array, callback?: (error?: Error | null) => void): boolean {
    if (this.closedFlag || this.peer === null) return false;
    const copy = Buffer.from(bytes);
    this.bytesWritten += copy.length;
    const peer = this.peer;
    const chunks = this.network.chunk(copy);
    for (const chunk of chunks) this.deliver(() => peer.receive(chunk));
    callback?.(null);
    return true;
  }

  private deliver(fn: () => void): void {
    const time = this.network.time;
    const at = Math.max(time.monotonicMs() + this.network.latencyMs, this.lastDeliveryMs);
    this.lastDeliveryMs = at;
    time.setTimeout(() => {
      if (this.network.blocked(this.localAddress, this.remoteAddress)) return;
      fn();
    }, at - time.monotonicMs());
  }

  /** Called at delivery time on the receiving end. */
  receive(chunk: Buffer): void {
    if (this.closedFlag) return;
    if (this.paused) {
      this.heldWhilePaused.push(chunk);
      return;
    }
    this.emit('data', chunk);
  }

  end(): void {
    if (this.closedFlag) return;
    const peer = this.peer;
    if (peer !== null) this.deliver(() => peer.peerEnded());
    this.network.time.setImmediate(() => this.closeNow());
  }

  /** The peer ended: like a socket with allowHalfOpen false, we close too. */
  private peerEnded(): void {
    if (this.closedFlag || this.endedByPeer) return;
    this.endedByPeer = true;
    this.emit('end');
    this.closeNow();
  }

  destroy(): void {
    if (this.closedFlag) return;
    const peer = this.peer;
    this.closeNow();
    if (peer !== null) this.deliver(() => peer.peerEnded());
  }

  /** Closes this end at once (host down, or the end of a teardown). */
  closeNow(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.network.forget(this);
    this.emit('close', false);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    while (this.heldWhilePaused.length > 0 && !this.paused && !this.closedFlag) this.emit('data', this.heldWhilePaused.shift()!);
  }

  setNoDelay(): this {
    return this;
  }

  on(event: string, listener: Handler): this {
    const list = this.handlers.get(event) ?? [];
    list.push(listener);
    this.handlers.set(event, list);
    return this;
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const handler of this.handlers.get(event) ?? []) (handler as (...a: unknown[]) => void)(...args);
  }
}

interface Bound {
  readonly onConnection: (socket: Socket) => void;
}

export class MemoryNetwork implements Network {
  readonly time: VirtualTime;
  latencyMs: number;
  /** When set, every write is cut into chunks of 1..chunkBytesMax bytes (sizes from `chunkSizes`). */
  chunkBytesMax: number | null = null;
  private chunkSeed = 1;
  private readonly listeners = new Map<string, Bound>();
  private readonly sockets = new Set<MemorySocket>();
  private readonly downHosts = new Set<string>();
  private readonly partitions = new Set<string>();
  private nextPort = 40_000;
  connectAttempts = 0;

  constructor(options: { time: VirtualTime; latencyMs?: number }) {
    this.time = options.time;
    this.latencyMs = options.latencyMs ?? 1;
  }

  async listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
    const port = options.port === 0 ? this.nextPort++ : options.port;
    const key = `${options.host}:${port}`;
    if (this.listeners.has(key)) throw Object.assign(new Error(`listen EADDRINUSE: address already in use ${key}`), { code: 'EADDRINUSE' });
    const bound: Bound = { onConnection };
    this.listeners.set(key, bound);
    return {
      host: options.host,
      port,
      close: async () => {
        if (this.listeners.get(key) === bound) this.listeners.delete(key);
      },
    };
  }

  connect(options: { host: string; port: number; localAddress?: string; timeoutMs: number }): Promise<Socket> {
    this.connectAttempts++;
    const localHost = options.localAddress ?? '127.0.0.1';
    return new Promise<Socket>((resolve, reject) => {
      if (this.blocked(localHost, options.host)) {
        this.time.setTimeout(() => reject(new Error(`connect to ${options.host}:${options.port} timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
        return;
      }
      this.time.setTimeout(() => {
        const bound = this.listeners.get(`${options.host}:${options.port}`);
        if (bound === undefined || this.downHosts.has(options.host) || this.downHosts.has(localHost)) {
          reject(Object.assign(new Error(`connect ECONNREFUSED ${options.host}:${options.port}`), { code: 'ECONNREFUSED' }));
          return;
        }
        const localPort = this.nextPort++;
        const client = new MemorySocket(this, { host: localHost, port: localPort }, { host: options.host, port: options.port });
        const server = new MemorySocket(this, { host: options.host, port: options.port }, { host: localHost, port: localPort });
        client.peer = server;
        server.peer = client;
        this.sockets.add(client);
        this.sockets.add(server);
        bound.onConnection(server);
        resolve(client);
      }, this.latencyMs);
    });
  }

  async listenHttp(_options: ListenOptions & { bodyBytesMax: number }, _handler: HttpHandler): Promise<Listener> {
    throw new Error('MemoryNetwork has no HTTP');
  }

  // ---- faults -------------------------------------------------------------------------------------

  /** Takes a host down: its sockets close at once, and connects to or from it are refused. */
  hostDown(host: string): void {
    this.downHosts.add(host);
    for (const s of [...this.sockets]) if (s.localAddress === host) s.closeNow();
    for (const s of [...this.sockets]) if (s.peer !== null && s.peer.closed) s.destroy();
  }

  hostUp(host: string): void {
    this.downHosts.delete(host);
  }

  /** Bytes between the two hosts vanish and connects time out until heal(). */
  partition(a: string, b: string): void {
    this.partitions.add(pairKey(a, b));
  }

  heal(): void {
    this.partitions.clear();
  }

  blocked(from: string, to: string): boolean {
    return this.partitions.has(pairKey(from, to));
  }

  openSockets(): number {
    return this.sockets.size;
  }

  /** Removes a listener bound to host:port (a crashed process). */
  unlisten(host: string, port: number): void {
    this.listeners.delete(`${host}:${port}`);
  }

  forget(socket: MemorySocket): void {
    this.sockets.delete(socket);
  }

  chunk(bytes: Buffer): Buffer[] {
    const max = this.chunkBytesMax;
    if (max === null || bytes.length <= 1) return [bytes];
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < bytes.length) {
      // xorshift: deterministic chunk sizes without an injected Random.
      let x = this.chunkSeed;
      x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
      this.chunkSeed = x >>> 0 || 1;
      const size = 1 + (this.chunkSeed % max);
      out.push(bytes.subarray(offset, Math.min(bytes.length, offset + size)));
      offset += size;
    }
    return out;
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
