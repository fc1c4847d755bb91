// Limits of the native-protocol server (STYLE.md rule 9), one named record with defaults. Each
// bound says what happens at the limit: a Protocol error and close, Overloaded on the stream,
// a refused connection, or reading paused.

/** Largest request body accepted (Cassandra 4 native_transport_max_frame_size: 16 MiB). */
export const FRAME_BODY_BYTES_MAX_DEFAULT = 16 * 1024 * 1024;
/** Requests awaiting the CqlService per connection; more get Overloaded (0x1001) on their stream. */
export const IN_FLIGHT_REQUESTS_PER_CONNECTION_MAX_DEFAULT = 1024;
/** Open client connections per server; more are closed at accept. */
export const CONNECTIONS_MAX_DEFAULT = 4096;
/** Close a connection with no traffic in either direction for this long; 0 = never (Cassandra's default). */
export const IDLE_TIMEOUT_MS_DEFAULT = 0;
/** Pause reading a socket while its unsent output is above this; resume on drain. */
export const WRITE_HIGH_WATER_BYTES_DEFAULT = 1024 * 1024;
/** After a fatal error we end the socket; destroy it if the client has not closed within this. */
export const CLOSE_GRACE_MS_DEFAULT = 2000;

/**
 * drain() waits at most this long for requests in flight to be answered before it closes the
 * connections anyway (the longest default request timeout, range reads', is 10 s).
 */
export const DRAIN_IN_FLIGHT_WAIT_MS_DEFAULT = 10_000;
/** drain() looks at the requests in flight this often. */
export const DRAIN_POLL_MS = 10;

/** A connection's output buffer starts this big (replies of one tick are written back to back in it). */
export const OUTPUT_BUFFER_BYTES_INITIAL = 16 * 1024;
/** An output buffer that grew beyond this (a large page) is dropped after its write, not kept. */
export const OUTPUT_BUFFER_RETAINED_BYTES_MAX = 256 * 1024;
/** Hard ceiling for the frame limit (the v4 length field's documented 256 MB). */
export const FRAME_BODY_BYTES_CEILING = 256 * 1024 * 1024;

export interface ProtocolLimits {
  readonly frameBodyBytesMax: number;
  readonly inFlightRequestsPerConnectionMax: number;
  readonly connectionsMax: number;
  readonly idleTimeoutMs: number;
  readonly writeHighWaterBytes: number;
  readonly closeGraceMs: number;
}

export const DEFAULT_PROTOCOL_LIMITS: ProtocolLimits = {
  frameBodyBytesMax: FRAME_BODY_BYTES_MAX_DEFAULT,
  inFlightRequestsPerConnectionMax: IN_FLIGHT_REQUESTS_PER_CONNECTION_MAX_DEFAULT,
  connectionsMax: CONNECTIONS_MAX_DEFAULT,
  idleTimeoutMs: IDLE_TIMEOUT_MS_DEFAULT,
  writeHighWaterBytes: WRITE_HIGH_WATER_BYTES_DEFAULT,
  closeGraceMs: CLOSE_GRACE_MS_DEFAULT,
};

/** Defaults overridden by `overrides`, each checked against its bound. */
export function resolveProtocolLimits(overrides: Partial<ProtocolLimits> = {}): ProtocolLimits {
  const limits = { ...DEFAULT_PROTOCOL_LIMITS, ...overrides };
  const checkInteger = (name: keyof ProtocolLimits, min: number, max: number): void => {
    const value = limits[name];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`protocol limit ${name} = ${value} must be an integer in [${min}, ${max}]`);
    }
  };
  checkInteger('frameBodyBytesMax', 1024, FRAME_BODY_BYTES_CEILING);
  checkInteger('inFlightRequestsPerConnectionMax', 1, 32768);
  checkInteger('connectionsMax', 1, 1_000_000);
  checkInteger('idleTimeoutMs', 0, 7 * 24 * 3600 * 1000);
  checkInteger('writeHighWaterBytes', 1024, 1024 * 1024 * 1024);
  checkInteger('closeGraceMs', 0, 60_000);
  return limits;
}
