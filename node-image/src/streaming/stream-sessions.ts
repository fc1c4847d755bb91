// Progress of the node's stream sessions (what `GET /streams` and `nodetool netstats` show): per
// plan, peer and direction the tables ("files") and bytes done, plus node-wide totals for metrics.
// Invariants: bounded (oldest finished sessions dropped first); finished sessions stay listed for
// FINISHED_SESSION_SHOWN_MS so a short stream is still visible to a poller.
import type { Clock } from '../io/index.ts';

export const STREAM_SESSIONS_KEPT_MAX = 256;
/** A finished session stays visible this long. */
export const FINISHED_SESSION_SHOWN_MS = 30_000;
/** A sending session with no page served for this long is considered over (the receiver gave up). */
export const SENDING_IDLE_MS = 60_000;

export type StreamDirection = 'SENDING' | 'RECEIVING';

export interface StreamSessionView {
  readonly planId: string;
  readonly operation: string;
  readonly peer: string;
  readonly direction: StreamDirection;
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly state: 'RUNNING' | 'DONE' | 'FAILED';
}

interface Session {
  planId: string;
  operation: string;
  peer: string;
  direction: StreamDirection;
  tables: Set<string>;
  tablesDone: Set<string>;
  bytesDone: number;
  estimates: Map<string, number>;
  lastActiveMs: number;
  state: 'RUNNING' | 'DONE' | 'FAILED';
  finishedAtMs: number;
}

export class StreamSessions {
  private readonly clock: Clock;
  private readonly sessions = new Map<string, Session>();
  bytesSent = 0;
  bytesReceived = 0;
  partitionsReceived = 0;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  private session(planId: string, operation: string, peer: string, direction: StreamDirection): Session {
    const key = `${planId}|${peer}|${direction}`;
    let s = this.sessions.get(key);
    if (s === undefined) {
      s = {
        planId, operation, peer, direction, tables: new Set(), tablesDone: new Set(), bytesDone: 0, estimates: new Map(),
        lastActiveMs: this.clock.monotonicMs(), state: 'RUNNING', finishedAtMs: 0,
      };
      this.sessions.set(key, s);
      this.prune();
    }
    return s;
  }

  /** A receiving session starts with the tables it will pull. */
  startReceiving(options: { planId: string; operation: string; peer: string; tableIds: readonly string[] }): void {
    const s = this.session(options.planId, options.operation, options.peer, 'RECEIVING');
    s.state = 'RUNNING';
    for (const t of options.tableIds) s.tables.add(t);
  }

  /** Counts a page in either direction. */
  page(options: {
    planId: string; operation: string; peer: string; direction: StreamDirection; tableId: string; bytes: number; partitions: number;
    tableDone: boolean; estimatedTableBytes: number;
  }): void {
    const s = this.session(options.planId, options.operation, options.peer, options.direction);
    s.tables.add(options.tableId);
    s.bytesDone += options.bytes;
    s.lastActiveMs = this.clock.monotonicMs();
    if (options.estimatedTableBytes > 0) s.estimates.set(options.tableId, options.estimatedTableBytes);
    if (options.tableDone) s.tablesDone.add(options.tableId);
    if (options.direction === 'SENDING') this.bytesSent += options.bytes;
    else {
      this.bytesReceived += options.bytes;
      this.partitionsReceived += options.partitions;
    }
  }

  finish(options: { planId: string; peer: string; direction: StreamDirection; failed: boolean }): void {
    const s = this.sessions.get(`${options.planId}|${options.peer}|${options.direction}`);
    if (s === undefined) return;
    s.state = options.failed ? 'FAILED' : 'DONE';
    s.finishedAtMs = this.clock.monotonicMs();
  }

  /** Sessions running or finished recently, oldest first. */
  list(): StreamSessionView[] {
    const now = this.clock.monotonicMs();
    const out: StreamSessionView[] = [];
    for (const s of this.sessions.values()) {
      if (s.state === 'RUNNING' && s.direction === 'SENDING' && now - s.lastActiveMs > SENDING_IDLE_MS) {
        s.state = 'DONE';
        s.finishedAtMs = s.lastActiveMs;
      }
      if (s.state !== 'RUNNING' && now - s.finishedAtMs > FINISHED_SESSION_SHOWN_MS) continue;
      let estimated = 0;
      for (const v of s.estimates.values()) estimated += v;
      out.push({
        planId: s.planId, operation: s.operation, peer: s.peer, direction: s.direction,
        filesDone: s.tablesDone.size, filesTotal: s.tables.size, bytesDone: s.bytesDone,
        bytesTotal: s.state === 'RUNNING' ? Math.max(estimated, s.bytesDone) : s.bytesDone, state: s.state,
      });
    }
    return out;
  }

  private prune(): void {
    if (this.sessions.size <= STREAM_SESSIONS_KEPT_MAX) return;
    for (const [key, s] of this.sessions) {
      if (this.sessions.size <= STREAM_SESSIONS_KEPT_MAX) return;
      if (s.state !== 'RUNNING') this.sessions.delete(key);
    }
    // Every session running: drop the oldest anyway (bounded memory beats a complete list).
    for (const key of this.sessions.keys()) {
      if (this.sessions.size <= STREAM_SESSIONS_KEPT_MAX) return;
      this.sessions.delete(key);
    }
  }
}
