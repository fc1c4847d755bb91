// Real TCP, TLS and HTTP on node:net / node:tls / node:http. A TLS port peeks at the first byte of
// each connection: a TLS handshake record (0x16) goes through TLS, anything else is served as
// plaintext (allowPlaintext) or closed. Certificates are swapped in place when their source changes.
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type {
  ClientTlsOptions, ConnectOptions, HttpHandler, Listener, ListenOptions, Network, ServerTlsOptions, Socket, TlsCredentials,
} from '../network.ts';

function listenerOf(server: net.Server | http.Server, host: string): Listener {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}

/** A resolution taking longer than this fails (the caller retries later). */
export const DNS_RESOLVE_TIMEOUT_MS = 5000;

/**
 * The resolver for host names: CASSIA_DNS_SERVER=host:port (the e2e harness's fake cluster DNS)
 * queries that server; otherwise the system's resolver (getaddrinfo: /etc/hosts, then DNS).
 */
async function resolveName(name: string): Promise<string[]> {
  if (net.isIP(name) !== 0) return [name];
  const server = process.env['CASSIA_DNS_SERVER'];
  if (server !== undefined && server !== '') {
    const resolver = new dns.promises.Resolver({ timeout: DNS_RESOLVE_TIMEOUT_MS, tries: 2 });
    resolver.setServers([server]);
    const [v4, v6] = await Promise.all([
      resolver.resolve4(name).catch(() => [] as string[]),
      resolver.resolve6(name).catch(() => [] as string[]),
    ]);
    const all = [...v4, ...v6];
    if (all.length === 0) throw new Error(`cannot resolve ${name} with DNS server ${server}`);
    return all;
  }
  const found = await dns.promises.lookup(name, { all: true, order: 'ipv4first' });
  return [...new Set(found.map((a) => a.address))];
}

export const realNetwork: Network = {
  resolve: resolveName,

  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
    if (options.tls !== undefined) return listenTls(options, options.tls, onConnection);
    const server = net.createServer({ noDelay: true }, (socket) => onConnection(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port, reusePort: options.reusePort ?? false }, () => {
        server.off('error', reject);
        resolve(listenerOf(server, options.host));
      });
    });
  },
  connect(options: ConnectOptions): Promise<Socket> {
    if (options.tls !== undefined) return connectTls(options, options.tls);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: options.host, port: options.port, localAddress: options.localAddress, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${options.host}:${options.port} timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  },
  listenHttp(options, handler: HttpHandler): Promise<Listener> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.bodyBytesMax) {
          const answer = options.bodyTooLarge ?? { status: 413, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'request body too large' }) };
          res.writeHead(answer.status, { ...answer.headers, connection: 'close' });
          res.end(answer.body);
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      req.on('end', () => {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
        handler({ method: req.method ?? 'GET', url: req.url ?? '/', headers, body: Buffer.concat(chunks), remoteAddress: req.socket.remoteAddress })
          .then((response) => {
            res.writeHead(response.status, response.headers);
            res.end(response.body);
          })
          .catch((error: unknown) => {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: String(error) }));
          });
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port, reusePort: options.reusePort ?? false }, () => {
        server.off('error', reject);
        resolve(listenerOf(server, options.host));
      });
    });
  },
};

/** The first byte of a TLS connection: the record type of the ClientHello (handshake). */
export const TLS_HANDSHAKE_RECORD_TYPE = 0x16;
/** A connection on a TLS port must send its first byte, then finish the TLS handshake, within this. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/** Secure contexts are built once per credentials object (a parse of the PEMs costs about a millisecond). */
const secureContexts = new WeakMap<TlsCredentials, tls.SecureContext>();

function secureContextOf(credentials: TlsCredentials): tls.SecureContext {
  let context = secureContexts.get(credentials);
  if (context === undefined) {
    context = tls.createSecureContext(contextOptionsOf(credentials));
    secureContexts.set(credentials, context);
  }
  return context;
}

