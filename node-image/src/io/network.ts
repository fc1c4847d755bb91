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
  /** Serve TLS on this port (absent: plaintext only). */
  tls?: ServerTlsOptions;
}

/** One TLS identity and the CA certificates it trusts, as PEM text (read by the composition root). */
export interface TlsCredentials {
  /** The certificate chain, leaf first. */
  readonly certificatePem: string;
  /** The leaf's private key, unencrypted. */
  readonly privateKeyPem: string;
  /** Trusted CA certificates: a peer's certificate must chain to one of them when it is verified. */
  readonly caPem: string | null;
}

/**
 * The credentials in force now; they may be replaced while running (certificate rotation). New
 * handshakes use `current()`; established connections keep what they negotiated.
 */
export interface TlsCredentialSource {
  current(): TlsCredentials;
  /** Calls `listener` after `current()` changed; returns the function that unsubscribes it. */
  onChange(listener: () => void): () => void;
}

export interface ServerTlsOptions {
  readonly credentials: TlsCredentialSource;
  /** Mutual TLS: a client whose certificate does not chain to `caPem` (or that sends none) is refused. */
  readonly requireClientCertificate: boolean;
  /**
   * Also serve plaintext clients on the same port: a connection whose first byte is not a TLS
   * handshake record (0x16) is handed over unencrypted. When false such a connection is closed.
   */
  readonly allowPlaintext: boolean;
  /** A connection refused at the TLS layer (failed handshake, plaintext on a TLS-only port); for logs and counters. */
  readonly onRefused?: (reason: string, remoteAddress: string | undefined) => void;
}

/**
 * TLS for an outgoing connection: the server's certificate must chain to `caPem` (its host name is
 * not checked, as Cassandra's require_endpoint_verification: false); the certificate and key are
 * presented when the server asks for one.
 */
export interface ClientTlsOptions {
  readonly credentials: TlsCredentialSource;
}

export interface ConnectOptions {
  host: string;
  port: number;
  localAddress?: string;
  /** Bounds the TCP connect and, with `tls`, the TLS handshake. */
  timeoutMs: number;
  tls?: ClientTlsOptions;
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
  connect(options: ConnectOptions): Promise<Socket>;
  /**
   * Serves HTTP. A request body above `bodyBytesMax` is not read further and gets `bodyTooLarge`
   * (default: a bare 413) without reaching the handler. Plaintext only (the management API is
   * protected by its bearer token).
   */
  listenHttp(options: Omit<ListenOptions, 'tls'> & { bodyBytesMax: number; bodyTooLarge?: HttpResponse }, handler: HttpHandler): Promise<Listener>;
  /**
   * Resolves a host name to all its addresses (IPv4 first), as SimpleSeedProvider resolves seed
   * names; an IP literal resolves to itself. Absent in networks that have no names (the simulator).
   */
  resolve?(name: string): Promise<string[]>;
}
