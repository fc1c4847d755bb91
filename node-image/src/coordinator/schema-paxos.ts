// Linearizable schema changes: the cluster's schema is one Paxos v1 register (the LWT acceptor and
// verbs, under the reserved table id SCHEMA_PAXOS_TABLE_ID and an empty key; its state never
// expires). Its value is (epoch, snapshot, versions of the latest commits). Participants are every
// ring member (normal, leaving, joining) and this node; a majority of ALL of them must promise and
// accept, dead ones included. A DDL prepares; finishes an accepted change newer than the latest
// commit (then starts over); takes the newer of the latest commit and this node's schema; applies
// the CQL layer's change; proposes it with epoch counter + 1; commits it on this node first, then
// on every live participant (each installs it), then pushes it to live non-participants. A losing
// DDL retries on top of the winner's schema, so no change is lost and committed counters strictly
// increase. A proposal some participants accepted may still be finished by another coordinator:
// the retry recognises its own versions in the commit's history instead of applying twice.
// Contention backs off 0-100 ms until `timeoutMs`; no majority alive: Unavailable(SERIAL); no
// majority answering or contention past the timeout: WriteTimeout(CAS), as a Cassandra LWT. A node
// that is its only participant commits straight into its acceptor (no promise/accept round: nobody
// else takes part; one fsync instead of three) unless a proposal is in progress.
import type { EndpointAddress } from '../cluster/index.ts';
import type { Clock, Logger, Random, Timers } from '../io/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode } from '../lib/index.ts';
import { MessagingError, Verb } from '../messaging/index.ts';
import type { MessagingService } from '../messaging/index.ts';
import type { SchemaSnapshot } from '../schema/index.ts';
import { ByteReader, ByteWriter, DecodeError } from '../storage/index.ts';
import type { SchemaChangeRequest } from './coordinator.ts';
import { unavailable } from './consistency.ts';
import { CoordinatorMessageError } from './messages/coordinator-messages.ts';
import { compareBallots, maxBallot } from './paxos/ballot.ts';
import type { Ballot, BallotGenerator } from './paxos/ballot.ts';
import type { PaxosAcceptor, PaxosPartition, PrepareResponse } from './paxos/paxos-acceptor.ts';
import { PaxosMessageCodec, decodePrepareResponse, decodeProposeResponse } from './paxos/paxos-messages.ts';
import type { PaxosProposal } from './paxos/paxos-state-store.ts';
import { decodeSchemaMessage, encodeSchemaMessage, isNewerEpoch } from './schema-sync.ts';
import type { SchemaEpoch } from './schema-sync.ts';

/** The Paxos "table" of the schema register (table ids are UUIDs: no user table has this id). */
export const SCHEMA_PAXOS_TABLE_ID = 'schema';
export const SCHEMA_PAXOS_PARTITION: PaxosPartition = { tableId: SCHEMA_PAXOS_TABLE_ID, key: Buffer.alloc(0) };
/** How long a DDL may spend in contention before WriteTimeout (Cassandra's request_timeout). */
export const SCHEMA_CHANGE_TIMEOUT_MS_DEFAULT = 10_000;
/** Longest random pause after contention (as LWT). */
export const SCHEMA_PAXOS_BACKOFF_MS_MAX = 100;
/** Rounds attempted at most for one DDL, whatever the clock says (a bound on the loop). */
export const SCHEMA_PAXOS_ROUNDS_MAX = 10_000;
/** Versions of the latest commits a value carries (a retrying DDL looks for its own among them). */
export const SCHEMA_PAXOS_HISTORY_MAX = 100;
const VALUE_FORMAT = 1;

export interface SchemaValue {
  readonly epoch: SchemaEpoch;
  readonly snapshot: SchemaSnapshot;
  /** Versions of the latest committed values, newest first, this one included (at most SCHEMA_PAXOS_HISTORY_MAX). */
  readonly recent: readonly string[];
}

/** [u8 format][varint count][string version]*count [varBytes schema message]. */
export function encodeSchemaValue(value: SchemaValue): Buffer {
  const w = new ByteWriter(4096);
  w.u8(VALUE_FORMAT);
  w.varint(value.recent.length);
  for (const v of value.recent) w.string(v);
  w.varBytes(encodeSchemaMessage(value.epoch, value.snapshot));
  return Buffer.from(w.view());
}

