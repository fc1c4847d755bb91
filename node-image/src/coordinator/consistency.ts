// Consistency-level arithmetic (cassandra-internals.md 4.1): how many replica responses a
// request must block for, and the availability check made before anything is sent.
import { ConsistencyLevel, CqlError, ErrorCode, consistencyName, invalidRequest } from '../lib/index.ts';
import type { ReplicationOptions } from '../schema/index.ts';

/** Replication factor per datacenter; SimpleStrategy/LocalStrategy report one pseudo-DC ''. */
export interface ReplicationFactors {
  readonly isNetworkTopology: boolean;
  readonly perDatacenter: ReadonlyMap<string, number>;
  readonly total: number;
}

const SIMPLE = 'org.apache.cassandra.locator.SimpleStrategy';
const NTS = 'org.apache.cassandra.locator.NetworkTopologyStrategy';
const LOCAL = 'org.apache.cassandra.locator.LocalStrategy';
const EVERYWHERE = 'org.apache.cassandra.locator.EverywhereStrategy';

/** Replication factors of a keyspace; `nodeCount` sizes Local/Everywhere strategies. */
export function replicationFactorsOf(replication: ReplicationOptions, nodeCount: number): ReplicationFactors {
  if (replication.class === NTS) {
    const perDatacenter = new Map<string, number>();
    let total = 0;
    for (const [dc, value] of Object.entries(replication.options)) {
      const rf = Number.parseInt(value, 10);
      if (Number.isFinite(rf) && rf > 0) {
        perDatacenter.set(dc, rf);
        total += rf;
      }
    }
    return { isNetworkTopology: true, perDatacenter, total };
  }
  let rf: number;
  if (replication.class === SIMPLE) rf = Number.parseInt(replication.options['replication_factor'] ?? '1', 10);
  else if (replication.class === LOCAL) rf = 1;
  else if (replication.class === EVERYWHERE) rf = nodeCount;
  else rf = Number.parseInt(replication.options['replication_factor'] ?? '1', 10);
  return { isNetworkTopology: false, perDatacenter: new Map([['', rf]]), total: rf };
}

function quorumOf(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** Responses needed for `level` (reads; writes add pending replicas on top). */
export function blockFor(level: ConsistencyLevel, factors: ReplicationFactors, localDatacenter: string): number {
  switch (level) {
    case ConsistencyLevel.ANY:
    case ConsistencyLevel.ONE:
    case ConsistencyLevel.LOCAL_ONE:
      return 1;
    case ConsistencyLevel.TWO:
      return 2;
    case ConsistencyLevel.THREE:
      return 3;
    case ConsistencyLevel.QUORUM:
    case ConsistencyLevel.SERIAL:
      return quorumOf(factors.total);
    case ConsistencyLevel.ALL:
      return factors.total;
    case ConsistencyLevel.LOCAL_QUORUM:
    case ConsistencyLevel.LOCAL_SERIAL:
      if (!factors.isNetworkTopology) return quorumOf(factors.total);
      return quorumOf(factors.perDatacenter.get(localDatacenter) ?? 0);
    case ConsistencyLevel.EACH_QUORUM: {
      if (!factors.isNetworkTopology) return quorumOf(factors.total);
      let n = 0;
      for (const rf of factors.perDatacenter.values()) n += quorumOf(rf);
      return n;
    }
    default:
      throw invalidRequest(`Unknown consistency level ${String(level)}`);
  }
}

/** Whether `level` counts only replicas of the coordinator's datacenter. */
export function isDatacenterLocal(level: ConsistencyLevel): boolean {
  return level === ConsistencyLevel.LOCAL_ONE || level === ConsistencyLevel.LOCAL_QUORUM || level === ConsistencyLevel.LOCAL_SERIAL;
}

export function unavailable(level: ConsistencyLevel, required: number, alive: number): CqlError {
  return new CqlError(ErrorCode.Unavailable, `Cannot achieve consistency level ${consistencyName(level)}`, {
    kind: 'unavailable', consistency: level, required, alive,
  });
}

/** Validates a consistency level for a write (SERIAL levels are not write levels). */
export function checkWriteConsistency(level: ConsistencyLevel): void {
  if (level === ConsistencyLevel.SERIAL || level === ConsistencyLevel.LOCAL_SERIAL) {
    throw invalidRequest(`You must use conditional updates for serializable writes`);
  }
}

/** Validates a consistency level for a read (ANY is not a read level). */
export function checkReadConsistency(level: ConsistencyLevel): void {
  if (level === ConsistencyLevel.ANY) {
    throw invalidRequest('ANY ConsistencyLevel is only supported for writes');
  }
}
