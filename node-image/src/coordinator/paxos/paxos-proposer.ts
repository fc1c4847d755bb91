// The coordinator side of Paxos v1 (cassandra-internals.md 8.2, StorageProxy.cas of Cassandra 4.0):
// prepare with a fresh ballot; finish an in-progress proposal newer than the latest commit (and
// start over); send the latest commit to promisers that miss it; read at (LOCAL_)QUORUM; let the
// caller decide; propose the re-timestamped mutation; commit at the commit consistency level.
// Contention (a refused promise, a fully refused proposal) backs off randomly (0-100 ms, injected
// Random and Timers) and retries until cas_contention_timeout, then WriteTimeout(CAS). A proposal
// accepted by some but not a quorum is an unknown outcome: WriteTimeout(CAS), never a retry.
import type { EndpointAddress } from '../../cluster/index.ts';
import type { Clock, Random, Timers } from '../../io/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode, consistencyName, invalidRequest, isSerial } from '../../lib/index.ts';
import { MessagingError, Verb } from '../../messaging/index.ts';
import type { MessagingService } from '../../messaging/index.ts';
import type { Mutation, ReadPartition, ReadResult, ReadCommand } from '../../storage/index.ts';
import type { PaxosPlan } from '../replica-plan.ts';
import { ballotMicros, compareBallots, maxBallot } from './ballot.ts';
import type { Ballot, BallotGenerator } from './ballot.ts';
import type { PaxosAcceptor, PaxosPartition, PrepareResponse } from './paxos-acceptor.ts';
import { PaxosMessageCodec, decodePrepareResponse, decodeProposeResponse } from './paxos-messages.ts';
import type { PaxosProposal } from './paxos-state-store.ts';
import { withTimestamp } from './mutation-timestamps.ts';

/** Longest random pause after contention (Cassandra: nextInt(100) ms). */
export const PAXOS_BACKOFF_MS_MAX = 100;
/** Rounds attempted at most for one operation, whatever the clock says (a bound on the loop). */
export const PAXOS_ROUNDS_MAX = 10_000;

export interface PaxosHost {
  readonly self: EndpointAddress;
  readonly messaging: MessagingService;
  readonly acceptor: PaxosAcceptor;
  readonly ballots: BallotGenerator;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly writeTimeoutMs: number;
  readonly casContentionTimeoutMs: number;
  encodeMutation(mutation: Mutation): Buffer;
  decodeMutation(bytes: Buffer): Mutation;
  /** Participants of the partition for `serial` (recomputed each round: the ring may change). */
  paxosPlan(keyspace: string, token: bigint, serial: ConsistencyLevel): PaxosPlan;
  /** A read at QUORUM or LOCAL_QUORUM through the normal read path. */
  read(command: ReadCommand, consistency: ConsistencyLevel): Promise<ReadResult>;
  /** Sends a commit to every natural and pending replica, waiting per `consistency` (ANY: no wait). */
  commit(keyspace: string, mutation: Mutation, proposal: PaxosProposal, partition: PaxosPartition, consistency: ConsistencyLevel): Promise<void>;
}

export interface CasRound<R> {
  readonly keyspace: string;
  readonly token: bigint;
  readonly partition: PaxosPartition;
  readonly read: ReadCommand;
  readonly decide: (current: ReadPartition | null, ballotMicros: number) => { readonly mutation: Mutation | null; readonly result: R };
  readonly serialConsistency: ConsistencyLevel;
  readonly commitConsistency: ConsistencyLevel;
}

export function casTimeout(serial: ConsistencyLevel, received: number, blockFor: number): CqlError {
  return new CqlError(ErrorCode.WriteTimeout, `CAS operation timed out - encountered contentions: ${received}`, {
    kind: 'write_timeout', consistency: serial, received, blockFor, writeType: 'CAS',
  });
}

type Outcome<T> = { readonly kind: 'ok'; readonly value: T } | { readonly kind: 'contention' };

export class PaxosProposer {
  private readonly host: PaxosHost;
  private readonly codec = new PaxosMessageCodec();

  constructor(host: PaxosHost) {
    this.host = host;
  }

  /** Compare-and-set through Paxos; returns the decision's result. */
  async cas<R>(round: CasRound<R>): Promise<R> {
    validateSerial(round.serialConsistency);
    if (isSerial(round.commitConsistency)) {
      // ConsistencyLevel.validateForCasCommit's message.
      throw invalidRequest(`${consistencyName(round.commitConsistency)} is not supported as conditional update commit consistency. Use ANY if you mean "make sure it is accepted but I don't care how many replicas commit it for non-SERIAL reads"`);
    }
    const startMs = this.host.clock.monotonicMs();
    let contentions = 0;
    for (let attempt = 0; attempt < PAXOS_ROUNDS_MAX; attempt++) {
      const begun = await this.beginAndRepair(round, startMs, contentions);
      contentions = begun.contentions;
      const { ballot, plan } = begun;
      const micros = ballotMicros(ballot);
      const readLevel = round.serialConsistency === ConsistencyLevel.LOCAL_SERIAL ? ConsistencyLevel.LOCAL_QUORUM : ConsistencyLevel.QUORUM;
      const current = (await this.host.read(round.read, readLevel)).partitions[0] ?? null;
      const decision = round.decide(current, micros);
      if (decision.mutation === null) return decision.result;
      const mutation = withTimestamp(decision.mutation, micros);
      const proposal: PaxosProposal = { ballot, mutation: this.host.encodeMutation(mutation) };
      const proposed = await this.propose(round, plan, proposal, true);
      if (proposed) {
        await this.host.commit(round.keyspace, mutation, proposal, round.partition, round.commitConsistency);
        return decision.result;
      }
      contentions++;
      await this.backoff(round, startMs, contentions, plan);
    }
    throw casTimeout(round.serialConsistency, contentions, 0);
  }

