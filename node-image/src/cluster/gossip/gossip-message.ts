// Gossip messages as plain data (GOSSIP_DIGEST_SYN/ACK/ACK2, GOSSIP_SHUTDOWN, ECHO_REQ/RSP), plus a
// compact JSON-safe form the messaging layer can serialize as it likes. In the JSON form every
// message is an array tagged by its type; states are [generation, heartbeatVersion, [[ordinal,
// value, version], ...]] with Cassandra's application-state ordinals. fromJson validates
// everything (types, bounds, ordinals) and throws ClusterError(BadGossipMessage).
import { assertNever } from '../../lib/index.ts';
import { ClusterError, ClusterErrorCode } from '../errors.ts';
import { type EndpointAddress, endpointAddress } from '../endpoint.ts';
import { type ApplicationState, applicationStateOfOrdinal, applicationStateOrdinal } from './application-state.ts';
import { EMPTY_VERSION, type EndpointState, VERSION_MAX, stateEntries } from './endpoint-state.ts';
import type { VersionedValue } from './versioned-value.ts';

export interface GossipDigest {
  readonly endpoint: EndpointAddress;
  readonly generation: number;
  readonly maxVersion: number;
}

export interface EndpointStateEntry {
  readonly endpoint: EndpointAddress;
  readonly state: EndpointState;
}

export type GossipMessage =
  | { readonly type: 'SYN'; readonly clusterName: string; readonly partitioner: string; readonly digests: readonly GossipDigest[] }
  | { readonly type: 'ACK'; readonly digests: readonly GossipDigest[]; readonly states: readonly EndpointStateEntry[] }
  | { readonly type: 'ACK2'; readonly states: readonly EndpointStateEntry[] }
  /** Graceful shutdown; carries the sender's own state (with its shutdown status), as 5.0 does. */
  | { readonly type: 'SHUTDOWN'; readonly state: EndpointState | null }
  | { readonly type: 'ECHO_REQ' }
  | { readonly type: 'ECHO_RSP' };

export type GossipMessageType = GossipMessage['type'];

/** Bounds on what a message may carry; a message beyond them is rejected as malformed. */
export const GOSSIP_MESSAGE_ENTRIES_MAX = 4096;
export const GOSSIP_VALUE_LENGTH_MAX = 1 << 18;
export const GOSSIP_NAME_LENGTH_MAX = 256;
const GENERATION_MAX = 2_147_483_647;

// ---- JSON-safe form -----------------------------------------------------------------------------
type DigestJson = [string, number, number];
type StateJson = [number, number, Array<[number, string, number]>];
type EntryJson = [string, StateJson];
export type GossipMessageJson =
  | ['SYN', string, string, DigestJson[]]
  | ['ACK', DigestJson[], EntryJson[]]
  | ['ACK2', EntryJson[]]
  | ['SHUTDOWN', StateJson | null]
  | ['ECHO_REQ']
  | ['ECHO_RSP'];

function digestToJson(d: GossipDigest): DigestJson {
  return [d.endpoint, d.generation, d.maxVersion];
}

export function stateToJson(s: EndpointState): StateJson {
  return [s.heartBeat.generation, s.heartBeat.version, stateEntries(s).map(([k, v]) => [applicationStateOrdinal(k), v.value, v.version])];
}

function entryToJson(e: EndpointStateEntry): EntryJson {
  return [e.endpoint, stateToJson(e.state)];
}

export function gossipMessageToJson(m: GossipMessage): GossipMessageJson {
  switch (m.type) {
    case 'SYN': return ['SYN', m.clusterName, m.partitioner, m.digests.map(digestToJson)];
    case 'ACK': return ['ACK', m.digests.map(digestToJson), m.states.map(entryToJson)];
    case 'ACK2': return ['ACK2', m.states.map(entryToJson)];
    case 'SHUTDOWN': return ['SHUTDOWN', m.state === null ? null : stateToJson(m.state)];
    case 'ECHO_REQ': return ['ECHO_REQ'];
    case 'ECHO_RSP': return ['ECHO_RSP'];
    default: return assertNever(m, 'gossip message');
  }
}

