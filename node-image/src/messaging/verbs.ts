// Internode verbs: every message between nodes names one. Requests expect a response with the
// same message id (or none for one-way verbs); payloads are serialized by the verb's owner
// (gossip by cluster/, mutations and read results by storage's codecs, Paxos by coordinator/).

export const Verb = {
  // Gossip (cluster/gossip): one-way.
  GossipSyn: 1,
  GossipAck: 2,
  GossipAck2: 3,
  GossipShutdown: 4,
  Echo: 5,
  // Writes and reads (coordinator).
  Mutation: 10,
  Read: 11,
  ReadDigest: 12,
  RangeRead: 13,
  Hint: 14,
  Truncate: 15,
  Counter: 16,
  // Lightweight transactions (coordinator/paxos).
  PaxosPrepare: 20,
  PaxosPropose: 21,
  PaxosCommit: 22,
  // Schema (coordinator/schema).
  SchemaPush: 30,
  SchemaPull: 31,
  // Topology operations (streaming, repair).
  StreamRequest: 40,
  StreamChunk: 41,
  ReplicationFinished: 42,
  ValidationRequest: 50,
  SyncRequest: 51,
  // The response to any request.
  Response: 100,
  // A failed request (the payload is an error code and message).
  Failure: 101,
} as const;
export type VerbValue = (typeof Verb)[keyof typeof Verb];

const NAMES = new Map<number, string>(Object.entries(Verb).map(([n, v]) => [v, n]));

export function verbName(verb: number): string {
  return NAMES.get(verb) ?? `Verb(${verb})`;
}

export function isVerb(value: number): value is VerbValue {
  return NAMES.has(value);
}
