// The append workload: clients insert rows (k, seq, payload) into ks.log with payloads derived
// from seq, so memtables fill, flush to SSTables and compact while the nemesis crashes the node.
// Check: every acknowledged row is present with its exact payload, and no row appears that was
// never written or was certainly refused (acknowledged writes survive every crash).
import type { ConsistencyLevel } from '../lib/index.ts';
import { ConsistencyLevel as CL } from '../lib/index.ts';
import type { SimClient } from './sim-client.ts';
import { intValue, readInt, rowsOf } from './sim-client.ts';
import type { SimRandom } from './sim-random.ts';
import type { SimScheduler } from './scheduler.ts';

export const APPEND_TABLE = 'log';
/** Partitions the rows spread over. */
const APPEND_PARTITIONS = 8;
/** Payload sizes: big enough to fill small memtables quickly. */
const PAYLOAD_BYTES_MIN = 64;
const PAYLOAD_BYTES_MAX = 2048;
/** Bound on rows one run appends. */
export const APPEND_ROWS_MAX = 20_000;

export function appendPayload(seq: number): string {
  const length = PAYLOAD_BYTES_MIN + ((seq * 2_654_435_761) >>> 0) % (PAYLOAD_BYTES_MAX - PAYLOAD_BYTES_MIN);
  const unit = `${seq.toString(36)}:`;
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

export class AppendWorkload {
  private readonly keyspace: string;
  private readonly scheduler: SimScheduler;
  private nextSeq = 1;
  /** seq -> outcome of its INSERT. */
  private readonly outcomes = new Map<number, 'pending' | 'acknowledged' | 'failed' | 'unknown'>();

  constructor(options: { keyspace: string; scheduler: SimScheduler }) {
    this.keyspace = options.keyspace;
    this.scheduler = options.scheduler;
  }

  get acknowledged(): number {
    let n = 0;
    for (const o of this.outcomes.values()) if (o === 'acknowledged') n++;
    return n;
  }

  async createSchema(client: SimClient, node: number): Promise<void> {
    const text = `CREATE TABLE IF NOT EXISTS ${this.keyspace}.${APPEND_TABLE} (k int, seq int, payload text, PRIMARY KEY (k, seq))`;
    const outcome = await client.execute({ node, text, values: [], consistency: CL.ONE });
    if (outcome.kind !== 'ok') throw new Error(`schema statement failed (${outcome.reason}): ${text}`);
  }

  /** Appends rows through `node` until virtual time `untilMs`. */
  async runAppender(options: { client: SimClient; random: SimRandom; node: () => number; untilMs: number; consistency: ConsistencyLevel; thinkMaxMs: number }): Promise<void> {
    while (this.scheduler.nowMs < options.untilMs && this.nextSeq <= APPEND_ROWS_MAX) {
      const seq = this.nextSeq++;
      this.outcomes.set(seq, 'pending');
      const outcome = await options.client.execute({
        node: options.node(), consistency: options.consistency,
        text: `INSERT INTO ${this.keyspace}.${APPEND_TABLE} (k, seq, payload) VALUES (?, ?, ?)`,
        values: [intValue(seq % APPEND_PARTITIONS), intValue(seq), Buffer.from(appendPayload(seq))],
      });
      this.outcomes.set(seq, outcome.kind === 'ok' ? 'acknowledged' : outcome.kind);
      this.scheduler.trace.addString(`append ${seq} ${outcome.kind}`);
      await this.scheduler.sleep(options.random.between(0, options.thinkMaxMs));
    }
  }

  /**
   * Reads every row through `node` (a range scan at `consistency`, which must overlap the
   * appenders' level into a quorum) and returns what is wrong (empty when all is well).
   */
  async verify(client: SimClient, node: number, consistency: ConsistencyLevel = CL.ONE): Promise<string[]> {
    // Only rows acknowledged before the read starts must be in it.
    const acknowledgedBefore: number[] = [];
    for (const [seq, state] of this.outcomes) if (state === 'acknowledged') acknowledgedBefore.push(seq);
    const outcome = await client.execute({
      node, consistency, text: `SELECT k, seq, payload FROM ${this.keyspace}.${APPEND_TABLE}`, values: [],
    });
    if (outcome.kind !== 'ok') return [`reading ${APPEND_TABLE} failed: ${outcome.reason}`];
    const failures: string[] = [];
    const found = new Set<number>();
    for (const row of rowsOf(outcome.response).rows) {
      const k = readInt(row[0]);
      const seq = readInt(row[1]);
      const payload = row[2]?.toString() ?? null;
      if (seq === null || k === null) {
        failures.push(`a row with a null key (${k}, ${seq})`);
        continue;
      }
      found.add(seq);
      const state = this.outcomes.get(seq);
      if (state === undefined) failures.push(`row seq ${seq} was never written`);
      else if (state === 'failed') failures.push(`row seq ${seq} is present although its write was refused`);
      if (k !== seq % APPEND_PARTITIONS) failures.push(`row seq ${seq} is in partition ${k}`);
      if (payload !== appendPayload(seq)) failures.push(`row seq ${seq} has a corrupt payload (${payload?.length ?? 'null'} bytes)`);
    }
    const lost: number[] = [];
    for (const seq of acknowledgedBefore) if (!found.has(seq)) lost.push(seq);
    if (lost.length > 0) failures.push(`${lost.length} acknowledged rows are missing: seq ${lost.slice(0, 20).join(', ')}${lost.length > 20 ? ', ...' : ''}`);
    return failures.slice(0, 50);
  }
}