export function decodeSchemaValue(bytes: Buffer): SchemaValue {
  try {
    const r = new ByteReader(bytes);
    const format = r.u8();
    if (format !== VALUE_FORMAT) throw new CoordinatorMessageError(`schema Paxos value: unknown format ${format}`);
    const count = r.varint();
    if (count > SCHEMA_PAXOS_HISTORY_MAX) throw new CoordinatorMessageError(`schema Paxos value: ${count} history entries`);
    const recent: string[] = [];
    for (let i = 0; i < count; i++) recent.push(r.string());
    const { epoch, snapshot } = decodeSchemaMessage(Buffer.from(r.varBytes()));
    if (r.remaining !== 0) throw new CoordinatorMessageError('schema Paxos value: trailing bytes');
    return { epoch, snapshot, recent };
  } catch (error) {
    if (error instanceof DecodeError) throw new CoordinatorMessageError(`malformed schema Paxos value: ${error.message}`);
    throw error;
  }
}

export interface SchemaPaxosHost {
  readonly self: EndpointAddress;
  readonly messaging: MessagingService;
  readonly acceptor: PaxosAcceptor;
  readonly ballots: BallotGenerator;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly logger: Logger;
  /** Deadline of one Paxos request. */
  readonly requestTimeoutMs: number;
  /** How long a DDL spends in contention at most. */
  readonly timeoutMs: number;
  /** Every participant (this node included), sorted, and the live ones. */
  participants(): { readonly all: readonly EndpointAddress[]; readonly live: readonly EndpointAddress[] };
  /** This node's schema and epoch. */
  current(): { readonly epoch: SchemaEpoch; readonly snapshot: SchemaSnapshot };
  /** Installs a committed value on this node when it is newer than its schema. */
  install(value: SchemaValue): Promise<void>;
  /** Pulls (bounded) from live members gossiping another schema version: the register has no commit yet. */
  catchUp(): Promise<void>;
  /** After a commit: tells live members that are not participants (SCHEMA_PUSH). */
  pushToOthers(value: SchemaValue, participants: readonly EndpointAddress[]): Promise<void>;
}

type ProposeOutcome = 'accepted' | 'refused' | 'partial';

export class SchemaPaxos {
  private readonly host: SchemaPaxosHost;
  private readonly codec = new PaxosMessageCodec();
  /** The last value this node encoded or decoded, by its bytes (skips parsing our own proposals again). */
  private cached: { readonly bytes: Buffer; readonly value: SchemaValue } | null = null;

  constructor(host: SchemaPaxosHost) {
    this.host = host;
  }

  /** A register value from its bytes (this node's acceptor applies commits through it). */
  decode(bytes: Buffer): SchemaValue {
    if (this.cached?.bytes === bytes) return this.cached.value;
    const value = decodeSchemaValue(bytes);
    this.cached = { bytes, value };
    return value;
  }

  private encode(value: SchemaValue): Buffer {
    const bytes = encodeSchemaValue(value);
    this.cached = { bytes, value };
    return bytes;
  }

