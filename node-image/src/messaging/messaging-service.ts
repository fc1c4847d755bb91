// The contract of internode messaging used by gossip, the coordinator, streaming and repair.
// Implementations: the TCP transport (production and, over a simulated Network, the simulator).
import type { VerbValue } from './verbs.ts';

/** Internode address "ip:port" (same form as cluster's EndpointAddress). */
export type PeerAddress = string;

export class MessagingError extends Error {
  override readonly name = 'MessagingError';
  readonly code: 'MSG_ERR_TIMEOUT' | 'MSG_ERR_UNREACHABLE' | 'MSG_ERR_OVERLOADED' | 'MSG_ERR_REMOTE' | 'MSG_ERR_CLOSED' | 'MSG_ERR_BAD_MESSAGE';

  constructor(code: MessagingError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

export interface RequestHandlerResult {
  /** Response payload (verb Response), or null for one-way verbs. */
  readonly response: Buffer | null;
}

/**
 * Handles an incoming message of one verb. Throwing a MessagingError or CqlError sends a Failure
 * response to requests (carrying the code and message); other exceptions are programmer errors.
 */
export type VerbHandler = (from: PeerAddress, payload: Buffer) => Promise<Buffer | null> | Buffer | null;

export interface MessagingService {
  readonly self: PeerAddress;
  /** Fire and forget (gossip, hints' best effort). Bounded queue per peer: drops and counts when full. */
  send(to: PeerAddress, verb: VerbValue, payload: Buffer): void;
  /** Request/response with a deadline; rejects with MessagingError on timeout or failure. */
  request(to: PeerAddress, verb: VerbValue, payload: Buffer, timeoutMs: number): Promise<Buffer>;
  /** Registers the handler of a verb (one per verb). */
  handle(verb: VerbValue, handler: VerbHandler): void;
  /** Drops connections to a peer (e.g. it left the cluster). */
  disconnect(peer: PeerAddress): void;
  close(): Promise<void>;
}
