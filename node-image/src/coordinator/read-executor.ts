// The coordinator's read paths (cassandra-internals.md 4.4). Single partition: a data request to
// the closest contact and digest requests to the others; speculative retry per the table option;
// on a digest mismatch, data from every contact, merged with storage's reconcile rules, repaired
// (blocking read repair: per-replica diffs sent and awaited, unless read_repair is NONE) and
// protected against short reads (continuing after the earliest cut of a replica that hit a limit).
// Ranges: split at ring tokens, consecutive pieces with the same contacts read together, data from
// every contact, merged, repaired and continued the same way, accumulated under the command's
// limits in ring order. A read whose only contact is this node reads storage directly.
import type { EndpointAddress } from '../cluster/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode } from '../lib/index.ts';
import type { ConsistencyLevel as Level } from '../lib/index.ts';
import { MessagingError, Verb } from '../messaging/index.ts';
import type { VerbValue } from '../messaging/index.ts';
import { tableLayoutOf } from '../storage/index.ts';
import type { Clustering, Mutation, ReadCommand, ReadResult } from '../storage/index.ts';
import type { CoordinatorContext, TableEntry } from './coordinator-context.ts';
import { digestOf } from './digest.ts';
import { splitAtRingTokens } from './range-split.ts';
import type { RangeSelector } from './range-split.ts';
import {
  ResultAccumulator, cutRows, earlierCut, mergeResults, partitionCut, repairUpdate, truncationOf,
} from './read-resolution.ts';
import type { MergedPartition, ReadCut } from './read-resolution.ts';
import { planRead } from './replica-plan.ts';
import type { ReadPlan } from './replica-plan.ts';
import { defaultSpeculationThresholdMs, parseSpeculativeRetry, speculationDelayMs } from './speculative-retry.ts';

/** Continuations after short reads, per read (a bound on the loop; each one makes progress). */
export const SHORT_READ_ROUNDS_MAX = 1000;

/** A merged partition with, for range reads, the cut of a replica that hit the per-partition limit. */
interface ResolvedPartition extends MergedPartition {
  readonly partitionCut: Clustering | null;
}

interface Answer {
  readonly from: EndpointAddress;
  /** Data answers carry the result; digest answers only the digest. */
  readonly result: ReadResult | null;
  digest: Buffer | null;
}

export function readTimeout(consistency: Level, received: number, blockFor: number, dataPresent: boolean): CqlError {
  return new CqlError(ErrorCode.ReadTimeout, `Operation timed out - received only ${received} responses.`, {
    kind: 'read_timeout', consistency, received, blockFor, dataPresent,
  });
}

function readFailure(consistency: Level, received: number, blockFor: number, failures: number, dataPresent: boolean, reason: string): CqlError {
  return new CqlError(ErrorCode.ReadFailure, `Operation failed - received ${received} responses and ${failures} failures (${reason})`, {
    kind: 'read_failure', consistency, received, blockFor, failures, dataPresent,
  });
}

/** Counts answers toward blockFor, per datacenter for EACH_QUORUM. */
class AnswerCount {
  private total = 0;
  private readonly byDc: Map<string, number> | null;
  private readonly plan: ReadPlan;
  private readonly dcOf: (a: EndpointAddress) => string;

  constructor(plan: ReadPlan, dcOf: (a: EndpointAddress) => string) {
    this.plan = plan;
    this.dcOf = dcOf;
    this.byDc = plan.blockForByDatacenter === null ? null : new Map();
  }

  add(from: EndpointAddress): void {
    this.total++;
    if (this.byDc !== null) {
      const dc = this.dcOf(from);
      this.byDc.set(dc, (this.byDc.get(dc) ?? 0) + 1);
    }
  }

  get received(): number {
    return this.total;
  }

  get satisfied(): boolean {
    if (this.byDc !== null) {
      for (const [dc, needed] of this.plan.blockForByDatacenter!) if ((this.byDc.get(dc) ?? 0) < needed) return false;
      return true;
    }
    return this.total >= this.plan.blockFor;
  }
}

export class ReadExecutor {
  private readonly ctx: CoordinatorContext;

  constructor(ctx: CoordinatorContext) {
    this.ctx = ctx;
  }