  /** Applies `request` to the cluster's schema; resolves with the new snapshot once installed here. */
  async change(request: SchemaChangeRequest): Promise<SchemaSnapshot> {
    const host = this.host;
    // A change that changes nothing on this node's schema (IF NOT EXISTS on an object it has)
    // needs no round: no network and no quorum (e.g. system_auth setup on every start).
    const local = host.current();
    try {
      if (request.apply(local.snapshot) === local.snapshot) return local.snapshot;
    } catch {
      // Judged again on the cluster's latest schema below.
    }
    const startMs = host.clock.monotonicMs();
    let contentions = 0;
    /** Versions this DDL proposed without a quorum: a later round may still commit one of them. */
    const own = new Set<string>();
    for (let round = 0; round < SCHEMA_PAXOS_ROUNDS_MAX; round++) {
      const { all, live } = host.participants();
      if (round === 0 && all.length === 1 && all[0] === host.self) {
        const alone = await this.changeAlone(request);
        if (alone !== null) return alone;
      }
      const required = Math.floor(all.length / 2) + 1;
      if (live.length < required) throw unavailable(ConsistencyLevel.SERIAL, required, live.length);
      const ballot = host.ballots.next();
      const prepared = await this.prepare(live, required, ballot, contentions);
      if (prepared === null) {
        contentions++;
        await this.backoff(startMs, contentions, required);
        continue;
      }
      let mostRecent: PaxosProposal | null = null;
      let inProgress: PaxosProposal | null = null;
      for (const r of prepared.values()) {
        if (r.mostRecentCommit !== null && (mostRecent === null || compareBallots(r.mostRecentCommit.ballot, mostRecent.ballot) > 0)) mostRecent = r.mostRecentCommit;
        if (r.inProgress !== null && (inProgress === null || compareBallots(r.inProgress.ballot, inProgress.ballot) > 0)) inProgress = r.inProgress;
      }
      if (inProgress !== null && (mostRecent === null || compareBallots(inProgress.ballot, mostRecent.ballot) > 0)) {
        // Finish the change in progress under our ballot, then start over on top of it.
        const refreshed: PaxosProposal = { ballot, mutation: inProgress.mutation };
        if (await this.propose(live, required, refreshed) === 'accepted') {
          await this.commit(refreshed, live, all);
        } else {
          contentions++;
          await this.backoff(startMs, contentions, required);
        }
        continue;
      }
      let committed: SchemaValue | null = null;
      if (mostRecent !== null) {
        const latest = mostRecent;
        committed = this.decode(latest.mutation);
        // Promisers that missed the latest commit get it (best effort: they also pull the schema).
        for (const [target, r] of prepared) {
          if (r.mostRecentCommit === null || compareBallots(r.mostRecentCommit.ballot, latest.ballot) < 0) void this.sendCommit(target, latest);
        }
        if (committed.recent.some((v) => own.has(v))) {
          // An earlier attempt of this DDL was finished by another round: done, never applied twice.
          await host.install(committed);
          return committed.snapshot;
        }
      } else {
        // The register was never written (a cluster from before schema Paxos, or a new one):
        // start from the newest schema a live member gossips.
        await host.catchUp();
      }
      const base = await this.base(committed);
      const after = request.apply(base.snapshot);
      if (after === base.snapshot) return after;
      const proposal: PaxosProposal = { ballot, mutation: this.encode(nextValue(base, after)) };
      const outcome = await this.propose(live, required, proposal);
      if (outcome === 'accepted') {
        await this.commit(proposal, live, all);
        return after;
      }
      // Refused by all, or accepted by some: a later round may complete it; recognise it then.
      own.add(after.version);
      contentions++;
      await this.backoff(startMs, contentions, required);
    }
    throw this.timeout(contentions, 0, 0);
  }

  /** The newer (by epoch) of the latest commit and this node's schema; installs the commit here when it is the newer. */
  private async base(committed: SchemaValue | null): Promise<SchemaValue> {
    const local = this.host.current();
    if (committed === null || isNewerEpoch(local.epoch, committed.epoch)) return { ...local, recent: [] };
    if (isNewerEpoch(committed.epoch, local.epoch)) await this.host.install(committed);
    return committed;
  }

  /**
   * The only participant: commits into this node's acceptor without a round (DDLs of one
   * coordinator already run one at a time). Null when a proposal is in progress (a full round
   * finishes it first).
   */
  private async changeAlone(request: SchemaChangeRequest): Promise<SchemaSnapshot | null> {
    const host = this.host;
    const state = host.acceptor.peek(SCHEMA_PAXOS_PARTITION);
    if (state.inProgress !== null) return null;
    const base = await this.base(state.mostRecentCommit === null ? null : this.decode(state.mostRecentCommit.mutation));
    const after = request.apply(base.snapshot);
    if (after === base.snapshot) return after;
    await host.acceptor.commit(SCHEMA_PAXOS_PARTITION, { ballot: host.ballots.next(), mutation: this.encode(nextValue(base, after)) });
    return after;
  }

  private timeout(contentions: number, received: number, blockFor: number): CqlError {
    return new CqlError(ErrorCode.WriteTimeout, `Schema change timed out - encountered contentions: ${contentions}; ${received} of ${blockFor} required participants answered`, {
      kind: 'write_timeout', consistency: ConsistencyLevel.SERIAL, received, blockFor, writeType: 'CAS',
    });
  }

  private async backoff(startMs: number, contentions: number, required: number): Promise<void> {
    const host = this.host;
    const elapsed = host.clock.monotonicMs() - startMs;
    if (elapsed >= host.timeoutMs) throw this.timeout(contentions, 0, required);
    const pauseMs = Math.floor(host.random.nextFloat() * SCHEMA_PAXOS_BACKOFF_MS_MAX);
    await new Promise<void>((resolve) => {
      host.timers.setTimeout(resolve, Math.min(pauseMs, host.timeoutMs - elapsed));
    });
  }

  private request(target: EndpointAddress, verb: typeof Verb.PaxosPrepare | typeof Verb.PaxosPropose | typeof Verb.PaxosCommit, payload: Buffer): Promise<Buffer> {
    return this.host.messaging.request(target, verb, payload, this.host.requestTimeoutMs);
  }

