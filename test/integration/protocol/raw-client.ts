// TEST-ONLY raw native-protocol client over a real TCP socket: sends frames and waits for parsed
// responses, so tests can do what drivers do not (other versions, compression, hostile bytes).
import * as net from 'node:net';
import type { BodyCompressor } from '../../../node-image/src/protocol/compression.ts';
import { FrameDecoder } from '../../../node-image/src/protocol/frame-decoder.ts';
import { FrameFlag } from '../../../node-image/src/protocol/frame-header.ts';
import { encodeRequest } from '../../../node-image/src/protocol/testing/test-frames.ts';
import type { RequestFrame, ResponseFrame } from '../../../node-image/src/protocol/testing/test-frames.ts';

const WAIT_MS_DEFAULT = 5000;

export class RawClient {
  readonly socket: net.Socket;
  compressor: BodyCompressor | null = null;
  readonly frames: ResponseFrame[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder();
  private waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.decoder.feed(chunk, {
        onHeader: () => true,
        onFrame: (version, flags, stream, opcode, body) => {
          let plain: Buffer = Buffer.from(body);
          if ((flags & FrameFlag.Compression) !== 0 && this.compressor !== null) plain = this.compressor.decompress(plain, 1 << 30);
          this.frames.push({ version, flags, stream, opcode, body: plain });
        },
      });
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      socket.once('connect', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(request: RequestFrame): void {
    this.socket.write(encodeRequest(request));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  private async waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The first response on `stream` (removed from the list). */
  async response(stream: number, timeoutMs = WAIT_MS_DEFAULT): Promise<ResponseFrame> {
    await this.waitUntil(() => this.frames.some((f) => f.stream === stream), timeoutMs, `a response on stream ${stream}`);
    const index = this.frames.findIndex((f) => f.stream === stream);
    return this.frames.splice(index, 1)[0]!;
  }

  async waitClosed(timeoutMs = WAIT_MS_DEFAULT): Promise<void> {
    await this.waitUntil(() => this.closed, timeoutMs, 'the server to close the connection');
  }

  close(): void {
    this.socket.destroy();
  }
}
