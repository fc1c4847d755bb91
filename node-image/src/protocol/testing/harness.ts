// Test-only: a ProtocolServer on a MemoryNetwork with a ScriptedCqlService, plus a small client
// that sends frames and reads back parsed responses. Timers are passed in by the test.
import type { Clock, Timers } from '../../io/index.ts';
import { silentLogger } from '../../io/index.ts';
import type { BodyCompressor } from '../compression.ts';
import type { ProtocolLimits } from '../limits.ts';
import { Opcode } from '../message-codes.ts';
import { ProtocolServer } from '../server.ts';
import { MemoryNetwork } from './memory-network.ts';
import type { MemorySocket } from './memory-network.ts';
import { ScriptedCqlService } from './scripted-cql-service.ts';
import { encodeRequest, parseResponses, startupBody } from './test-frames.ts';
import type { RequestFrame, ResponseFrame } from './test-frames.ts';

export class TestClient {
  readonly socket: MemorySocket;
  compressor: BodyCompressor | null = null;
  private consumedBytes = 0;

  constructor(socket: MemorySocket) {
    this.socket = socket;
  }

  send(request: RequestFrame): void {
    this.socket.clientSend(encodeRequest(request));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.clientSend(bytes);
  }

  /** Responses written since the last call. */
  take(): ResponseFrame[] {
    const all = this.socket.output();
    const fresh = all.subarray(this.consumedBytes);
    this.consumedBytes = all.length;
    return parseResponses(fresh, this.compressor);
  }

  startup(options?: Record<string, string>): void {
    this.send({ stream: 0, opcode: Opcode.Startup, body: startupBody(options) });
  }
}

export class Harness {
  readonly network = new MemoryNetwork();
  readonly cql = new ScriptedCqlService();
  readonly server: ProtocolServer;

  constructor(options: { timers: Timers; clock: Clock; limits?: Partial<ProtocolLimits> }) {
    this.server = new ProtocolServer({
      network: this.network,
      timers: options.timers,
      clock: options.clock,
      logger: silentLogger,
      cql: this.cql,
      host: '127.0.0.1',
      port: 0,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
    });
  }

  async start(): Promise<void> {
    await this.server.start();
  }

  open(): TestClient {
    return new TestClient(this.network.open());
  }
}