function contextOptionsOf(credentials: TlsCredentials): tls.SecureContextOptions {
  return { cert: credentials.certificatePem, key: credentials.privateKeyPem, ...(credentials.caPem === null ? {} : { ca: credentials.caPem }) };
}

/**
 * A TLS port: a net.Server accepts and peeks at the first byte; TLS connections are injected into a
 * tls.Server that never listens itself (its documented 'connection' injection), which does the
 * handshake, the client-certificate check and the handshake timeout.
 */
function listenTls(options: ListenOptions, settings: ServerTlsOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
  const requireCert = settings.requireClientCertificate;
  const tlsServer = new tls.Server({
    ...contextOptionsOf(settings.credentials.current()),
    requestCert: requireCert,
    rejectUnauthorized: requireCert,
    handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
  }, (secure) => onConnection(secure));
  tlsServer.on('tlsClientError', (error, socket) => {
    // A refused client certificate shows as a hang-up; its verification error says why.
    const why = socket.authorizationError === null || socket.authorizationError === undefined ? error.message : `client certificate refused: ${String(socket.authorizationError)}`;
    settings.onRefused?.(`TLS handshake failed: ${why}`, socket.remoteAddress);
  });
  const unsubscribe = settings.credentials.onChange(() => tlsServer.setSecureContext(contextOptionsOf(settings.credentials.current())));
  /** Connections whose first byte has not arrived yet: closed with the listener. */
  const undecided = new Set<net.Socket>();

  const server = net.createServer({ noDelay: true }, (raw) => {
    undecided.add(raw);
    const refuse = (reason: string): void => {
      undecided.delete(raw);
      settings.onRefused?.(reason, raw.remoteAddress);
      raw.destroy();
    };
    const onTimeout = (): void => refuse('no data before the TLS handshake timeout');
    const onError = (): void => {
      undecided.delete(raw);
    };
    raw.setTimeout(TLS_HANDSHAKE_TIMEOUT_MS);
    raw.once('timeout', onTimeout);
    raw.once('error', onError);
    raw.once('close', onError);
    raw.once('data', (chunk: Buffer) => {
      undecided.delete(raw);
      raw.setTimeout(0);
      raw.off('timeout', onTimeout);
      raw.off('error', onError);
      raw.off('close', onError);
      // Hold the stream and put the byte(s) back for whoever reads next (TLS or the plaintext owner).
      raw.pause();
      raw.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE_RECORD_TYPE) {
        tlsServer.emit('connection', raw);
      } else if (settings.allowPlaintext) {
        onConnection(raw);
        raw.resume();
      } else {
        refuse('plaintext connection on a TLS-only port');
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error) => {
      unsubscribe();
      reject(error);
    });
    server.listen({ host: options.host, port: options.port, reusePort: options.reusePort ?? false }, () => {
      server.removeAllListeners('error');
      const inner = listenerOf(server, options.host);
      resolve({
        host: inner.host,
        port: inner.port,
        close: () => {
          unsubscribe();
          const closing = inner.close();
          for (const raw of undecided) raw.destroy();
          undecided.clear();
          return closing;
        },
      });
    });
  });
}

/** A TLS client connection, resolved once the handshake succeeded and the server's chain verified. */
function connectTls(options: ConnectOptions, settings: ClientTlsOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const tcp = net.connect({ host: options.host, port: options.port, localAddress: options.localAddress, noDelay: true });
    const socket = tls.connect({
      socket: tcp,
      host: options.host,
      port: options.port,
      secureContext: secureContextOf(settings.credentials.current()),
      rejectUnauthorized: true,
      // The chain is verified against the CA; the name is not (node certificates rarely carry pod IPs).
      checkServerIdentity: () => undefined,
      // SNI only for names: an IP literal is not a valid server_name.
      ...(net.isIP(options.host) === 0 ? { servername: options.host } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      tcp.destroy();
      reject(new Error(`TLS connect to ${options.host}:${options.port} timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
