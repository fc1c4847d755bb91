// Replica plans (pure): for one token of one keyspace, which replicas a write, a read or a Paxos
// round contacts, how many answers it blocks for, and the availability check made before anything
// is sent (cassandra-internals.md 4.1, 4.2, 4.4, 8.1). Invariants: blockFor >= 1; every contact is
// live; LOCAL_* plans only count local-DC replicas; a plan that cannot be met throws Unavailable
// with the (required, alive) fields Cassandra reports.
import type { EndpointAddress, Location, LocalEndpoint } from '../cluster/index.ts';
import { sortByProximity } from '../cluster/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode, assert } from '../lib/index.ts';
import type { ReplicationFactors } from './consistency.ts';
import { blockFor, isDatacenterLocal, unavailable } from './consistency.ts';

/** What a plan needs to know about the cluster: where endpoints are and which are alive. */
export interface ReplicaTopology {
  readonly self: LocalEndpoint;
  isAlive(address: EndpointAddress): boolean;
  locate(address: EndpointAddress): Location | undefined;
}

export interface WritePlan {
  readonly consistency: ConsistencyLevel;
  /** Natural then pending replicas: every one gets the mutation (or a hint). */
  readonly targets: readonly EndpointAddress[];
  /** Live targets, closest first. */
  readonly live: readonly EndpointAddress[];
  /** Down targets: hinted at once. */
  readonly dead: readonly EndpointAddress[];
  /** Acknowledgements to wait for (pending replicas included). */
  readonly blockFor: number;
  /** LOCAL_*: only acks from this datacenter count; null: every ack counts. */
  readonly countedDatacenter: string | null;
  /** EACH_QUORUM with NTS: acks needed per datacenter (they sum to blockFor); else null. */
  readonly blockForByDatacenter: ReadonlyMap<string, number> | null;
}

export interface ReadPlan {
  readonly consistency: ConsistencyLevel;
  /** Live natural replicas that may serve the read (local DC only for LOCAL_*), closest first. */
  readonly candidates: readonly EndpointAddress[];
  /** The replicas asked first: the first gets the data request, the others digest requests. */
  readonly contacts: readonly EndpointAddress[];
  readonly blockFor: number;
  /** EACH_QUORUM with NTS: answers needed per datacenter; else null. */
  readonly blockForByDatacenter: ReadonlyMap<string, number> | null;
}

export interface PaxosPlan {
  /** Natural + pending replicas (local DC only for LOCAL_SERIAL). */
  readonly participants: readonly EndpointAddress[];
  /** Live participants, closest first. */
  readonly live: readonly EndpointAddress[];
  /** floor(participants / 2) + 1: promises, accepts and quorum reads needed. */
  readonly requiredParticipants: number;
}

export interface ReplicaSet {
  /** Natural replicas in strategy order (primary first). */
  readonly natural: readonly EndpointAddress[];
  /** Pending replicas (bootstrap, leave, move) for the token. */
  readonly pending: readonly EndpointAddress[];
}

function quorumOf(n: number): number {
  return Math.floor(n / 2) + 1;
}

function datacenterOf(topology: ReplicaTopology, address: EndpointAddress): string | undefined {
  if (address === topology.self.address) return topology.self.dc;
  return topology.locate(address)?.dc;
}

function isLocal(topology: ReplicaTopology, address: EndpointAddress): boolean {
  return datacenterOf(topology, address) === topology.self.dc;
}

function countWhere<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  let n = 0;
  for (const item of items) if (predicate(item)) n++;
  return n;
}

function sorted(topology: ReplicaTopology, endpoints: readonly EndpointAddress[]): EndpointAddress[] {
  return sortByProximity(topology.self, endpoints, (a) => topology.locate(a));
}

/** Per-DC quorum (+ pending in that DC for writes) for EACH_QUORUM under NTS. */
function eachQuorumByDatacenter(factors: ReplicationFactors, topology: ReplicaTopology, pending: readonly EndpointAddress[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [dc, rf] of factors.perDatacenter) {
    out.set(dc, quorumOf(rf) + countWhere(pending, (p) => datacenterOf(topology, p) === dc));
  }
  return out;
}

/**
 * The write plan for a token (ReplicaPlans.forWrite + assureSufficientLiveReplicasForWrite).
 * Throws Unavailable when the live targets cannot meet the consistency level.
 */
