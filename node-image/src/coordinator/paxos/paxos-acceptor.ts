// The replica side of Paxos v1 (cassandra-internals.md 8.2): promise, accept and commit for one
// partition, with the new state persisted before the answer leaves. Each decision is made
// synchronously on the in-memory state (so concurrent requests for a partition are serialized by
// the event loop, as Cassandra serializes them with a per-partition lock) and then waits for the
// log to be durable. A commit applies its value (the owner's `apply`: a mutation to storage for
// CAS, a schema snapshot for schema changes), then records itself.
import { compareBallots } from './ballot.ts';
import type { Ballot } from './ballot.ts';
import type { PaxosProposal, PaxosState, PaxosStateStore } from './paxos-state-store.ts';

export interface PrepareResponse {
  readonly promised: boolean;
  /** The replica's promised ballot after this request (the competitor's when refused). */
  readonly promisedBallot: Ballot;
  /** Accepted proposal newer than the most recent commit, if any. */
  readonly inProgress: PaxosProposal | null;
  readonly mostRecentCommit: PaxosProposal | null;
}

export interface PaxosPartition {
  readonly tableId: string;
  readonly key: Buffer;
}

export class PaxosAcceptor {
  private readonly store: PaxosStateStore;
  private readonly nowMs: () => number;
  private readonly apply: (proposal: PaxosProposal) => Promise<void>;

  constructor(options: { store: PaxosStateStore; nowMs: () => number; apply: (proposal: PaxosProposal) => Promise<void> }) {
    this.store = options.store;
    this.nowMs = options.nowMs;
    this.apply = options.apply;
  }

  private state(p: PaxosPartition): PaxosState {
    return this.store.get(p.tableId, p.key) ?? { promised: null, accepted: null, committed: null, updatedAtMs: 0 };
  }

  /** The partition's accepted-but-uncommitted proposal and latest commit, promising nothing. */
  peek(p: PaxosPartition): { readonly inProgress: PaxosProposal | null; readonly mostRecentCommit: PaxosProposal | null } {
    const s = this.state(p);
    const inProgress = s.accepted !== null && (s.committed === null || compareBallots(s.accepted.ballot, s.committed.ballot) > 0) ? s.accepted : null;
    return { inProgress, mostRecentCommit: s.committed };
  }

  async prepare(p: PaxosPartition, ballot: Ballot): Promise<PrepareResponse> {
    const s = this.state(p);
    const inProgress = s.accepted !== null && (s.committed === null || compareBallots(s.accepted.ballot, s.committed.ballot) > 0) ? s.accepted : null;
    if (s.promised !== null && compareBallots(ballot, s.promised) <= 0) {
      return { promised: false, promisedBallot: s.promised, inProgress, mostRecentCommit: s.committed };
    }
    this.store.set(p.tableId, p.key, { ...s, promised: ballot, updatedAtMs: this.nowMs() });
    await this.store.durable();
    return { promised: true, promisedBallot: ballot, inProgress, mostRecentCommit: s.committed };
  }

  /** Accepts unless a newer ballot was promised meanwhile. */
  async propose(p: PaxosPartition, proposal: PaxosProposal): Promise<boolean> {
    const s = this.state(p);
    if (s.promised !== null && compareBallots(proposal.ballot, s.promised) < 0) return false;
    this.store.set(p.tableId, p.key, { ...s, promised: proposal.ballot, accepted: proposal, updatedAtMs: this.nowMs() });
    await this.store.durable();
    return true;
  }

  /** Applies a committed proposal (idempotent) and records it as the most recent commit if newer. */
  async commit(p: PaxosPartition, proposal: PaxosProposal): Promise<void> {
    const applied = this.apply(proposal);
    const s = this.state(p);
    const newer = s.committed === null || compareBallots(proposal.ballot, s.committed.ballot) > 0;
    if (newer) {
      const accepted = s.accepted !== null && compareBallots(s.accepted.ballot, proposal.ballot) <= 0 ? null : s.accepted;
      this.store.set(p.tableId, p.key, { promised: s.promised, accepted, committed: proposal, updatedAtMs: this.nowMs() });
    }
    await applied;
    if (newer) await this.store.durable();
  }
}
