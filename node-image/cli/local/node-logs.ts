// Reading node log files: the last lines (for start failures) and following new lines as they are
// appended (for `local up --foreground`), each pino JSON line shortened to "time LEVEL msg k=v".
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

/** Bytes read from the end of a log to find its last lines. */
export const TAIL_BYTES_MAX = 64 * 1024;
/** Bytes read per follow step and file (a burst larger than this is read over several steps). */
export const FOLLOW_CHUNK_BYTES_MAX = 1024 * 1024;

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const OMITTED_FIELDS: ReadonlySet<string> = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'component']);

function readRange(path: string, start: number, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, start);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

/** The last `count` lines of a file ('' if it does not exist). */
export function tailLines(path: string, count: number): string[] {
  if (!existsSync(path)) return [];
  const size = statSync(path).size;
  const start = Math.max(0, size - TAIL_BYTES_MAX);
  const lines = readRange(path, start, size - start).toString('utf8').split('\n');
  if (start > 0) lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.slice(-count);
}

/** The current size of a file (0 if it does not exist): where a follower starts to see only new lines. */
export function fileSize(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

/** A pino JSON line as `2024-01-02T03:04:05.678Z INFO  node: msg key=value`; other lines unchanged. */
export function prettyLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record['time'] === 'number' ? new Date(record['time']).toISOString() : '';
  const level = (LEVEL_NAMES[Number(record['level'])] ?? String(record['level'] ?? '')).padEnd(5);
  const component = typeof record['component'] === 'string' ? `${record['component']}: ` : '';
  const fields = Object.entries(record)
    .filter(([k]) => !OMITTED_FIELDS.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${time} ${level} ${component}${String(record['msg'] ?? '')}${fields === '' ? '' : ` ${fields}`}`;
}

/** Follows one log file from a starting offset, returning whole new lines on each step. */
export class LogFollower {
  private offset: number;
  /** Bytes after the last newline seen (kept as bytes so a split UTF-8 character survives). */
  private partial = Buffer.alloc(0);
  private readonly path: string;

  /** Follows `path` from byte `offset` (what the file held before is skipped). */
  constructor(path: string, offset: number) {
    this.path = path;
    this.offset = offset;
  }

  /** New complete lines since the last call. */
  poll(): string[] {
    if (!existsSync(this.path)) return [];
    const size = statSync(this.path).size;
    if (size < this.offset) this.offset = 0; // truncated or replaced
    if (size === this.offset) return [];
    const length = Math.min(size - this.offset, FOLLOW_CHUNK_BYTES_MAX);
    const bytes = Buffer.concat([this.partial, readRange(this.path, this.offset, length)]);
    this.offset += length;
    const end = bytes.lastIndexOf(0x0a);
    if (end < 0) {
      this.partial = bytes;
      return [];
    }
    this.partial = bytes.subarray(end + 1);
    return bytes.subarray(0, end).toString('utf8').split('\n');
  }

  /** Whatever is left, including an unterminated last line. */
  drain(): string[] {
    const lines: string[] = [];
    for (let i = 0; i < 64; i++) {
      const more = this.poll();
      if (more.length === 0) break;
      lines.push(...more);
    }
    if (this.partial.length > 0) lines.push(this.partial.toString('utf8'));
    this.partial = Buffer.alloc(0);
    return lines;
  }
}
