// Gossip messages on the internode transport: each GossipMessage travels one-way under its own verb
// (SYN, ACK, ACK2, SHUTDOWN; ECHO_REQ and ECHO_RSP both under Echo) with the cluster layer's
// JSON-safe form as UTF-8 JSON (docs/formats/messaging.md). Decoding validates through
// gossipMessageFromJson and throws ClusterError on anything malformed.
import { ClusterError, ClusterErrorCode, gossipMessageFromJson, gossipMessageToJson } from '../../cluster/index.ts';
import type { GossipMessage } from '../../cluster/index.ts';
import { Verb } from '../../messaging/index.ts';
import type { VerbValue } from '../../messaging/index.ts';
import { assertNever } from '../../lib/index.ts';

export const GOSSIP_VERBS: readonly VerbValue[] = [Verb.GossipSyn, Verb.GossipAck, Verb.GossipAck2, Verb.GossipShutdown, Verb.Echo];

export function gossipVerb(message: GossipMessage): VerbValue {
  switch (message.type) {
    case 'SYN': return Verb.GossipSyn;
    case 'ACK': return Verb.GossipAck;
    case 'ACK2': return Verb.GossipAck2;
    case 'SHUTDOWN': return Verb.GossipShutdown;
    case 'ECHO_REQ':
    case 'ECHO_RSP': return Verb.Echo;
    default: return assertNever(message, 'gossip message');
  }
}

export function encodeGossipMessage(message: GossipMessage): Buffer {
  return Buffer.from(JSON.stringify(gossipMessageToJson(message)), 'utf8');
}

/** Decodes a payload received under `verb`; the message type must belong to that verb. */
export function decodeGossipMessage(verb: VerbValue, payload: Buffer): GossipMessage {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new ClusterError(ClusterErrorCode.BadGossipMessage, 'malformed gossip message: not JSON');
  }
  const message = gossipMessageFromJson(json);
  if (gossipVerb(message) !== verb) {
    throw new ClusterError(ClusterErrorCode.BadGossipMessage, `malformed gossip message: ${message.type} under verb ${verb}`);
  }
  return message;
}
