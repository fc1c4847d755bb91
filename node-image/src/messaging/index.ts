// Internode transport: verbs, serialization, connections.
export { Verb, isVerb, verbName } from './verbs.ts';
export type { VerbValue } from './verbs.ts';
export { MessagingError } from './messaging-service.ts';
export type { MessagingService, PeerAddress, RequestHandlerResult, VerbHandler } from './messaging-service.ts';
