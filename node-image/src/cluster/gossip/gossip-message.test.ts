import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterError } from '../errors.ts';
import { endpointAddress } from '../endpoint.ts';
import { APPLICATION_STATES, type ApplicationState } from './application-state.ts';
import type { EndpointState } from './endpoint-state.ts';
import { type GossipMessage, gossipMessageFromJson, gossipMessageToJson } from './gossip-message.ts';

const addressArb = fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 1, max: 65535 }))
  .map(([host, port]) => endpointAddress(`10.0.0.${host}:${port}`));
const intArb = fc.integer({ min: 0, max: 2_147_483_647 });
const stateArb: fc.Arbitrary<EndpointState> = fc.record({
  heartBeat: fc.record({ generation: intArb, version: fc.integer({ min: -1, max: 2_147_483_647 }) }),
  states: fc.dictionary(fc.constantFrom(...APPLICATION_STATES), fc.record({ value: fc.string({ maxLength: 40 }), version: intArb }))
    .map((d) => d as Partial<Record<ApplicationState, { value: string; version: number }>>),
});
const digestArb = fc.record({ endpoint: addressArb, generation: intArb, maxVersion: intArb });
const entryArb = fc.record({ endpoint: addressArb, state: stateArb });
const messageArb: fc.Arbitrary<GossipMessage> = fc.oneof(
  fc.record({ type: fc.constant('SYN' as const), clusterName: fc.string({ maxLength: 20 }), partitioner: fc.string({ maxLength: 50 }), digests: fc.array(digestArb, { maxLength: 5 }) }),
  fc.record({ type: fc.constant('ACK' as const), digests: fc.array(digestArb, { maxLength: 5 }), states: fc.array(entryArb, { maxLength: 5 }) }),
  fc.record({ type: fc.constant('ACK2' as const), states: fc.array(entryArb, { maxLength: 5 }) }),
  fc.record({ type: fc.constant('SHUTDOWN' as const), state: fc.option(stateArb, { nil: null }) }),
  fc.constant({ type: 'ECHO_REQ' as const }),
  fc.constant({ type: 'ECHO_RSP' as const }),
);

describe('gossip message JSON form', () => {
  it('round-trips every message through JSON text', () => {
    fc.assert(fc.property(messageArb, (m) => {
      const text = JSON.stringify(gossipMessageToJson(m));
      expect(gossipMessageFromJson(JSON.parse(text))).toEqual(m);
    }));
  });
  it('is compact: ordinals, not names', () => {
    const m: GossipMessage = { type: 'ACK2', states: [{ endpoint: endpointAddress('10.0.0.1:7000'), state: { heartBeat: { generation: 5, version: 9 }, states: { HOST_ID: { value: 'x', version: 2 } } } }] };
    expect(JSON.stringify(gossipMessageToJson(m))).toBe('["ACK2",[["10.0.0.1:7000",[5,9,[[12,"x",2]]]]]]');
  });
  it('rejects malformed input with ClusterError', () => {
    const bad = [
      null, [], ['NOPE'], ['SYN', 'c', 'p', 'x'], ['ACK2', [['not an address', [1, 1, []]]]],
      ['ACK2', [['10.0.0.1:7000', [1, 1, [[99, 'x', 1]]]]]], ['ACK2', [['10.0.0.1:7000', [1.5, 1, []]]]],
      ['ACK2', [['10.0.0.1:7000', [1, 1, [[0, 'a', 1], [0, 'b', 2]]]]]],
      ['ACK', [], new Array(5000).fill(['10.0.0.1:7000', [1, 1, []]])],
    ];
    for (const json of bad) expect(() => gossipMessageFromJson(json), JSON.stringify(json)?.slice(0, 60)).toThrow(ClusterError);
  });
});