  /** A SERIAL read: a prepare round that finishes any in-flight proposal, then a quorum read. */
  async serialRead(round: Omit<CasRound<never>, 'decide' | 'commitConsistency'>): Promise<ReadResult> {
    validateSerial(round.serialConsistency);
    const startMs = this.host.clock.monotonicMs();
    await this.beginAndRepair({ ...round, decide: () => ({ mutation: null, result: undefined as never }), commitConsistency: ConsistencyLevel.QUORUM }, startMs, 0);
    const readLevel = round.serialConsistency === ConsistencyLevel.LOCAL_SERIAL ? ConsistencyLevel.LOCAL_QUORUM : ConsistencyLevel.QUORUM;
    return this.host.read(round.read, readLevel);
  }

  private async backoff(round: { serialConsistency: ConsistencyLevel }, startMs: number, contentions: number, plan: PaxosPlan): Promise<void> {
    const elapsed = this.host.clock.monotonicMs() - startMs;
    if (elapsed >= this.host.casContentionTimeoutMs) throw casTimeout(round.serialConsistency, contentions, plan.requiredParticipants);
    const pauseMs = Math.floor(this.host.random.nextFloat() * PAXOS_BACKOFF_MS_MAX);
    await new Promise<void>((resolve) => {
      this.host.timers.setTimeout(resolve, Math.min(pauseMs, this.host.casContentionTimeoutMs - elapsed));
    });
  }

  /**
   * Prepares until a quorum promised, finishing in-progress proposals and repairing promisers that
   * miss the latest commit on the way (Cassandra's beginAndRepairPaxos).
   */
  private async beginAndRepair(round: CasRound<unknown>, startMs: number, contentionsBefore: number): Promise<{ ballot: Ballot; plan: PaxosPlan; contentions: number }> {
    let contentions = contentionsBefore;
    for (let attempt = 0; attempt < PAXOS_ROUNDS_MAX; attempt++) {
      const plan = this.host.paxosPlan(round.keyspace, round.token, round.serialConsistency);
      const ballot = this.host.ballots.next();
      const prepared = await this.prepare(round, plan, ballot);
      if (prepared.kind === 'contention') {
        contentions++;
        await this.backoff(round, startMs, contentions, plan);
        continue;
      }
      const { responses } = prepared.value;
      let mostRecent: PaxosProposal | null = null;
      let inProgress: PaxosProposal | null = null;
      for (const [, r] of responses) {
        if (r.mostRecentCommit !== null && (mostRecent === null || compareBallots(r.mostRecentCommit.ballot, mostRecent.ballot) > 0)) mostRecent = r.mostRecentCommit;
        if (r.inProgress !== null && (inProgress === null || compareBallots(r.inProgress.ballot, inProgress.ballot) > 0)) inProgress = r.inProgress;
      }
      if (inProgress !== null && (mostRecent === null || compareBallots(inProgress.ballot, mostRecent.ballot) > 0)) {
        // Finish the in-progress proposal under our ballot, then start over.
        const micros = ballotMicros(ballot);
        const mutation = withTimestamp(this.decodeProposal(inProgress), micros);
        const refreshed: PaxosProposal = { ballot, mutation: this.host.encodeMutation(mutation) };
        if (await this.propose(round, plan, refreshed, false)) {
          try {
            await this.host.commit(round.keyspace, mutation, refreshed, round.partition, quorumFor(round.serialConsistency));
          } catch (error) {
            if (!(error instanceof CqlError)) throw error;
          }
        } else {
          contentions++;
          await this.backoff(round, startMs, contentions, plan);
        }
        continue;
      }
      if (mostRecent !== null) {
        const missing = [...responses].filter(([, r]) => r.mostRecentCommit === null || compareBallots(r.mostRecentCommit.ballot, mostRecent!.ballot) < 0).map(([a]) => a);
        if (missing.length > 0 && !(await this.repairCommit(round.partition, missing, mostRecent))) {
          contentions++;
          await this.backoff(round, startMs, contentions, plan);
          continue;
        }
      }
      return { ballot, plan, contentions };
    }
    throw casTimeout(round.serialConsistency, contentions, 0);
  }

  private decodeProposal(p: PaxosProposal): Mutation {
    return this.host.decodeMutation(p.mutation);
  }

