// io/real's TLS over real loopback sockets, with certificates from openssl: a TLS-only port refuses
// plaintext, an optional port serves both on the same port (first-byte detection), mutual TLS
// refuses clients without a certificate or with one from another CA, the client refuses a server
// its CA did not sign, and a credentials change swaps the server's certificate for new handshakes.
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listener, ServerTlsOptions, Socket, TlsCredentials, TlsCredentialSource } from '../../../node-image/src/io/index.ts';
import { realNetwork } from '../../../node-image/src/io/real/real-network.ts';
import { makeTestPki, opensslMissing } from './test-pki.ts';
import type { IssuedCertificate, TestPki } from './test-pki.ts';

const TIMEOUT_MS = 5000;
const HOST = '127.0.0.1';

const missing = opensslMissing();
if (missing !== null) {
  process.stderr.write(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! TLS NETWORK TESTS SKIPPED: ${missing}\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`);
}

/** A credential source whose value the test replaces. */
class SwappableCredentials implements TlsCredentialSource {
  private value: TlsCredentials;
  private readonly listeners = new Set<() => void>();
  constructor(value: TlsCredentials) {
    this.value = value;
  }
  current(): TlsCredentials {
    return this.value;
  }
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  swap(value: TlsCredentials): void {
    this.value = value;
    for (const l of this.listeners) l();
  }
}

function credentialsOf(issued: IssuedCertificate, caPem: string | null): TlsCredentials {
  return { certificatePem: issued.certPem, privateKeyPem: issued.keyPem, caPem };
}

/** An echo server: every chunk comes back prefixed with "echo:". */
async function echoServer(tls: ServerTlsOptions): Promise<Listener> {
  return realNetwork.listen({ host: HOST, port: 0, tls }, (socket) => {
    socket.on('data', (chunk) => socket.write(Buffer.concat([Buffer.from('echo:'), chunk])));
    socket.on('error', () => {});
  });
}

/** Sends "ping" and returns what came back, or how the connection ended. */
async function ping(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), TIMEOUT_MS);
    const done = (what: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(what);
    };
    socket.on('data', (chunk) => done(chunk.toString()));
    socket.on('close', () => done('closed'));
    socket.on('error', (error) => done(`error: ${error.message}`));
    socket.write(Buffer.from('ping'));
  });
}

async function attempt(port: number, tls: TlsCredentials | null): Promise<string> {
  try {
    const socket = await realNetwork.connect({ host: HOST, port, timeoutMs: TIMEOUT_MS, ...(tls === null ? {} : { tls: { credentials: new SwappableCredentials(tls) } }) });
    return await ping(socket);
  } catch (error) {
    return `connect failed: ${(error as Error).message}`;
  }
}

describe.skipIf(missing !== null)('real network TLS', () => {
  let pki: TestPki;
  let server: IssuedCertificate;
  let rotated: IssuedCertificate;
  let client: IssuedCertificate;
  let stranger: IssuedCertificate;

  beforeAll(() => {
    pki = makeTestPki();
    server = pki.ca.issue({ name: 'server', ips: [HOST] });
    rotated = pki.ca.issue({ name: 'server-rotated', ips: [HOST] });
    client = pki.ca.issue({ name: 'client' });
    stranger = pki.rogueCa.issue({ name: 'stranger' });
  });

  afterAll(() => pki.remove());

  it('TLS only: TLS clients are served, plaintext ones are closed and reported', async () => {
    const refused: string[] = [];
    const listener = await echoServer({
      credentials: new SwappableCredentials(credentialsOf(server, null)), requireClientCertificate: false, allowPlaintext: false,
      onRefused: (reason) => refused.push(reason),
    });
    try {
      expect(await attempt(listener.port, credentialsOf(client, pki.ca.certPem))).toBe('echo:ping');
      expect(await attempt(listener.port, null)).toBe('closed');
      expect(refused).toEqual(['plaintext connection on a TLS-only port']);
    } finally {
      await listener.close();
    }
  });

  it('optional: TLS and plaintext clients on the same port', async () => {
    const listener = await echoServer({ credentials: new SwappableCredentials(credentialsOf(server, null)), requireClientCertificate: false, allowPlaintext: true });
    try {
      expect(await attempt(listener.port, credentialsOf(client, pki.ca.certPem))).toBe('echo:ping');
      expect(await attempt(listener.port, null)).toBe('echo:ping');
    } finally {
      await listener.close();
    }
  });

  it('mutual TLS: only clients with a certificate from the CA are served', async () => {
    const refused: string[] = [];
    const listener = await echoServer({
      credentials: new SwappableCredentials(credentialsOf(server, pki.ca.certPem)), requireClientCertificate: true, allowPlaintext: false,
      onRefused: (reason) => refused.push(reason),
    });
    try {
      expect(await attempt(listener.port, credentialsOf(client, pki.ca.certPem))).toBe('echo:ping');
      // TLS 1.3: the client's handshake ends before the server has checked its certificate, then the server closes.
      expect(await attempt(listener.port, credentialsOf(stranger, pki.ca.certPem))).toMatch(/^(closed|error: .*|connect failed: .*)$/);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      expect(refused.join('\n')).toMatch(/TLS handshake failed: client certificate refused: /);
      process.stdout.write(`${JSON.stringify({ test: 'mtls-refusal', refused })}\n`);
    } finally {
      await listener.close();
    }
  });

  it('the client refuses a server whose certificate its CA did not sign', async () => {
    const listener = await echoServer({ credentials: new SwappableCredentials(credentialsOf(stranger, null)), requireClientCertificate: false, allowPlaintext: false });
    try {
      expect(await attempt(listener.port, credentialsOf(client, pki.ca.certPem))).toMatch(/^connect failed: .*(self-signed|unable to (get|verify))/);
    } finally {
      await listener.close();
    }
  });

  it('serves new handshakes with swapped credentials; open connections keep theirs', async () => {
    const credentials = new SwappableCredentials(credentialsOf(server, null));
    const listener = await echoServer({ credentials, requireClientCertificate: false, allowPlaintext: false });
    const serial = async (): Promise<{ socket: TLSSocket; subject: string }> => {
      const socket = await realNetwork.connect({ host: HOST, port: listener.port, timeoutMs: TIMEOUT_MS, tls: { credentials: new SwappableCredentials(credentialsOf(client, pki.ca.certPem)) } });
      const tlsSocket = socket as unknown as TLSSocket;
      return { socket: tlsSocket, subject: String(tlsSocket.getPeerCertificate().subject.CN) };
    };
    try {
      const before = await serial();
      expect(before.subject).toBe('server');
      credentials.swap(credentialsOf(rotated, null));
      const after = await serial();
      expect(after.subject).toBe('server-rotated');
      expect(await ping(before.socket as unknown as Socket)).toBe('echo:ping');
      after.socket.destroy();
    } finally {
      await listener.close();
    }
  });

  it('a connection that never sends its first byte is closed with the listener', async () => {
    const listener = await echoServer({ credentials: new SwappableCredentials(credentialsOf(server, null)), requireClientCertificate: false, allowPlaintext: true });
    const socket = await realNetwork.connect({ host: HOST, port: listener.port, timeoutMs: TIMEOUT_MS });
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
    const started = Date.now();
    await listener.close();
    await closed;
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS);
  });
});