  private dcOf = (a: EndpointAddress): string => {
    if (a === this.ctx.self) return this.ctx.topology.self.dc;
    return this.ctx.topology.locate(a)?.dc ?? '';
  };

  // ---- single partition ------------------------------------------------------------------------

  async readSingle(entry: TableEntry, command: ReadCommand, level: Level): Promise<ReadResult> {
    const acc = new ResultAccumulator(command);
    let current = command;
    for (let round = 0; round < SHORT_READ_ROUNDS_MAX; round++) {
      const { partitions, cut } = await this.readSingleOnce(entry, current, level);
      for (const p of partitions) acc.add(p.merged);
      if (cut === null || acc.full) return acc.result();
      this.ctx.stats.shortReadRetries++;
      current = {
        ...command,
        resumeAfterClustering: cut.afterClustering,
        limits: {
          rows: command.limits.rows - acc.liveRows,
          perPartitionRows: command.limits.perPartitionRows - acc.lastPartitionLiveRows,
          partitions: command.limits.partitions,
        },
      };
    }
    return acc.result();
  }

  /** One digest round (plus a data round on mismatch); returns merged partitions and the short-read cut. */
  private async readSingleOnce(entry: TableEntry, command: ReadCommand, level: Level): Promise<{ partitions: readonly ResolvedPartition[]; cut: ReadCut | null }> {
    const ctx = this.ctx;
    const selector = command.partitions;
    if (selector.kind !== 'single') throw new Error('readSingle needs a single-partition command');
    const ring = ctx.membership.ring();
    const natural = ctx.lookup.naturalReplicas(entry.keyspace, ring, selector.token);
    const factors = ctx.lookup.factors(entry.keyspace, ring);
    const policy = parseSpeculativeRetry(entry.table.options.speculativeRetry);
    const plan = planRead({ consistency: level, factors, natural, topology: ctx.topology, extraContact: policy.kind === 'always' });
    ctx.stats.reads++;
    if (plan.contacts.length === 1 && plan.contacts[0] === ctx.self) {
      ctx.stats.localFastReads++;
      const result = ctx.storage.read(command);
      return { partitions: result.partitions.map((merged) => ({ merged, versions: [merged], partitionCut: null })), cut: truncationOf(command, result) };
    }
    const tracker = ctx.latencies.of(entry.table.id);
    const startedMs = ctx.clock.monotonicMs();
    const speculateAfterMs = policy.kind === 'always' ? null
      : speculationDelayMs(policy, tracker, ctx.clock, defaultSpeculationThresholdMs(ctx.timeouts.readRequestTimeoutMs));
    const round = await this.digestRound(command, plan, speculateAfterMs);
    tracker.record(ctx.clock.monotonicMs() - startedMs);
    const data = round.answers.find((a) => a.result !== null)!;
    let matched = true;
    if (round.answers.length > 1) {
      data.digest ??= digestOf(ctx.writer.readResultView(data.result!));
      for (const a of round.answers) if (a !== data && (a.digest === null || !a.digest.equals(data.digest))) matched = false;
    }
    if (matched) {
      const result = data.result!;
      return { partitions: result.partitions.map((merged) => ({ merged, versions: [merged], partitionCut: null })), cut: truncationOf(command, result) };
    }
    ctx.stats.digestMismatches++;
    const answers = await this.dataRound(command, round.answers.map((a) => a.from), plan, ctx.timeouts.readRequestTimeoutMs, Verb.Read);
    return this.resolveAndRepair(entry, command, answers, plan);
  }

