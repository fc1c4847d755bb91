// A Logger that keeps the last lines of every simulated process in a bounded ring, stamped with
// virtual time, printed only when a seed fails (formatting happens then, not on the hot path).
import type { Logger } from '../io/index.ts';

/** Lines kept per simulation (older ones are overwritten). */
export const LOG_RING_LINES_DEFAULT = 4000;

interface LogLine {
  atMs: number;
  source: string;
  level: string;
  fields: object;
  message: string;
}

export class LogRing {
  private readonly lines: Array<LogLine | undefined>;
  private next = 0;
  private total = 0;
  private readonly now: () => number;

  constructor(options: { now: () => number; capacity?: number }) {
    this.lines = new Array<LogLine | undefined>(options.capacity ?? LOG_RING_LINES_DEFAULT);
    this.now = options.now;
  }

  add(source: string, level: string, fields: object, message: string): void {
    this.lines[this.next] = { atMs: this.now(), source, level, fields, message };
    this.next = (this.next + 1) % this.lines.length;
    this.total++;
  }

  /** A line from the simulation itself (faults, crashes, workload steps). */
  note(message: string, fields: object = {}): void {
    this.add('sim', 'info', fields, message);
  }

  /** The kept lines, oldest first, formatted. */
  dump(): string {
    const out: string[] = [];
    if (this.total > this.lines.length) out.push(`... ${this.total - this.lines.length} earlier lines dropped`);
    for (let i = 0; i < this.lines.length; i++) {
      const line = this.lines[(this.next + i) % this.lines.length];
      if (line === undefined) continue;
      out.push(`${line.atMs.toFixed(3).padStart(12)} ${line.source.padEnd(8)} ${line.level.padEnd(5)} ${line.message}${formatFields(line.fields)}`);
    }
    return out.join('\n');
  }

  logger(source: string, options: { debug: boolean } = { debug: false }): Logger {
    return ringLogger(this, source, {}, options.debug);
  }
}

function ringLogger(ring: LogRing, source: string, bound: object, debug: boolean): Logger {
  const withBound = (fields: object): object => (Object.keys(bound).length === 0 ? fields : { ...bound, ...fields });
  return {
    debug: (fields, message) => {
      if (debug) ring.add(source, 'debug', withBound(fields), message);
    },
    info: (fields, message) => ring.add(source, 'info', withBound(fields), message),
    warn: (fields, message) => ring.add(source, 'warn', withBound(fields), message),
    error: (fields, message) => ring.add(source, 'error', withBound(fields), message),
    child: (fields) => ringLogger(ring, source, { ...bound, ...fields }, debug),
    isDebugEnabled: () => debug,
  };
}

function formatFields(fields: object): string {
  const entries = Object.entries(fields);
  if (entries.length === 0) return '';
  const parts = entries.map(([k, v]) => `${k}=${formatValue(v)}`);
  return ` ${parts.join(' ')}`;
}

function formatValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === 'string') return value.includes(' ') ? JSON.stringify(value) : value;
  if (typeof value === 'bigint') return value.toString();
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}