function bad(why: string): ClusterError {
  return new ClusterError(ClusterErrorCode.BadGossipMessage, `malformed gossip message: ${why}`);
}

function arrayOf(x: unknown, what: string, maxLength: number): unknown[] {
  if (!Array.isArray(x)) throw bad(`${what} is not an array`);
  if (x.length > maxLength) throw bad(`${what} has ${x.length} entries (max ${maxLength})`);
  return x;
}

function int(x: unknown, what: string, min: number, max: number): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) throw bad(`${what} is not an integer in [${min}, ${max}]`);
  return x;
}

function str(x: unknown, what: string, maxLength: number): string {
  if (typeof x !== 'string' || x.length > maxLength) throw bad(`${what} is not a string of at most ${maxLength} characters`);
  return x;
}

function address(x: unknown): EndpointAddress {
  try {
    return endpointAddress(str(x, 'endpoint', GOSSIP_NAME_LENGTH_MAX));
  } catch (e) {
    if (e instanceof ClusterError) throw e;
    throw bad(`endpoint ${JSON.stringify(x)} is not ip:port`);
  }
}

function digestFromJson(x: unknown): GossipDigest {
  const a = arrayOf(x, 'digest', 3);
  return { endpoint: address(a[0]), generation: int(a[1], 'generation', 0, GENERATION_MAX), maxVersion: int(a[2], 'max version', EMPTY_VERSION, VERSION_MAX) };
}

export function stateFromJson(x: unknown): EndpointState {
  const a = arrayOf(x, 'endpoint state', 3);
  const generation = int(a[0], 'generation', 0, GENERATION_MAX);
  const version = int(a[1], 'heartbeat version', EMPTY_VERSION, VERSION_MAX);
  const states: Partial<Record<ApplicationState, VersionedValue>> = {};
  for (const item of arrayOf(a[2], 'application states', 64)) {
    const t = arrayOf(item, 'application state', 3);
    const ordinal = int(t[0], 'application state ordinal', 0, 255);
    const key = applicationStateOfOrdinal(ordinal);
    if (key === undefined) throw bad(`unknown application state ordinal ${ordinal}`);
    if (states[key] !== undefined) throw bad(`application state ${key} appears twice`);
    states[key] = { value: str(t[1], key, GOSSIP_VALUE_LENGTH_MAX), version: int(t[2], `${key} version`, 0, VERSION_MAX) };
  }
  return { heartBeat: { generation, version }, states };
}

function entriesFromJson(x: unknown): EndpointStateEntry[] {
  return arrayOf(x, 'endpoint states', GOSSIP_MESSAGE_ENTRIES_MAX).map((item) => {
    const e = arrayOf(item, 'endpoint state entry', 2);
    return { endpoint: address(e[0]), state: stateFromJson(e[1]) };
  });
}

function digestsFromJson(x: unknown): GossipDigest[] {
  return arrayOf(x, 'digests', GOSSIP_MESSAGE_ENTRIES_MAX).map(digestFromJson);
}

/** Validates and converts the JSON-safe form back to a message. */
export function gossipMessageFromJson(json: unknown): GossipMessage {
  const a = arrayOf(json, 'message', 4);
  switch (a[0]) {
    case 'SYN':
      return {
        type: 'SYN', clusterName: str(a[1], 'cluster name', GOSSIP_NAME_LENGTH_MAX),
        partitioner: str(a[2], 'partitioner', GOSSIP_NAME_LENGTH_MAX), digests: digestsFromJson(a[3]),
      };
    case 'ACK':
      return { type: 'ACK', digests: digestsFromJson(a[1]), states: entriesFromJson(a[2]) };
    case 'ACK2':
      return { type: 'ACK2', states: entriesFromJson(a[1]) };
    case 'SHUTDOWN':
      return { type: 'SHUTDOWN', state: a[1] === null ? null : stateFromJson(a[1]) };
    case 'ECHO_REQ':
      return { type: 'ECHO_REQ' };
    case 'ECHO_RSP':
      return { type: 'ECHO_RSP' };
    default:
      throw bad(`unknown message type ${JSON.stringify(a[0])}`);
  }
}