  /**
   * Sends the data request and the digest requests; resolves once blockFor answers (one with data)
   * arrived. A failed contact is replaced by the next candidate; a slow read speculates once.
   */
  private digestRound(command: ReadCommand, plan: ReadPlan, speculateAfterMs: number | null): Promise<{ answers: Answer[]; contacted: EndpointAddress[] }> {
    const ctx = this.ctx;
    return new Promise((resolve, reject) => {
      const answers: Answer[] = [];
      const contacted: EndpointAddress[] = [];
      const count = new AnswerCount(plan, this.dcOf);
      let dataPresent = false;
      let failures = 0;
      let done = false;
      let payload: Buffer | null = null;
      const finish = (error: Error | null): void => {
        if (done) return;
        done = true;
        deadline.cancel();
        speculation?.cancel();
        if (error === null) resolve({ answers, contacted });
        else reject(error);
      };
      const nextCandidate = (): EndpointAddress | undefined => plan.candidates.find((c) => !contacted.includes(c));
      // Data requests sent and neither answered nor failed.
      let dataOutstanding = 0;
      const onAnswer = (answer: Answer): void => {
        if (done) return;
        answers.push(answer);
        count.add(answer.from);
        if (answer.result !== null) dataPresent = true;
        if (dataPresent && count.satisfied) finish(null);
      };
      // A replica that cannot be reached is replaced by the next candidate if there is one, else
      // the read waits for the deadline (ReadTimeout, as when a message is lost); a replica that
      // answers with an error counts as a failure (ReadFailure once blockFor is out of reach).
      const onFailure = (from: EndpointAddress, wantedData: boolean, error: unknown): void => {
        if (done) return;
        const replacement = nextCandidate();
        if (replacement !== undefined) {
          send(replacement, wantedData || (!dataPresent && dataOutstanding === 0));
          return;
        }
        if (error instanceof MessagingError) return;
        failures++;
        const outstanding = contacted.length - answers.length - failures;
        if (count.received + outstanding < plan.blockFor || (!dataPresent && dataOutstanding === 0)) {
          finish(readFailure(plan.consistency, count.received, plan.blockFor, failures, dataPresent, `${from}: ${(error as Error).message}`));
        }
      };
      const send = (target: EndpointAddress, wantData: boolean): void => {
        contacted.push(target);
        if (wantData) dataOutstanding++;
        if (target === ctx.self) {
          let result: ReadResult;
          try {
            result = ctx.storage.read(command);
          } catch (error) {
            if (wantData) dataOutstanding--;
            onFailure(target, wantData, error);
            return;
          }
          if (wantData) {
            dataOutstanding--;
            onAnswer({ from: target, result, digest: null });
          } else {
            onAnswer({ from: target, result: null, digest: digestOf(ctx.writer.readResultView(result)) });
          }
          return;
        }
        payload ??= ctx.writer.readCommand(command);
        ctx.messaging.request(target, wantData ? Verb.Read : Verb.ReadDigest, payload, ctx.timeouts.readRequestTimeoutMs).then((bytes) => {
          if (wantData) {
            dataOutstanding--;
            let result: ReadResult;
            try {
              result = ctx.reader.readResult(bytes);
            } catch (error) {
              onFailure(target, true, error);
              return;
            }
            onAnswer({ from: target, result, digest: digestOf(bytes) });
          } else {
            onAnswer({ from: target, result: null, digest: bytes });
          }
        }, (error: unknown) => {
          if (wantData) dataOutstanding--;
          onFailure(target, wantData, error);
        });
      };
      const deadline = ctx.deadlines.schedule(ctx.timeouts.readRequestTimeoutMs, () => {
        finish(readTimeout(plan.consistency, Math.min(count.received, plan.blockFor - (dataPresent ? 1 : 0)), plan.blockFor, dataPresent));
      });
      const speculation = speculateAfterMs === null || plan.candidates.length <= plan.contacts.length ? null
        : ctx.deadlines.schedule(speculateAfterMs, () => {
          if (done) return;
          const extra = nextCandidate();
          if (extra === undefined) return;
          ctx.stats.speculativeRetries++;
          send(extra, !dataPresent);
        });
      send(plan.contacts[0]!, true);
      for (let i = 1; i < plan.contacts.length; i++) send(plan.contacts[i]!, false);
    });
  }

