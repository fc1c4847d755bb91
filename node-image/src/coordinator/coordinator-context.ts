// What the parts of the cluster coordinator share (read executor, write paths, Paxos host, replica
// handlers): this node's identity and I/O, the ring view, codecs, deadlines, configuration and
// counters. One per coordinator; nothing here is a module-level singleton.
import type { EndpointAddress } from '../cluster/index.ts';
import type { Clock, Logger, Random, Timers } from '../io/index.ts';
import type { MessagingService } from '../messaging/index.ts';
import type { KeyspaceMetadata, TableMetadata } from '../schema/index.ts';
import type { StorageEngine } from '../storage/index.ts';
import type { DeadlineQueue } from './deadline-queue.ts';
import type { HintsService } from './hints/hints-service.ts';
import type { Membership } from './membership.ts';
import type { MessageReader, MessageWriter } from './messages/coordinator-messages.ts';
import type { ReplicaLookup } from './replica-lookup.ts';
import type { ReplicaTopology } from './replica-plan.ts';
import type { LatencyTrackers } from './speculative-retry.ts';

/** Timeouts of the coordinator (cassandra.yaml *_request_timeout; 4.x defaults). */
export interface CoordinatorTimeouts {
  readonly writeRequestTimeoutMs: number;
  readonly readRequestTimeoutMs: number;
  readonly rangeRequestTimeoutMs: number;
  readonly counterWriteRequestTimeoutMs: number;
  readonly casContentionTimeoutMs: number;
  readonly truncateRequestTimeoutMs: number;
}

export const COORDINATOR_TIMEOUTS_DEFAULTS: CoordinatorTimeouts = {
  writeRequestTimeoutMs: 2000,
  readRequestTimeoutMs: 5000,
  rangeRequestTimeoutMs: 10_000,
  counterWriteRequestTimeoutMs: 5000,
  casContentionTimeoutMs: 1000,
  truncateRequestTimeoutMs: 60_000,
};

/** Counters for tests, benchmarks and metrics (monotonic). */
export interface CoordinatorStats {
  /** As coordinator. */
  writes: number;
  reads: number;
  rangeReads: number;
  localFastReads: number;
  digestMismatches: number;
  readRepairMutations: number;
  shortReadRetries: number;
  speculativeRetries: number;
  hintsWritten: number;
  counterForwards: number;
  casOperations: number;
  /** As replica (requests served for other coordinators or itself through the verbs). */
  replicaWrites: number;
  replicaReads: number;
  replicaDigestReads: number;
  replicaRangeReads: number;
  replicaHints: number;
  /** Hints received for this node whose data it no longer owns, stored again for the current replicas. */
  hintsRerouted: number;
}

/** What each counter counts (the help text of its exported metric, cassia_coordinator_<name>_total). */
export const COORDINATOR_STATS_HELP: { readonly [K in keyof CoordinatorStats]: string } = {
  writes: 'Writes coordinated (one per mutation)',
  reads: 'Single-partition read rounds coordinated',
  rangeReads: 'Range reads coordinated',
  localFastReads: 'Reads answered from local storage alone',
  digestMismatches: 'Reads whose replicas disagreed (digest mismatch)',
  readRepairMutations: 'Read repair mutations sent to replicas',
  shortReadRetries: 'Reads continued after a replica hit a limit (short-read protection)',
  speculativeRetries: 'Extra read requests sent by speculative retry',
  hintsWritten: 'Hints written by the write path for replicas that were down or did not answer',
  counterForwards: 'Counter writes forwarded to a leader replica',
  casOperations: 'Compare-and-set operations coordinated',
  replicaWrites: 'MUTATION requests applied as a replica',
  replicaReads: 'READ requests served as a replica',
  replicaDigestReads: 'READ_DIGEST requests served as a replica',
  replicaRangeReads: 'RANGE_READ requests served as a replica',
  replicaHints: 'HINT requests received (applied, kept for another host, or re-routed)',
  hintsRerouted: 'Hints received for data this node no longer owns, re-routed to the current replicas',
};

export function emptyStats(): CoordinatorStats {
  return {
    writes: 0, reads: 0, rangeReads: 0, localFastReads: 0, digestMismatches: 0, readRepairMutations: 0, shortReadRetries: 0,
    speculativeRetries: 0, hintsWritten: 0, counterForwards: 0, casOperations: 0,
    replicaWrites: 0, replicaReads: 0, replicaDigestReads: 0, replicaRangeReads: 0, replicaHints: 0, hintsRerouted: 0,
  };
}

export interface TableEntry {
  readonly keyspace: KeyspaceMetadata;
  readonly table: TableMetadata;
}

export interface CoordinatorContext {
  readonly self: EndpointAddress;
  readonly storage: StorageEngine;
  readonly messaging: MessagingService;
  readonly membership: Membership;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly logger: Logger;
  readonly lookup: ReplicaLookup;
  readonly deadlines: DeadlineQueue;
  readonly writer: MessageWriter;
  readonly reader: MessageReader;
  readonly timeouts: CoordinatorTimeouts;
  readonly topology: ReplicaTopology;
  readonly hints: HintsService;
  readonly latencies: LatencyTrackers;
  readonly stats: CoordinatorStats;
  tableById(tableId: string): TableEntry | null;
  keyspace(name: string): KeyspaceMetadata;
  /** min(gc_grace_seconds) of the tables a mutation touches (hint TTL). */
  gcGraceOf(keyspace: string, tableIds: readonly string[]): number;
}
