// What inbound and outbound connections need from the messaging service that owns them: injected
// io, limits, counters, and the callbacks through which frames and request outcomes flow back.
// Connections hold no request state beyond the ids in flight on their own socket.
import type { ClientTlsOptions, Clock, Logger, Network, Random, Timers } from '../io/index.ts';
import type { MessagingLimits } from './messaging-limits.ts';
import type { MessagingError, PeerAddress } from './messaging-service.ts';
import type { VerbValue } from './verbs.ts';

/** Counters of one messaging service (monotonic, except the gauges marked as such). */
export interface MessagingStats {
  sentMessages: number;
  receivedMessages: number;
  /** One-way messages dropped because the peer's queue was full. */
  droppedQueueFull: number;
  /** One-way messages dropped because the peer could not be reached. */
  droppedUnreachable: number;
  /** One-way messages dropped after waiting longer than oneWayExpiryMs. */
  droppedExpired: number;
  /** Requests rejected with MSG_ERR_OVERLOADED (queue full or too many pending). */
  rejectedOverloaded: number;
  timeouts: number;
  corruptFrames: number;
  connectFailures: number;
  refusedHandshakes: number;
  /** Gauge: outbound connections established. */
  outboundConnections: number;
  /** Gauge: inbound connections (handshaking or established). */
  inboundConnections: number;
}

export function emptyStats(): MessagingStats {
  return {
    sentMessages: 0, receivedMessages: 0, droppedQueueFull: 0, droppedUnreachable: 0, droppedExpired: 0, rejectedOverloaded: 0,
    timeouts: 0, corruptFrames: 0, connectFailures: 0, refusedHandshakes: 0, outboundConnections: 0, inboundConnections: 0,
  };
}

/** Where a response to a received request goes: back on the connection it arrived on. */
export interface ResponseChannel {
  respond(id: number, verb: VerbValue, payload: Uint8Array): void;
}

export interface ConnectionContext {
  readonly self: PeerAddress;
  readonly clusterName: string;
  readonly limits: MessagingLimits;
  readonly network: Network;
  readonly timers: Timers;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly stats: MessagingStats;
  /** A frame from `peer` arrived on a connection (either direction). */
  onFrame(peer: PeerAddress, id: number, verb: VerbValue, flags: number, payload: Buffer, channel: ResponseChannel): void;
  /** Whether the request is still awaited (a queued request whose caller gave up is not sent). */
  isPending(requestId: number): boolean;
  /** A queued or in-flight request will get no response. */
  failRequest(requestId: number, error: MessagingError): void;
  /** TLS for the next connection to `peer`, or undefined for plaintext (decided per connect attempt). */
  tlsFor(peer: PeerAddress): ClientTlsOptions | undefined;
}