  /** Data requests to `targets`; resolves with the answers once blockFor of them answered. */
  private dataRound(command: ReadCommand, targets: readonly EndpointAddress[], plan: ReadPlan, timeoutMs: number, verb: VerbValue): Promise<Answer[]> {
    const ctx = this.ctx;
    return new Promise((resolve, reject) => {
      const answers: Answer[] = [];
      const count = new AnswerCount(plan, this.dcOf);
      let failures = 0;
      let done = false;
      let payload: Buffer | null = null;
      const finish = (error: Error | null): void => {
        if (done) return;
        done = true;
        deadline.cancel();
        if (error === null) resolve(answers);
        else reject(error);
      };
      const onAnswer = (from: EndpointAddress, result: ReadResult): void => {
        if (done) return;
        answers.push({ from, result, digest: null });
        count.add(from);
        if (count.satisfied) finish(null);
      };
      const onFailure = (from: EndpointAddress, error: unknown): void => {
        if (done || error instanceof MessagingError) return;
        failures++;
        if (targets.length - failures < plan.blockFor) {
          finish(readFailure(plan.consistency, count.received, plan.blockFor, failures, count.received > 0, `${from}: ${(error as Error).message}`));
        }
      };
      const deadline = ctx.deadlines.schedule(timeoutMs, () => {
        finish(readTimeout(plan.consistency, Math.min(count.received, plan.blockFor - 1), plan.blockFor, count.received > 0));
      });
      for (const target of targets) {
        if (target === ctx.self) {
          try {
            onAnswer(target, ctx.storage.read(command));
          } catch (error) {
            onFailure(target, error);
          }
          continue;
        }
        payload ??= ctx.writer.readCommand(command);
        ctx.messaging.request(target, verb, payload, timeoutMs).then((bytes) => {
          let result: ReadResult;
          try {
            result = ctx.reader.readResult(bytes);
          } catch (error) {
            onFailure(target, error);
            return;
          }
          onAnswer(target, result);
        }, (error: unknown) => onFailure(target, error));
      }
    });
  }

  /**
   * Merges data answers (cut at the earliest truncation), trims partitions a replica vouches for
   * only partly, sends the read repairs and waits for them (read_repair BLOCKING).
   */
  private async resolveAndRepair(entry: TableEntry, command: ReadCommand, answers: readonly Answer[], plan: ReadPlan): Promise<{ partitions: ResolvedPartition[]; cut: ReadCut | null }> {
    const layout = tableLayoutOf(entry.table);
    const reversed = command.clustering.reversed;
    const results = answers.map((a) => a.result!);
    let cut: ReadCut | null = null;
    for (const r of results) cut = earlierCut(layout, reversed, cut, truncationOf(command, r));
    const partitions: ResolvedPartition[] = [];
    for (const m of mergeResults(layout, command, results, cut)) {
      const pc = command.partitions.kind === 'range' ? partitionCut(layout, command, m) : null;
      partitions.push({ merged: pc === null ? m.merged : cutRows(layout, reversed, m.merged, pc), versions: m.versions, partitionCut: pc });
    }
    if (entry.table.options.readRepair.toUpperCase() !== 'NONE') {
      const repairs = new Map<EndpointAddress, Mutation[]>();
      for (const m of partitions) {
        m.versions.forEach((version, i) => {
          const update = repairUpdate({ layout, reversed, merged: m.merged, version });
          if (update === null) return;
          const from = answers[i]!.from;
          let list = repairs.get(from);
          if (list === undefined) repairs.set(from, (list = []));
          list.push({ keyspace: entry.keyspace.name, key: update.key, token: update.token, updates: [update] });
        });
      }
      await this.sendRepairs(repairs, plan);
    }
    return { partitions, cut };
  }

  private async sendRepairs(repairs: ReadonlyMap<EndpointAddress, readonly Mutation[]>, plan: ReadPlan): Promise<void> {
    if (repairs.size === 0) return;
    const ctx = this.ctx;
    const tasks: Array<Promise<unknown>> = [];
    for (const [target, mutations] of repairs) {
      for (const m of mutations) {
        ctx.stats.readRepairMutations++;
        tasks.push(target === ctx.self ? ctx.storage.apply(m) : ctx.messaging.request(target, Verb.Mutation, ctx.writer.mutation(m), ctx.timeouts.writeRequestTimeoutMs));
      }
    }
    const settled = await Promise.allSettled(tasks);
    const failed = settled.filter((s) => s.status === 'rejected').length;
    if (failed > 0) throw readTimeout(plan.consistency, plan.blockFor - 1, plan.blockFor, true);
  }

  // ---- ranges ----------------------------------------------------------------------------------

