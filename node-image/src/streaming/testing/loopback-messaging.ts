// Test-only: in-process MessagingService instances sharing one hub; requests call the target's
// handler directly (next microtask), with an optional fault rule to fail requests the way a
// broken connection does. No sockets, no timers.
import { MessagingError } from '../../messaging/index.ts';
import type { MessagingService, PeerAddress, VerbHandler, VerbValue } from '../../messaging/index.ts';

export type LoopbackFault = (from: PeerAddress, to: PeerAddress, verb: VerbValue) => MessagingError | null;

export class LoopbackHub {
  readonly nodes = new Map<PeerAddress, LoopbackMessaging>();
  fault: LoopbackFault = () => null;
  requests = 0;

  node(self: PeerAddress): LoopbackMessaging {
    const m = new LoopbackMessaging(this, self);
    this.nodes.set(self, m);
    return m;
  }
}

export class LoopbackMessaging implements MessagingService {
  readonly self: PeerAddress;
  readonly handlers = new Map<VerbValue, VerbHandler>();
  private readonly hub: LoopbackHub;
  down = false;

  constructor(hub: LoopbackHub, self: PeerAddress) {
    this.hub = hub;
    this.self = self;
  }

  send(to: PeerAddress, verb: VerbValue, payload: Buffer): void {
    void this.request(to, verb, payload, 0).catch(() => undefined);
  }

  async request(to: PeerAddress, verb: VerbValue, payload: Buffer, _timeoutMs: number): Promise<Buffer> {
    this.hub.requests++;
    await Promise.resolve();
    const target = this.hub.nodes.get(to);
    if (target === undefined || target.down) throw new MessagingError('MSG_ERR_UNREACHABLE', `${to} is unreachable`);
    const fault = this.hub.fault(this.self, to, verb);
    if (fault !== null) throw fault;
    const handler = target.handlers.get(verb);
    if (handler === undefined) throw new MessagingError('MSG_ERR_REMOTE', `no handler for verb ${verb}`);
    const response = await handler(this.self, Buffer.from(payload));
    return response ?? Buffer.alloc(0);
  }

  handle(verb: VerbValue, handler: VerbHandler): void {
    this.handlers.set(verb, handler);
  }

  disconnect(_peer: PeerAddress): void {}

  async close(): Promise<void> {}
}
