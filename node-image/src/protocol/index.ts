// CQL native protocol v4 server: framing, codecs, compression, handshake and auth, events.
export { ProtocolServer } from './server.ts';
export type { ProtocolServerOptions } from './server.ts';
export type { ProtocolEvent } from './event-encoder.ts';
export {
  CLOSE_GRACE_MS_DEFAULT, CONNECTIONS_MAX_DEFAULT, DEFAULT_PROTOCOL_LIMITS, FRAME_BODY_BYTES_MAX_DEFAULT, IDLE_TIMEOUT_MS_DEFAULT,
  IN_FLIGHT_REQUESTS_PER_CONNECTION_MAX_DEFAULT, WRITE_HIGH_WATER_BYTES_DEFAULT, resolveProtocolLimits,
} from './limits.ts';
export type { ProtocolLimits } from './limits.ts';
