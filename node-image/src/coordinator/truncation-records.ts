// When this node last truncated each table (Cassandra's system.local truncated_at), kept in one
// JSON document written atomically under the system directory. Hints created at or before a
// table's truncation lose that table's updates, on the sending side and on the receiving side, so
// TRUNCATE is not undone by a late hint. Bounded: records of tables no longer in the schema are
// forgotten when a new one is added, and at most TRUNCATION_RECORDS_MAX are kept.
import type { Disk, Logger } from '../io/index.ts';

export const TRUNCATION_RECORDS_FILE_NAME = 'truncated-at.json';
export const TRUNCATION_RECORDS_MAX = 100_000;

export class TruncationRecords {
  private readonly disk: Disk;
  private readonly path: string;
  private readonly records = new Map<string, number>();
  private latest = -Infinity;

  constructor(options: { disk: Disk; systemDirectory: string; logger: Logger }) {
    this.disk = options.disk;
    this.path = `${options.systemDirectory}/${TRUNCATION_RECORDS_FILE_NAME}`;
    if (this.disk.stat(this.path) === null) return;
    try {
      const parsed = JSON.parse(this.disk.readFile(this.path).toString('utf8')) as Record<string, unknown>;
      for (const [tableId, ms] of Object.entries(parsed)) {
        if (typeof ms === 'number' && Number.isFinite(ms)) this.set(tableId, ms);
      }
    } catch (error) {
      options.logger.warn({ path: this.path, err: error }, 'unreadable truncation records; hints written before past truncations may be replayed');
    }
  }

  private set(tableId: string, ms: number): void {
    this.records.set(tableId, ms);
    if (ms > this.latest) this.latest = ms;
  }

  /** The last truncation of a table (wall millis), or null. */
  truncatedAtMs(tableId: string): number | null {
    return this.records.get(tableId) ?? null;
  }

  /** True when some table was truncated at or after `createdAtMs` (else nothing needs filtering). */
  anyAtOrAfter(createdAtMs: number): boolean {
    return this.latest >= createdAtMs;
  }

  /** Records a truncation durably; `liveTableIds` lets records of dropped tables go. */
  record(tableId: string, atMs: number, liveTableIds: ReadonlySet<string>): void {
    for (const id of [...this.records.keys()]) if (!liveTableIds.has(id)) this.records.delete(id);
    if (this.records.size >= TRUNCATION_RECORDS_MAX) this.records.delete(this.records.keys().next().value!);
    this.records.delete(tableId);
    this.latest = -Infinity;
    for (const ms of this.records.values()) if (ms > this.latest) this.latest = ms;
    this.set(tableId, atMs);
    this.disk.writeFileAtomic(this.path, Buffer.from(JSON.stringify(Object.fromEntries(this.records)), 'utf8'));
  }
}
