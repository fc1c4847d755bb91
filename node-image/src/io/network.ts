// Sockets as an injected dependency: the shapes below are the subset of node:net that the
// protocol and messaging layers use, so a real net.Socket satisfies them and the simulator can
// provide its own. HTTP for the management API is here too, as a minimal request/response pair.

export interface Socket {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  write(bytes: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  end(): void;
  destroy(error?: Error): void;
  pause(): void;
  resume(): void;
  setNoDelay(noDelay?: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'drain', listener: () => void): unknown;
  on(event: 'close', listener: (hadError: boolean) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  readonly writableLength: number;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface ListenOptions {
  host: string;
  port: number;
  /** Let several shards accept on the same address (SO_REUSEPORT). */
  reusePort?: boolean;
}

export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  readonly remoteAddress: string | undefined;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Buffer;
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;

export interface Network {
  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener>;
  connect(options: { host: string; port: number; localAddress?: string; timeoutMs: number }): Promise<Socket>;
  /**
   * Serves HTTP. A request body above `bodyBytesMax` is not read further and gets `bodyTooLarge`
   * (default: a bare 413) without reaching the handler.
   */
  listenHttp(options: ListenOptions & { bodyBytesMax: number; bodyTooLarge?: HttpResponse }, handler: HttpHandler): Promise<Listener>;
  /**
   * Resolves a host name to all its addresses (IPv4 first), as SimpleSeedProvider resolves seed
   * names; an IP literal resolves to itself. Absent in networks that have no names (the simulator).
   */
  resolve?(name: string): Promise<string[]>;
}
