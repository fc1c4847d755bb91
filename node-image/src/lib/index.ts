// Pure helpers with no I/O.
export { AssertionError, assert, assertNever, unreachable } from './assert.ts';
export { MinHeap, timeThenSeq } from './min-heap.ts';
export type { TimedItem } from './min-heap.ts';
export { SeededRandom } from './prng.ts';
export { murmur3Hash128, murmur3Token, TOKEN_MAX, TOKEN_MIN } from './murmur3.ts';
export { ConsistencyLevel, consistencyName, isConsistencyLevel, isSerial } from './consistency.ts';
export {
  CqlError, ErrorCode, alreadyExists, configError, invalidRequest, overloaded, serverError, syntaxError, unprepared,
} from './errors.ts';
export type { CqlErrorDetails, ErrorCodeValue, WriteType } from './errors.ts';
