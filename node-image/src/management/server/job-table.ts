// The node's jobs: operations submitted through POST /ops/{operation}, kept in memory. Invariants:
// a requestId seen within JOB_RETENTION_MS maps to its job (resubmitting starts nothing); at most
// one EXCLUSIVE_OPERATIONS job is PENDING or RUNNING; at most `runningJobsMax` jobs are unfinished;
// at most `finishedJobsMax` finished jobs are kept, oldest dropped first.
import type { Clock, Logger, Random } from '../../io/index.ts';
import { assert } from '../../lib/index.ts';
import {
  EXCLUSIVE_OPERATIONS, JOB_RETENTION_MS, JOBS_KEPT_MAX, TERMINAL_JOB_STATES, type Job, type JobProgress, type JobState, type Operation,
} from '../contract/index.ts';
import type { JobResult, OperationRunner } from './management-backend.ts';
import { ManagementError } from './management-error.ts';

/** Unfinished jobs a node accepts at once (beyond: 429 MGMT_ERR_TOO_MANY_JOBS). */
export const RUNNING_JOBS_MAX = 16;
/** Error and progress messages are cut to what the contract accepts. */
const PROGRESS_MESSAGE_CHARS_MAX = 1024;
const ERROR_MESSAGE_CHARS_MAX = 4096;

interface JobRecord {
  readonly id: string;
  readonly operation: Operation;
  readonly requestId: string | null;
  state: JobState;
  readonly submittedAtMs: number;
  startedAtMs: number | null;
  finishedAtMs: number | null;
  progress: JobProgress;
  error: Job['error'];
  result: JobResult;
  readonly cancellable: boolean;
  readonly controller: AbortController;
}

export interface JobTableOptions {
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly runningJobsMax?: number;
  readonly finishedJobsMax?: number;
  readonly retentionMs?: number;
  /** Called when a job reaches a terminal state (metrics). */
  readonly onFinished?: (job: Job) => void;
}

export class JobTable {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly runningJobsMax: number;
  private readonly finishedJobsMax: number;
  private readonly retentionMs: number;
  private readonly onFinished: ((job: Job) => void) | undefined;
  /** Ids differ across restarts of the node, so a caller never mistakes a new job for an old one. */
  private readonly idPrefix: string;
  private nextSequence = 1;
  /** Insertion order = submission order. */
  private readonly jobs = new Map<string, JobRecord>();
  private readonly byRequestId = new Map<string, string>();
  private readonly finishedIds: string[] = [];
  private readonly settling = new Set<Promise<void>>();
  private unfinished = 0;
  private closed = false;

  constructor(options: JobTableOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.runningJobsMax = options.runningJobsMax ?? RUNNING_JOBS_MAX;
    this.finishedJobsMax = options.finishedJobsMax ?? JOBS_KEPT_MAX;
    this.retentionMs = options.retentionMs ?? JOB_RETENTION_MS;
    this.onFinished = options.onFinished;
    assert(this.runningJobsMax >= 1 && this.finishedJobsMax >= 1, 'job table limits');
    this.idPrefix = options.random.nextUint32().toString(36);
  }

  /**
   * Submits an operation: the existing job for a known requestId (created false), else a new
   * PENDING job started on the next microtask. `prepare` runs only when a job will be created; it
   * may throw ManagementError (REFUSED) to refuse without creating one.
   */
  submit(operation: Operation, requestId: string | undefined, prepare: () => OperationRunner): { job: Job; created: boolean } {
    if (requestId !== undefined) {
      const existing = this.byRequestId.get(requestId);
      const record = existing === undefined ? undefined : this.jobs.get(existing);
      if (record !== undefined && this.clock.nowMs() - record.submittedAtMs < this.retentionMs) return { job: snapshot(record), created: false };
    }
    if (this.closed) throw new ManagementError('MGMT_ERR_UNAVAILABLE', 'the node is stopping');
    if (EXCLUSIVE_OPERATIONS.has(operation)) {
      const holder = this.runningExclusive();
      if (holder !== undefined) {
        throw new ManagementError('MGMT_ERR_OPERATION_IN_PROGRESS', `${holder.operation} running (job ${holder.id})`, holder.id);
      }
    }
    if (this.unfinished >= this.runningJobsMax) {
      throw new ManagementError('MGMT_ERR_TOO_MANY_JOBS', `${this.unfinished} jobs are running (at most ${this.runningJobsMax})`);
    }
    const runner = prepare();
    const record: JobRecord = {
      id: `j-${this.idPrefix}-${this.nextSequence++}`,
      operation,
      requestId: requestId ?? null,
      state: 'PENDING',
      submittedAtMs: this.clock.nowMs(),
      startedAtMs: null,
      finishedAtMs: null,
      progress: { unit: runner.progressUnit, done: 0, total: runner.progressTotal, message: 'pending' },
      error: null,
      result: {},
      cancellable: runner.cancellable,
      controller: new AbortController(),
    };
    this.jobs.set(record.id, record);
    if (requestId !== undefined) this.byRequestId.set(requestId, record.id);
    this.unfinished++;
    const job = snapshot(record);
    const settled = Promise.resolve().then(() => this.run(record, runner));
    this.settling.add(settled);
    void settled.finally(() => this.settling.delete(settled));
    return { job, created: true };
  }

