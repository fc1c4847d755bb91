// Pending ranges of one keyspace (Cassandra TokenMetadata.calculatePendingRanges, 4.x): ranges that
// endpoints are about to gain because of leaving, bootstrapping (including replacing) and moving
// endpoints. Writes go to natural + pending replicas. Computed as Cassandra does (spec 5.7):
// leaves first against the ring with every leaving node gone ("allLeft"), then each bootstrapping
// endpoint added alone to allLeft, then moves. Lookups by token use a precomputed segment index.
import type { EndpointAddress } from './endpoint.ts';
import { RingReplicaMap } from './replication/ring-replica-map.ts';
import type { ReplicationStrategy } from './replication/replication-strategy.ts';
import type { TokenMetadata } from './token-metadata.ts';
import {
  type Token, type TokenRange, compareTokens, formatRange, rangeContains, rangeEquals, subtractRanges,
} from './token-range.ts';

export interface PendingRange {
  readonly range: TokenRange;
  readonly endpoint: EndpointAddress;
}

export class PendingRanges {
  readonly entries: readonly PendingRange[];
  // Segment index: the distinct range boundaries in ring order; pendingBySegment[i] holds the
  // endpoints pending for every token in (boundaries[i-1], boundaries[i]] (index 0 wraps).
  private readonly boundaries: readonly Token[];
  private readonly pendingBySegment: ReadonlyArray<readonly EndpointAddress[]>;

  constructor(entries: readonly PendingRange[]) {
    this.entries = entries;
    const boundarySet = new Set<Token>();
    for (const e of entries) { boundarySet.add(e.range.left); boundarySet.add(e.range.right); }
    this.boundaries = [...boundarySet].sort(compareTokens);
    this.pendingBySegment = this.boundaries.map((right) => {
      const endpoints: EndpointAddress[] = [];
      // Any token of the segment is in exactly the same entries as its right end.
      for (const e of entries) if (rangeContains(e.range, right) && !endpoints.includes(e.endpoint)) endpoints.push(e.endpoint);
      return endpoints;
    });
  }

  static readonly EMPTY = new PendingRanges([]);

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** Endpoints pending for the token (writes must also go to them). */
  pendingFor(t: Token): readonly EndpointAddress[] {
    const n = this.boundaries.length;
    if (n === 0) return [];
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.boundaries[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return this.pendingBySegment[lo === n ? 0 : lo]!;
  }

  /** Pending ranges of one endpoint. */
  rangesFor(endpoint: EndpointAddress): TokenRange[] {
    return this.entries.filter((e) => e.endpoint === endpoint).map((e) => e.range);
  }

  describe(): string[] {
    return this.entries.map((e) => `${formatRange(e.range)} -> ${e.endpoint}`);
  }
}

class Builder {
  private readonly seen = new Set<string>();
  readonly entries: PendingRange[] = [];

  add(range: TokenRange, endpoint: EndpointAddress): void {
    const key = `${range.left},${range.right},${endpoint}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.entries.push({ range, endpoint });
  }
}

/** Pending ranges for `strategy` given the bootstrapping, leaving and moving endpoints of `metadata`. */
export function calculatePendingRanges(strategy: ReplicationStrategy, metadata: TokenMetadata): PendingRanges {
  const bootstrapping = metadata.bootstrappingEndpoints();
  const leaving = metadata.leavingEndpoints();
  const moving = metadata.movingEndpoints();
  if (bootstrapping.size === 0 && leaving.size === 0 && moving.size === 0) return PendingRanges.EMPTY;

  const current = metadata.onlyTokenMap();
  const currentMap = new RingReplicaMap(strategy, current);
  const addressRanges = currentMap.rangesByEndpoint();
  let allLeft = current;
  for (const endpoint of leaving) allLeft = allLeft.withoutEndpoint(endpoint);
  const builder = new Builder();

  // Leaves: for each range a leaving node replicates, the replicas it gains once every leaving
  // node is gone are pending for it, minus what they already replicate.
  const affected: TokenRange[] = [];
  for (const endpoint of leaving) {
    for (const range of addressRanges.get(endpoint) ?? []) if (!affected.some((r) => rangeEquals(r, range))) affected.push(range);
  }
  for (const range of affected) {
    const before = strategy.calculateNaturalReplicas(range.right, current);
    const after = strategy.calculateNaturalReplicas(range.right, allLeft);
    for (const endpoint of after) {
      if (before.includes(endpoint)) continue;
      for (const piece of subtractRanges(range, addressRanges.get(endpoint) ?? [])) builder.add(piece, endpoint);
    }
  }

  // Bootstraps: each bootstrapping endpoint alone on the allLeft ring; all its ranges are pending.
  for (const [endpoint, tokens] of bootstrapping) {
    const withNode = allLeft.withNormalTokens(endpoint, tokens);
    for (const range of new RingReplicaMap(strategy, withNode).rangesFor(endpoint)) builder.add(range, endpoint);
  }

  // Moves: ranges around the old and new position; endpoints that gain a range are pending for the
  // part they do not already replicate. As in Cassandra, each processed mover leaves allLeft.
  for (const [endpoint, to] of moving) {
    const beforeMove = new RingReplicaMap(strategy, allLeft).rangesFor(endpoint);
    allLeft = allLeft.withNormalTokens(endpoint, [to]);
    const afterMap = new RingReplicaMap(strategy, allLeft);
    const moveAffected = [...beforeMove];
    for (const r of afterMap.rangesFor(endpoint)) if (!moveAffected.some((x) => rangeEquals(x, r))) moveAffected.push(r);
    for (const range of moveAffected) {
      const before = strategy.calculateNaturalReplicas(range.right, current);
      const after = strategy.calculateNaturalReplicas(range.right, allLeft);
      for (const gainer of after) {
        if (before.includes(gainer)) continue;
        const oldRanges = addressRanges.get(gainer) ?? [];
        for (const newRange of afterMap.rangesFor(gainer)) {
          if (oldRanges.some((r) => rangeEquals(r, newRange))) continue;
          for (const piece of subtractRanges(newRange, oldRanges)) builder.add(piece, gainer);
        }
      }
    }
    allLeft = allLeft.withoutEndpoint(endpoint);
  }
  return new PendingRanges(builder.entries);
}
