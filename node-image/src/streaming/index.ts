// Streaming: moving partitions of token ranges between nodes (bootstrap, decommission, rebuild,
// removenode, replace, repair), throttled, with per-session progress.
export {
  DEFAULT_STREAM_LIMITS, STREAM_THROUGHPUT_DEFAULT_BYTES_PER_SECOND, StreamError, StreamService, rangeRead,
} from './stream-service.ts';
export type { PullPlan, StreamLimits, StreamResult, StreamServiceOptions } from './stream-service.ts';
export type { StreamCursor, SyncRequest, SyncResponse } from './stream-messages.ts';
export { StreamSessions } from './stream-sessions.ts';
export type { StreamDirection, StreamSessionView } from './stream-sessions.ts';
export { StreamThrottle } from './stream-throttle.ts';
