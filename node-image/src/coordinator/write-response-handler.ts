// Counts the answers to one write against its plan: acks that count (LOCAL_* only local-DC ones;
// EACH_QUORUM per DC), replica failures, and the deadline. Settles exactly once: resolved when
// blockFor counted acks arrived; rejected with WriteFailure as soon as too many replicas failed
// for blockFor to be reachable, or with WriteTimeout(received, blockFor, writeType) at the deadline.
import type { EndpointAddress } from '../cluster/index.ts';
import { CqlError, ErrorCode, consistencyName } from '../lib/index.ts';
import type { WriteType } from '../lib/index.ts';
import type { Deadline, DeadlineQueue } from './deadline-queue.ts';
import type { ReplicaTopology, WritePlan } from './replica-plan.ts';
import { ackCounts, datacenterOfEndpoint } from './replica-plan.ts';

export function writeTimeout(plan: WritePlan, received: number, writeType: WriteType): CqlError {
  return new CqlError(
    ErrorCode.WriteTimeout,
    `Operation timed out - received only ${received} responses.`,
    { kind: 'write_timeout', consistency: plan.consistency, received, blockFor: plan.blockFor, writeType },
  );
}

export class WriteResponseHandler {
  readonly promise: Promise<void>;
  private readonly plan: WritePlan;
  private readonly topology: ReplicaTopology;
  private readonly writeType: WriteType;
  private resolve!: () => void;
  private reject!: (error: Error) => void;
  private settled = false;
  private received = 0;
  private failures = 0;
  private readonly ackedByDc: Map<string, number> | null;
  private readonly deadline: Deadline;
  /** Targets that can still answer; failures beyond targets - blockFor make success impossible. */
  private readonly expected: number;

  constructor(options: {
    readonly plan: WritePlan;
    readonly topology: ReplicaTopology;
    readonly writeType: WriteType;
    readonly deadlines: DeadlineQueue;
    readonly timeoutMs: number;
    /** Answers that can arrive (live targets, plus stored hints for ANY). */
    readonly expected: number;
  }) {
    this.plan = options.plan;
    this.topology = options.topology;
    this.writeType = options.writeType;
    this.expected = options.expected;
    this.ackedByDc = options.plan.blockForByDatacenter === null ? null : new Map();
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.deadline = options.deadlines.schedule(options.timeoutMs, () => this.timeout());
  }

  get isSettled(): boolean {
    return this.settled;
  }

  get receivedCount(): number {
    return this.received;
  }

  /** A successful write on `from` (or, for ANY, a stored hint: pass `countAlways`). */
  ack(from: EndpointAddress, countAlways = false): void {
    if (this.settled) return;
    if (!countAlways && !ackCounts(this.plan, this.topology, from)) return;
    this.received++;
    if (this.ackedByDc !== null && !countAlways) {
      const dc = datacenterOfEndpoint(this.topology, from) ?? '';
      this.ackedByDc.set(dc, (this.ackedByDc.get(dc) ?? 0) + 1);
    }
    if (this.satisfied()) this.finish(null);
  }

  /** A replica answered with an error (not a timeout). */
  fail(from: EndpointAddress, error: Error): void {
    if (this.settled) return;
    if (!ackCounts(this.plan, this.topology, from)) return;
    this.failures++;
    if (this.failures > this.expected - this.plan.blockFor) {
      const reason = error instanceof CqlError ? error.message : String(error.message);
      this.finish(new CqlError(
        ErrorCode.WriteFailure,
        `Operation failed - received ${this.received} responses and ${this.failures} failures (last: ${reason})`,
        { kind: 'write_failure', consistency: this.plan.consistency, received: this.received, blockFor: this.plan.blockFor, failures: this.failures, writeType: this.writeType },
      ));
    }
  }

  private satisfied(): boolean {
    if (this.ackedByDc !== null) {
      for (const [dc, needed] of this.plan.blockForByDatacenter!) if ((this.ackedByDc.get(dc) ?? 0) < needed) return false;
      return true;
    }
    return this.received >= this.plan.blockFor;
  }

  private timeout(): void {
    if (this.settled) return;
    // EACH_QUORUM: report the acks that counted overall, as Cassandra does.
    this.finish(writeTimeout(this.plan, Math.min(this.received, this.plan.blockFor - 1), this.writeType));
  }

  private finish(error: Error | null): void {
    this.settled = true;
    this.deadline.cancel();
    if (error === null) this.resolve();
    else this.reject(error);
  }
}

/** Human text for logs. */
export function describeWrite(plan: WritePlan): string {
  return `${consistencyName(plan.consistency)} blockFor=${plan.blockFor} live=${plan.live.length} dead=${plan.dead.length}`;
}
