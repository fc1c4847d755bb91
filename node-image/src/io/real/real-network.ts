// Real TCP and HTTP on node:net / node:http.
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

export const realNetwork: Network = {
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
