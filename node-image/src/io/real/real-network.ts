// Real TCP and HTTP on node:net / node:http.
import * as dns from 'node:dns';
import * as http from 'node:http';
import * as net from 'node:net';
import type { HttpHandler, Listener, ListenOptions, Network, Socket } from '../network.ts';

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
    const server = net.createServer({ noDelay: true }, (socket) => onConnection(socket));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: options.host, port: options.port, reusePort: options.reusePort ?? false }, () => {
        server.off('error', reject);
        resolve(listenerOf(server, options.host));
      });
    });
  },
  connect(options): Promise<Socket> {
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