  /** Promises of a quorum (by participant), or null on a refusal (contention); WriteTimeout when no quorum answers. */
  private prepare(live: readonly EndpointAddress[], required: number, ballot: Ballot, contentions: number): Promise<Map<EndpointAddress, PrepareResponse> | null> {
    const host = this.host;
    const payload = this.codec.request({ ...SCHEMA_PAXOS_PARTITION, ballot, mutation: null });
    return new Promise((resolve, reject) => {
      const responses = new Map<EndpointAddress, PrepareResponse>();
      let settled = 0;
      let refused = false;
      let done = false;
      const check = (): void => {
        if (done) return;
        if (responses.size >= required) {
          done = true;
          resolve(responses);
        } else if (refused) {
          done = true;
          resolve(null);
        } else if (settled === live.length) {
          done = true;
          reject(this.timeout(contentions, responses.size, required));
        }
      };
      for (const target of live) {
        const answer = target === host.self
          ? host.acceptor.prepare(SCHEMA_PAXOS_PARTITION, ballot)
          : this.request(target, Verb.PaxosPrepare, payload).then(decodePrepareResponse);
        answer.then((r) => {
          settled++;
          host.ballots.observe(r.promisedBallot);
          const newest = maxBallot(r.inProgress?.ballot ?? null, r.mostRecentCommit?.ballot ?? null);
          if (newest !== null) host.ballots.observe(newest);
          if (done) return;
          if (r.promised) responses.set(target, r);
          else refused = true;
          check();
        }, (error: unknown) => {
          settled++;
          if (!isRemoteFailure(error) && !done) {
            done = true;
            reject(error as Error);
            return;
          }
          check();
        });
      }
    });
  }

  private propose(live: readonly EndpointAddress[], required: number, proposal: PaxosProposal): Promise<ProposeOutcome> {
    const host = this.host;
    const payload = this.codec.request({ ...SCHEMA_PAXOS_PARTITION, ballot: proposal.ballot, mutation: proposal.mutation });
    return new Promise((resolve, reject) => {
      let accepts = 0;
      let refusals = 0;
      let settled = 0;
      let done = false;
      const check = (): void => {
        if (done) return;
        if (accepts >= required) {
          done = true;
          resolve('accepted');
        } else if (settled === live.length) {
          done = true;
          resolve(refusals === live.length ? 'refused' : 'partial');
        }
      };
      for (const target of live) {
        const answer = target === host.self
          ? host.acceptor.propose(SCHEMA_PAXOS_PARTITION, proposal)
          : this.request(target, Verb.PaxosPropose, payload).then(decodeProposeResponse);
        answer.then((accepted) => {
          settled++;
          if (accepted) accepts++;
          else refusals++;
          check();
        }, (error: unknown) => {
          settled++;
          if (!isRemoteFailure(error) && !done) {
            done = true;
            reject(error as Error);
            return;
          }
          check();
        });
      }
    });
  }

  /** Sends a commit to one participant (in-process for this node); never rejects. */
  private sendCommit(target: EndpointAddress, proposal: PaxosProposal): Promise<void> {
    const done = target === this.host.self
      ? this.host.acceptor.commit(SCHEMA_PAXOS_PARTITION, proposal)
      : this.request(target, Verb.PaxosCommit, this.codec.request({ ...SCHEMA_PAXOS_PARTITION, ballot: proposal.ballot, mutation: proposal.mutation }));
    return done.then(() => undefined, (error: unknown) => {
      this.host.logger.warn({ target, err: error }, 'schema commit not acknowledged; the participant will pull the schema');
    });
  }

  /**
   * Commits on every live participant: this node installs first (the DDL's answer follows its own
   * schema); the others are awaited (each request bounded) so drivers' agreement wait ends at once.
   */
  private async commit(proposal: PaxosProposal, live: readonly EndpointAddress[], all: readonly EndpointAddress[]): Promise<void> {
    await this.host.acceptor.commit(SCHEMA_PAXOS_PARTITION, proposal);
    await Promise.all(live.filter((t) => t !== this.host.self).map((t) => this.sendCommit(t, proposal)));
    await this.host.pushToOthers(this.decode(proposal.mutation), all);
  }
}

/** The value a change proposes on top of `base`: counter + 1, its version first in the history. */
function nextValue(base: SchemaValue, after: SchemaSnapshot): SchemaValue {
  return {
    epoch: { counter: base.epoch.counter + 1, version: after.version }, snapshot: after,
    recent: [after.version, ...base.recent].slice(0, SCHEMA_PAXOS_HISTORY_MAX),
  };
}

/** Errors that mean "this participant did not answer usefully" (the round goes on without it). */
function isRemoteFailure(error: unknown): boolean {
  return error instanceof MessagingError || error instanceof CqlError;
}
