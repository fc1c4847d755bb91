// Internode transport: verbs, serialization, connections.
export { Verb, isVerb, verbName } from './verbs.ts';
export type { VerbValue } from './verbs.ts';
export { MessagingError } from './messaging-service.ts';
export type { MessagingService, PeerAddress, RequestHandlerResult, VerbHandler } from './messaging-service.ts';
export { TcpMessagingService } from './tcp-messaging-service.ts';
export type { MessagingTlsOptions, TcpMessagingServiceOptions } from './tcp-messaging-service.ts';
export type { MessagingStats } from './connection-context.ts';
export { DEFAULT_MESSAGING_LIMITS, resolveMessagingLimits } from './messaging-limits.ts';
export type { MessagingLimits } from './messaging-limits.ts';
export { MESSAGING_VERSION } from './frame-codec.ts';
export { formatPeerAddress, parsePeerAddress } from './peer-address.ts';
export { encodeFailure, decodeFailure } from './failure-payload.ts';
