// Every bound and timing of the internode transport in one place (STYLE.md rule 9). The wire
// layout constants live with the codecs (frame-codec.ts, handshake.ts); these are the limits a
// MessagingService instance enforces, overridable per instance for tests and the simulator.
import { assert } from '../lib/index.ts';

export interface MessagingLimits {
  /** Largest payload of one message; larger frames are refused on send and corrupt on receive. */
  readonly payloadBytesMax: number;
  /** Messages waiting per peer (not yet written to the socket). */
  readonly queueMessagesMax: number;
  /** Bytes waiting per peer (not yet written to the socket). */
  readonly queueBytesMax: number;
  /** The socket's own unsent bytes above which we stop writing and keep messages queued. */
  readonly socketHighWaterBytes: number;
  /** A one-way message still queued after this long is dropped (gossip is stale by then). */
  readonly oneWayExpiryMs: number;
  /** Requests awaiting a response, over all peers. */
  readonly pendingRequestsMax: number;
  /** Connect plus handshake must finish within this. */
  readonly connectTimeoutMs: number;
  /** First reconnect delay after a failure; doubles up to reconnectBackoffMaxMs. */
  readonly reconnectBackoffInitialMs: number;
  readonly reconnectBackoffMaxMs: number;
  /** Granularity of request deadlines (one coarse interval, not one timer per request). */
  readonly deadlineTickMs: number;
  /** Inbound connections accepted at once (handshaking or established). */
  readonly inboundConnectionsMax: number;
  /** close() waits at most this long for queued messages to leave. */
  readonly closeFlushMs: number;
}

export const DEFAULT_MESSAGING_LIMITS: MessagingLimits = {
  payloadBytesMax: 64 * 1024 * 1024,
  queueMessagesMax: 16_384,
  queueBytesMax: 128 * 1024 * 1024,
  socketHighWaterBytes: 4 * 1024 * 1024,
  oneWayExpiryMs: 10_000,
  pendingRequestsMax: 131_072,
  connectTimeoutMs: 2000,
  reconnectBackoffInitialMs: 100,
  reconnectBackoffMaxMs: 4000,
  deadlineTickMs: 10,
  inboundConnectionsMax: 4096,
  closeFlushMs: 1000,
};

/** Bounds on the bounds: a configuration outside them is a programmer error. */
export const MESSAGING_PAYLOAD_BYTES_LIMIT = 1024 * 1024 * 1024;

export function resolveMessagingLimits(overrides: Partial<MessagingLimits> = {}): MessagingLimits {
  const limits = { ...DEFAULT_MESSAGING_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    assert(Number.isInteger(value) && value > 0, `messaging limit ${name} must be a positive integer, got ${String(value)}`);
  }
  assert(limits.payloadBytesMax <= MESSAGING_PAYLOAD_BYTES_LIMIT, `payloadBytesMax above ${MESSAGING_PAYLOAD_BYTES_LIMIT}`);
  assert(limits.reconnectBackoffInitialMs <= limits.reconnectBackoffMaxMs, 'reconnect backoff initial > max');
  assert(limits.queueBytesMax >= limits.payloadBytesMax, 'queueBytesMax must hold at least one largest message');
  return limits;
}