export function planWrite(options: {
  readonly consistency: ConsistencyLevel;
  readonly factors: ReplicationFactors;
  readonly replicas: ReplicaSet;
  readonly topology: ReplicaTopology;
}): WritePlan {
  const { consistency, factors, replicas, topology } = options;
  const targets: EndpointAddress[] = [...replicas.natural];
  for (const p of replicas.pending) if (!targets.includes(p)) targets.push(p);
  const liveUnsorted: EndpointAddress[] = [];
  const dead: EndpointAddress[] = [];
  for (const t of targets) (topology.isAlive(t) ? liveUnsorted : dead).push(t);
  const live = sorted(topology, liveUnsorted);
  const localOnly = isDatacenterLocal(consistency);
  const pendingCounted = consistency === ConsistencyLevel.ANY ? 0
    : localOnly ? countWhere(replicas.pending, (p) => isLocal(topology, p)) : replicas.pending.length;
  const required = blockFor(consistency, factors, topology.self.dc) + pendingCounted;

  let byDc: Map<string, number> | null = null;
  if (consistency === ConsistencyLevel.EACH_QUORUM && factors.isNetworkTopology) {
    byDc = eachQuorumByDatacenter(factors, topology, replicas.pending);
    for (const [dc, needed] of byDc) {
      const alive = countWhere(live, (a) => datacenterOf(topology, a) === dc);
      if (alive < needed) throw unavailable(consistency, needed, alive);
    }
  } else if (consistency !== ConsistencyLevel.ANY) {
    // A local hint satisfies ANY: nothing to check.
    const alive = localOnly ? countWhere(live, (a) => isLocal(topology, a)) : live.length;
    if (alive < required) throw unavailable(consistency, required, alive);
  }
  let total = required;
  if (byDc !== null) {
    total = 0;
    for (const n of byDc.values()) total += n;
  }
  assert(total >= 1, 'a write blocks for at least one ack');
  return {
    consistency,
    targets,
    live,
    dead,
    blockFor: total,
    countedDatacenter: localOnly ? topology.self.dc : null,
    blockForByDatacenter: byDc,
  };
}

/**
 * The read plan for a token (ReplicaPlans.forRead): live natural replicas, local DC only for
 * LOCAL_*, closest first; contacts are the first blockFor (a quorum per DC for EACH_QUORUM), plus
 * one more when `extraContact` (speculative_retry ALWAYS). Throws Unavailable.
 */
export function planRead(options: {
  readonly consistency: ConsistencyLevel;
  readonly factors: ReplicationFactors;
  readonly natural: readonly EndpointAddress[];
  readonly topology: ReplicaTopology;
  readonly extraContact?: boolean;
}): ReadPlan {
  const { consistency, factors, natural, topology } = options;
  assert(consistency !== ConsistencyLevel.ANY, 'ANY is not a read consistency level');
  const localOnly = isDatacenterLocal(consistency);
  const liveUnsorted = natural.filter((a) => topology.isAlive(a) && (!localOnly || isLocal(topology, a)));
  const candidates = sorted(topology, liveUnsorted);
  if (consistency === ConsistencyLevel.EACH_QUORUM && factors.isNetworkTopology) {
    const byDc = eachQuorumByDatacenter(factors, topology, []);
    const contacts: EndpointAddress[] = [];
    let total = 0;
    for (const [dc, needed] of byDc) {
      const inDc = candidates.filter((a) => datacenterOf(topology, a) === dc);
      if (inDc.length < needed) throw unavailable(consistency, needed, inDc.length);
      contacts.push(...inDc.slice(0, needed));
      total += needed;
    }
    // EACH_QUORUM never speculates (cassandra-internals 4.4).
    return { consistency, candidates, contacts, blockFor: total, blockForByDatacenter: byDc };
  }
  const required = blockFor(consistency, factors, topology.self.dc);
  if (candidates.length < required) throw unavailable(consistency, required, candidates.length);
  const contactCount = Math.min(candidates.length, required + (options.extraContact === true ? 1 : 0));
  return { consistency, candidates, contacts: candidates.slice(0, contactCount), blockFor: required, blockForByDatacenter: null };
}

/** Most pending endpoints a Paxos round accepts (StorageProxy.getPaxosParticipants). */
export const PAXOS_PENDING_ENDPOINTS_MAX = 1;

/**
 * Paxos participants (cassandra-internals 8.1): natural + pending replicas, local DC only for
 * LOCAL_SERIAL; quorum floor(n/2)+1. Unavailable when fewer are live, or with more than one
 * pending endpoint.
 */
export function planPaxos(options: {
  readonly serialConsistency: ConsistencyLevel;
  readonly replicas: ReplicaSet;
  readonly topology: ReplicaTopology;
}): PaxosPlan {
  const { serialConsistency, replicas, topology } = options;
  const localOnly = serialConsistency === ConsistencyLevel.LOCAL_SERIAL;
  const keep = (a: EndpointAddress): boolean => !localOnly || isLocal(topology, a);
  const natural = replicas.natural.filter(keep);
  const pending = replicas.pending.filter((p) => keep(p) && !natural.includes(p));
  const participants = [...natural, ...pending];
  const requiredParticipants = quorumOf(participants.length);
  if (pending.length > PAXOS_PENDING_ENDPOINTS_MAX) {
    throw new CqlError(
      ErrorCode.Unavailable,
      `Cannot perform LWT operation as there is more than one (${pending.length}) pending range movement`,
      { kind: 'unavailable', consistency: serialConsistency, required: participants.length + 1, alive: participants.length },
    );
  }
  const live = sorted(topology, participants.filter((a) => topology.isAlive(a)));
  if (live.length < requiredParticipants) throw unavailable(serialConsistency, requiredParticipants, live.length);
  return { participants, live, requiredParticipants };
}

/** Whether an ack from `address` counts toward `plan` (LOCAL_* count local-DC acks only). */
export function ackCounts(plan: WritePlan, topology: ReplicaTopology, address: EndpointAddress): boolean {
  return plan.countedDatacenter === null || datacenterOf(topology, address) === plan.countedDatacenter;
}

/** The datacenter of an endpoint as the plan sees it (self from configuration, peers from the ring). */
export function datacenterOfEndpoint(topology: ReplicaTopology, address: EndpointAddress): string | undefined {
  return datacenterOf(topology, address);
}