  get(id: string): Job | undefined {
    const record = this.jobs.get(id);
    return record === undefined ? undefined : snapshot(record);
  }

  /** Newest first: the unfinished jobs and the kept finished ones. */
  list(): Job[] {
    return [...this.jobs.values()].reverse().map(snapshot);
  }

  /** The unfinished exclusive job, if any. */
  runningExclusive(): Job | undefined {
    for (const record of this.jobs.values()) {
      if (!TERMINAL_JOB_STATES.has(record.state) && EXCLUSIVE_OPERATIONS.has(record.operation)) return snapshot(record);
    }
    return undefined;
  }

  /** Requests cancellation; answers the job as it is now (CANCELLED once the operation stopped). */
  cancel(id: string): Job {
    const record = this.jobs.get(id);
    if (record === undefined) throw new ManagementError('MGMT_ERR_NOT_FOUND', `no job ${id}`);
    if (TERMINAL_JOB_STATES.has(record.state)) return snapshot(record);
    if (!record.cancellable) throw new ManagementError('MGMT_ERR_NOT_CANCELLABLE', `${record.operation} cannot be cancelled`, id);
    record.controller.abort();
    if (record.state === 'PENDING') this.finish(record, 'CANCELLED', null);
    return snapshot(record);
  }

  /** Refuses new jobs, cancels the cancellable ones and waits for every running job to settle. */
  async close(): Promise<void> {
    this.closed = true;
    for (const record of this.jobs.values()) if (record.cancellable && !TERMINAL_JOB_STATES.has(record.state)) record.controller.abort();
    await Promise.all([...this.settling]);
  }

  private async run(record: JobRecord, runner: OperationRunner): Promise<void> {
    if (record.state !== 'PENDING') return; // cancelled before it started
    record.state = 'RUNNING';
    record.startedAtMs = this.clock.nowMs();
    record.progress = { ...record.progress, message: 'running' };
    const context = {
      signal: record.controller.signal,
      progress: (update: { done: number; total: number; message: string }): void => {
        if (record.state !== 'RUNNING') return;
        record.progress = {
          unit: record.progress.unit,
          done: Math.max(0, update.done),
          total: Math.max(0, update.total),
          message: update.message.slice(0, PROGRESS_MESSAGE_CHARS_MAX),
        };
      },
    };
    try {
      const result = await runner.run(context);
      if (record.controller.signal.aborted) this.finish(record, 'CANCELLED', null);
      else {
        record.result = result;
        record.progress = { ...record.progress, done: Math.max(record.progress.done, record.progress.total), message: 'done' };
        this.finish(record, 'SUCCEEDED', null);
      }
    } catch (error) {
      if (record.controller.signal.aborted) {
        this.finish(record, 'CANCELLED', null);
      } else if (error instanceof ManagementError) {
        this.finish(record, 'FAILED', { code: error.code, message: error.message.slice(0, ERROR_MESSAGE_CHARS_MAX) });
      } else {
        const message = error instanceof Error ? error.message : String(error);
        this.logger.error({ err: error, job: record.id, operation: record.operation }, 'operation failed unexpectedly');
        this.finish(record, 'FAILED', { code: 'MGMT_ERR_INTERNAL', message: message.slice(0, ERROR_MESSAGE_CHARS_MAX) });
      }
    }
  }

  private finish(record: JobRecord, state: JobState, error: Job['error']): void {
    assert(TERMINAL_JOB_STATES.has(state) && !TERMINAL_JOB_STATES.has(record.state), `job ${record.id}: ${record.state} -> ${state}`);
    record.state = state;
    record.error = error;
    record.finishedAtMs = this.clock.nowMs();
    record.progress = { ...record.progress, message: state === 'SUCCEEDED' ? record.progress.message : state.toLowerCase() };
    this.unfinished--;
    this.finishedIds.push(record.id);
    while (this.finishedIds.length > this.finishedJobsMax) {
      const oldest = this.finishedIds.shift()!;
      const dropped = this.jobs.get(oldest);
      this.jobs.delete(oldest);
      if (dropped?.requestId != null && this.byRequestId.get(dropped.requestId) === oldest) this.byRequestId.delete(dropped.requestId);
    }
    this.logger.info({ job: record.id, operation: record.operation, state, error }, 'job finished');
    this.onFinished?.(snapshot(record));
  }
}

function snapshot(record: JobRecord): Job {
  return {
    id: record.id,
    operation: record.operation,
    requestId: record.requestId,
    state: record.state,
    submittedAtMs: record.submittedAtMs,
    startedAtMs: record.startedAtMs,
    finishedAtMs: record.finishedAtMs,
    progress: { ...record.progress },
    error: record.error === null ? null : { ...record.error },
    cancellable: record.cancellable && !TERMINAL_JOB_STATES.has(record.state),
    result: { ...record.result },
  };
}
