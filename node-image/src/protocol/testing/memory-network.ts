// Test-only: an in-memory Network whose server sockets are driven by the test. `connect()` gives
// the client end: bytes sent arrive synchronously as 'data' on the server socket; bytes the
// server writes are collected. writableLength can be forced to simulate a client that stops reading.
import type { HttpHandler, Listener, ListenOptions, Network, Socket } from '../../io/index.ts';

type Handler = (...args: never[]) => void;

/** Stand-in for net.Socket's writableHighWaterMark. */
export const MEMORY_SOCKET_HIGH_WATER_BYTES = 16 * 1024;

export class MemorySocket implements Socket {
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort: number;
  readonly localAddress = '127.0.0.1';
  readonly localPort: number;
  /** Everything the server wrote, in order (one entry per write call). */
  readonly written: Buffer[] = [];
  paused = false;
  ended = false;
  destroyed = false;
  /** When set, reported as writableLength (simulates unsent output). */
  forcedWritableLength: number | null = null;
  private readonly handlers = new Map<string, Handler[]>();

  constructor(remotePort: number, localPort: number) {
    this.remotePort = remotePort;
    this.localPort = localPort;
  }

  get writableLength(): number {
    return this.forcedWritableLength ?? 0;
  }

  /** Like net.Socket: false once unsent output reaches the socket's own high-water mark. */
  write(bytes: Uint8Array): boolean {
    if (this.destroyed || this.ended) return false;
    this.written.push(Buffer.from(bytes));
    return this.writableLength < MEMORY_SOCKET_HIGH_WATER_BYTES;
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.emit('close', false);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close', false);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
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

  emit(event: string, ...args: unknown[]): void {
    for (const handler of this.handlers.get(event) ?? []) (handler as (...a: unknown[]) => void)(...args);
  }

  /** Client to server: delivers `bytes` as one 'data' chunk. */
  clientSend(bytes: Buffer): void {
    if (this.destroyed || this.ended) return;
    this.emit('data', bytes);
  }

  /** Bytes written by the server so far, joined. */
  output(): Buffer {
    return Buffer.concat(this.written);
  }

  get isClosed(): boolean {
    return this.destroyed || this.ended;
  }
}

export class MemoryNetwork implements Network {
  private onConnection: ((socket: Socket) => void) | null = null;
  private nextPort = 40000;

  async listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
    this.onConnection = onConnection;
    const port = options.port === 0 ? 9042 : options.port;
    return {
      host: options.host,
      port,
      close: async () => {
        this.onConnection = null;
      },
    };
  }

  /** Opens a client connection to the listening server; returns the server-side socket. */
  open(): MemorySocket {
    const socket = new MemorySocket(this.nextPort++, 9042);
    if (this.onConnection === null) throw new Error('nothing is listening');
    this.onConnection(socket);
    return socket;
  }

  async connect(): Promise<Socket> {
    throw new Error('MemoryNetwork.connect is not used by these tests');
  }

  async listenHttp(_options: ListenOptions & { bodyBytesMax: number }, _handler: HttpHandler): Promise<Listener> {
    throw new Error('MemoryNetwork.listenHttp is not used by these tests');
  }
}
