// NetworkTopologyStrategy, the single-pass walk of Cassandra 3.x+ (cassandra-internals.md 2.3):
// one clockwise walk over all DCs; per DC rfLeft = min(rf, nodes in DC) and
// acceptableRackRepeats = rf - racks in DC; an endpoint is accepted if its (dc, rack) is new, or,
// while repeats remain, if it is not already chosen. Acceptance order is kept (primary first).
import { assert } from '../../lib/index.ts';
import type { EndpointAddress } from '../endpoint.ts';
import type { TokenMetadata } from '../token-metadata.ts';
import type { Token } from '../token-range.ts';
import { type ReplicationStrategy, StrategyKind } from './replication-strategy.ts';

interface DcProgress {
  rfLeft: number;
  acceptableRackRepeats: number;
}

export function networkTopologyStrategy(rfByDc: ReadonlyMap<string, number>): ReplicationStrategy {
  let total = 0;
  for (const [dc, rf] of rfByDc) {
    assert(Number.isInteger(rf) && rf >= 0, `bad replication factor ${rf} for ${dc}`);
    total += rf;
  }
  const dcs = [...rfByDc.keys()].sort();
  const cacheKey = `nts:${dcs.map((dc) => `${dc}=${rfByDc.get(dc)}`).join(',')}`;
  return {
    kind: StrategyKind.NetworkTopology,
    cacheKey,
    calculateNaturalReplicas: (t: Token, metadata: TokenMetadata) => calculate(t, metadata, rfByDc),
    replicationFactorIn: (dc: string) => rfByDc.get(dc) ?? 0,
    totalReplicationFactor: () => total,
  };
}

function calculate(t: Token, metadata: TokenMetadata, rfByDc: ReadonlyMap<string, number>): EndpointAddress[] {
  const tokens = metadata.sortedTokens;
  const replicas: EndpointAddress[] = [];
  if (tokens.length === 0) return replicas;
  const topology = metadata.topology();
  const progress = new Map<string, DcProgress>();
  for (const [dc, rf] of rfByDc) {
    const nodeCount = topology.endpointsByDc.get(dc)?.length ?? 0;
    if (rf <= 0 || nodeCount <= 0) continue;
    const rackCount = topology.racksByDc.get(dc)?.size ?? 0;
    progress.set(dc, { rfLeft: Math.min(rf, nodeCount), acceptableRackRepeats: rf - rackCount });
  }
  let dcsToFill = progress.size;
  // Racks seen so far, keyed "dc\0rack" so equal rack names in different DCs do not clash.
  const seenRacks = new Set<string>();
  const start = metadata.firstTokenIndex(t);
  for (let step = 0; step < tokens.length && dcsToFill > 0; step++) {
    const endpoint = metadata.ownerOf(tokens[(start + step) % tokens.length]!)!;
    const info = metadata.endpoint(endpoint)!;
    const dc = progress.get(info.dc);
    if (dc === undefined || dc.rfLeft === 0 || replicas.includes(endpoint)) continue;
    const location = `${info.dc}\0${info.rack}`;
    if (!seenRacks.has(location)) {
      seenRacks.add(location);
    } else if (dc.acceptableRackRepeats > 0) {
      dc.acceptableRackRepeats--;
    } else {
      continue;
    }
    replicas.push(endpoint);
    dc.rfLeft--;
    if (dc.rfLeft === 0) dcsToFill--;
  }
  return replicas;
}
