// Which token ranges move between which nodes when the ring changes (Cassandra's RangeStreamer and
// StorageService.getChangesToStreamFor...), as pure functions of two ring snapshots. The ring is
// cut at the union of both snapshots' tokens, so each segment has one replica set before and one
// after; a segment an endpoint gains is streamed from a replica that held it before.
// Invariants: segments cover the ring once, in ring order; sources never include the receiver.
import { RingReplicaMap, normalizeRanges, tokenRange } from '../../cluster/index.ts';
import type { EndpointAddress, ReplicationStrategy, Token, TokenMetadata, TokenRange } from '../../cluster/index.ts';

export interface RingSegment {
  readonly range: TokenRange;
  readonly before: readonly EndpointAddress[];
  readonly after: readonly EndpointAddress[];
}

/** Every segment of the ring with its replicas before and after a change, in ring order. */
export function ringSegments(strategy: ReplicationStrategy, before: TokenMetadata, after: TokenMetadata): RingSegment[] {
  const b = new RingReplicaMap(strategy, before);
  const a = new RingReplicaMap(strategy, after);
  const tokens = [...new Set<Token>([...before.sortedTokens, ...after.sortedTokens])].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  if (tokens.length === 0) return [];
  const out: RingSegment[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const right = tokens[i]!;
    const left = tokens[(i + tokens.length - 1) % tokens.length]!;
    out.push({ range: tokenRange(left, right), before: b.replicasFor(right), after: a.replicasFor(right) });
  }
  return out;
}

/** One receiver's share of a movement: ranges, each with its candidate sources, best first. */
export interface Transfer {
  readonly receiver: EndpointAddress;
  readonly range: TokenRange;
  /** Replicas that held the range before, strict sources (those losing it) first. */
  readonly sources: readonly EndpointAddress[];
}

/** Every (receiver, range) an ring change creates: receivers are in `after` but not `before`. */
export function transfers(strategy: ReplicationStrategy, before: TokenMetadata, after: TokenMetadata): Transfer[] {
  const out: Transfer[] = [];
  for (const s of ringSegments(strategy, before, after)) {
    const gained = s.after.filter((e) => !s.before.includes(e));
    if (gained.length === 0) continue;
    const losing = s.before.filter((e) => !s.after.includes(e));
    const staying = s.before.filter((e) => s.after.includes(e));
    for (const receiver of gained) out.push({ receiver, range: s.range, sources: [...losing, ...staying].filter((e) => e !== receiver) });
  }
  return out;
}

/** Ranges an endpoint replicates in a ring, with the other replicas of each. */
export function replicatedRanges(strategy: ReplicationStrategy, ring: TokenMetadata, endpoint: EndpointAddress): Transfer[] {
  const map = new RingReplicaMap(strategy, ring);
  const out: Transfer[] = [];
  for (const { range, replicas } of map.entries()) {
    if (replicas.includes(endpoint)) out.push({ receiver: endpoint, range, sources: replicas.filter((e) => e !== endpoint) });
  }
  return out;
}

/**
 * Groups transfers into streams: for each (receiver, source) the ranges to pull. The source of a
 * range is the first candidate `usable` accepts; `strict` insists on the first candidate (the replica
 * losing the range) and reports the range as unsourced when it is not usable.
 */
export function planStreams(list: readonly Transfer[], options: {
  readonly usable: (source: EndpointAddress) => boolean;
  readonly strict: boolean;
  /** Every usable candidate streams the range (the receiver gets the union of the replicas' data). */
  readonly allSources?: boolean;
}): { streams: Array<{ receiver: EndpointAddress; source: EndpointAddress; ranges: TokenRange[] }>; unsourced: Transfer[] } {
  const byKey = new Map<string, { receiver: EndpointAddress; source: EndpointAddress; ranges: TokenRange[] }>();
  const unsourced: Transfer[] = [];
  for (const t of list) {
    const candidates = options.strict ? t.sources.slice(0, 1) : t.sources;
    const usable = candidates.filter((s) => options.usable(s));
    if (usable.length === 0) {
      unsourced.push(t);
      continue;
    }
    for (const source of options.allSources === true ? usable : usable.slice(0, 1)) {
      const key = `${t.receiver}|${source}`;
      let entry = byKey.get(key);
      if (entry === undefined) {
        entry = { receiver: t.receiver, source, ranges: [] };
        byKey.set(key, entry);
      }
      entry.ranges.push(t.range);
    }
  }
  const streams = [...byKey.values()].map((s) => ({ ...s, ranges: normalizeRanges(s.ranges) }));
  return { streams, unsourced };
}