  /** Sends prepare to the live participants; ok with a quorum of promises, contention on a refusal. */
  private prepare(round: CasRound<unknown>, plan: PaxosPlan, ballot: Ballot): Promise<Outcome<{ responses: Map<EndpointAddress, PrepareResponse> }>> {
    const request = { tableId: round.partition.tableId, key: round.partition.key, ballot, mutation: null };
    const payload = this.codec.request(request);
    return new Promise((resolve, reject) => {
      const responses = new Map<EndpointAddress, PrepareResponse>();
      let promises = 0;
      let settled = 0;
      let done = false;
      let refused = false;
      const finish = (): void => {
        if (done) return;
        if (promises >= plan.requiredParticipants) {
          done = true;
          resolve({ kind: 'ok', value: { responses } });
        } else if (refused) {
          done = true;
          resolve({ kind: 'contention' });
        } else if (settled === plan.live.length) {
          done = true;
          reject(casTimeout(round.serialConsistency, promises, plan.requiredParticipants));
        }
      };
      for (const target of plan.live) {
        const answer = target === this.host.self
          ? this.host.acceptor.prepare(round.partition, ballot)
          : this.host.messaging.request(target, Verb.PaxosPrepare, payload, this.host.writeTimeoutMs).then(decodePrepareResponse);
        answer.then((r) => {
          settled++;
          if (done) return;
          this.observe(r);
          if (r.promised) {
            promises++;
            responses.set(target, r);
          } else {
            refused = true;
          }
          finish();
        }, (error: unknown) => {
          settled++;
          if (!isRemoteFailure(error)) {
            done = true;
            reject(error as Error);
            return;
          }
          finish();
        });
      }
    });
  }

  private observe(r: PrepareResponse): void {
    this.host.ballots.observe(r.promisedBallot);
    const newest = maxBallot(r.inProgress?.ballot ?? null, r.mostRecentCommit?.ballot ?? null);
    if (newest !== null) this.host.ballots.observe(newest);
  }

  /**
   * Sends the proposal; true with a quorum of accepts. Fully refused: false (contention). Partly
   * accepted without a quorum: WriteTimeout(CAS) when `timeoutIfPartial`, else false.
   */
  private propose(round: CasRound<unknown>, plan: PaxosPlan, proposal: PaxosProposal, timeoutIfPartial: boolean): Promise<boolean> {
    const payload = this.codec.request({ tableId: round.partition.tableId, key: round.partition.key, ballot: proposal.ballot, mutation: proposal.mutation });
    return new Promise((resolve, reject) => {
      let accepts = 0;
      let refusals = 0;
      let settled = 0;
      let done = false;
      const check = (): void => {
        if (done) return;
        if (accepts >= plan.requiredParticipants) {
          done = true;
          resolve(true);
        } else if (settled === plan.live.length) {
          done = true;
          // Fully refused (every participant answered no): nothing was accepted, retry is safe.
          // Otherwise some participant may hold the proposal: the outcome is unknown.
          if (refusals < plan.live.length && timeoutIfPartial) reject(casTimeout(round.serialConsistency, accepts, plan.requiredParticipants));
          else resolve(false);
        }
      };
      for (const target of plan.live) {
        const answer = target === this.host.self
          ? this.host.acceptor.propose(round.partition, proposal)
          : this.host.messaging.request(target, Verb.PaxosPropose, payload, this.host.writeTimeoutMs).then(decodeProposeResponse);
        answer.then((accepted) => {
          settled++;
          if (accepted) accepts++;
          else refusals++;
          check();
        }, (error: unknown) => {
          settled++;
          if (!isRemoteFailure(error)) {
            if (!done) {
              done = true;
              reject(error as Error);
            }
            return;
          }
          check();
        });
      }
    });
  }

  /** Sends the most recent commit to promisers that miss it and waits for all of them. */
  private async repairCommit(partition: PaxosPartition, targets: readonly EndpointAddress[], commit: PaxosProposal): Promise<boolean> {
    const payload = this.codec.request({ tableId: partition.tableId, key: partition.key, ballot: commit.ballot, mutation: commit.mutation });
    const results = await Promise.allSettled(targets.map((target) => (target === this.host.self
      ? this.host.acceptor.commit(partition, commit)
      : this.host.messaging.request(target, Verb.PaxosCommit, payload, this.host.writeTimeoutMs))));
    return results.every((r) => r.status === 'fulfilled');
  }
}

function validateSerial(level: ConsistencyLevel): void {
  if (!isSerial(level)) throw invalidRequest(`Invalid consistency level for serial: ${consistencyName(level)}`);
}

function quorumFor(serial: ConsistencyLevel): ConsistencyLevel {
  return serial === ConsistencyLevel.LOCAL_SERIAL ? ConsistencyLevel.LOCAL_QUORUM : ConsistencyLevel.QUORUM;
}

/** Errors that mean "this participant did not answer usefully" (the round goes on without it). */
function isRemoteFailure(error: unknown): boolean {
  return error instanceof MessagingError || error instanceof CqlError;
}