  async readRange(entry: TableEntry, command: ReadCommand, level: Level): Promise<ReadResult> {
    const ctx = this.ctx;
    const selector = command.partitions;
    if (selector.kind !== 'range') throw new Error('readRange needs a range command');
    ctx.stats.rangeReads++;
    const acc = new ResultAccumulator(command);
    const groups = this.rangeGroups(entry, selector, level);
    for (const group of groups) {
      let current: ReadCommand = { ...command, partitions: { kind: 'range', ...group.range }, limits: remaining(command, acc) };
      for (let round = 0; round < SHORT_READ_ROUNDS_MAX; round++) {
        if (group.plan.contacts.length === 1 && group.plan.contacts[0] === ctx.self) {
          ctx.stats.localFastReads++;
          for (const p of ctx.storage.read(current).partitions) if (!acc.add(p)) return acc.result();
          break;
        }
        const answers = await this.dataRound(current, group.plan.contacts, group.plan, ctx.timeouts.rangeRequestTimeoutMs, Verb.RangeRead);
        const { partitions, cut } = await this.resolveAndRepair(entry, current, answers, group.plan);
        for (const p of partitions) {
          if (!acc.add(p.merged)) return acc.result();
          const pc = p.partitionCut;
          if (pc !== null && acc.lastPartitionLiveRows < command.limits.perPartitionRows) {
            // A replica vouched for this partition only up to its per-partition limit: finish it.
            ctx.stats.shortReadRetries++;
            const rest = await this.readSingle(entry, {
              ...command,
              partitions: { kind: 'single', key: p.merged.key, token: p.merged.token },
              resumeAfterClustering: pc,
              limits: {
                rows: command.limits.rows - acc.liveRows,
                perPartitionRows: command.limits.perPartitionRows - acc.lastPartitionLiveRows,
                partitions: 1,
              },
            }, level);
            for (const r of rest.partitions) if (!acc.add(r)) return acc.result();
          }
        }
        if (cut === null) break;
        if (acc.full) return acc.result();
        ctx.stats.shortReadRetries++;
        current = continueAfter(command, current, cut, acc);
      }
    }
    return acc.result();
  }

  /** Pieces of the range at ring tokens, consecutive pieces with the same contacts joined. */
  private rangeGroups(entry: TableEntry, selector: RangeSelector, level: Level): Array<{ range: RangeSelector; plan: ReadPlan }> {
    const ctx = this.ctx;
    const ring = ctx.membership.ring();
    const factors = ctx.lookup.factors(entry.keyspace, ring);
    const groups: Array<{ range: RangeSelector; plan: ReadPlan; key: string }> = [];
    for (const piece of splitAtRingTokens(selector, ring)) {
      const natural = ctx.lookup.naturalReplicas(entry.keyspace, ring, piece.ringToken);
      // Range reads never speculate (cassandra-internals 4.4).
      const plan = planRead({ consistency: level, factors, natural, topology: ctx.topology });
      const key = [...plan.contacts].sort().join(',');
      const last = groups[groups.length - 1];
      if (last !== undefined && last.key === key) {
        last.range = { ...last.range, end: piece.end, endInclusive: piece.endInclusive };
      } else {
        groups.push({ range: { start: piece.start, startInclusive: piece.startInclusive, end: piece.end, endInclusive: piece.endInclusive }, plan, key });
      }
    }
    return groups;
  }
}

function remaining(command: ReadCommand, acc: ResultAccumulator): ReadCommand['limits'] {
  return {
    rows: command.limits.rows - acc.liveRows,
    perPartitionRows: command.limits.perPartitionRows,
    partitions: command.limits.partitions - acc.partitionCount,
  };
}

/** The range command that continues after a short-read cut. */
function continueAfter(original: ReadCommand, current: ReadCommand, cut: ReadCut, acc: ResultAccumulator): ReadCommand {
  const selector = current.partitions;
  if (selector.kind !== 'range') throw new Error('range continuation of a single-partition read');
  const inside = cut.afterClustering !== null;
  // Resuming inside a partition already counted: storage counts it again, so allow one more.
  const partitions = original.limits.partitions - acc.partitionCount + (inside && acc.lastPartitionLiveRows > 0 ? 1 : 0);
  return {
    ...current,
    partitions: { ...selector, start: { token: cut.token, key: cut.key }, startInclusive: inside },
    resumeAfterClustering: inside ? cut.afterClustering : null,
    limits: { rows: original.limits.rows - acc.liveRows, perPartitionRows: original.limits.perPartitionRows, partitions },
  };
}

/** SERIAL levels read through Paxos; the read path itself never sees them. */
export function isPlainReadLevel(level: Level): boolean {
  return level !== ConsistencyLevel.SERIAL && level !== ConsistencyLevel.LOCAL_SERIAL;
}
