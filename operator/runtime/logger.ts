// Structured logs: pino JSON lines; a reconcile gets a child logger carrying cluster, namespace and
// a reconcile id so every line of one pass can be grepped together.
import { pino, type Logger as PinoLogger } from 'pino';

/** The subset of pino the runtime uses, so tests can pass a silent or capturing logger. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const logger: PinoLogger = pino({
    name: options.name ?? 'cassia-operator',
    level: options.level ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  return logger;
}

const noop = (): void => {};

export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};

/** Collects log records in memory (tests). */
export class MemoryLogger implements Logger {
  readonly records: Array<{ level: string; msg: string | undefined } & Record<string, unknown>>;
  private readonly bindings: Record<string, unknown>;

  constructor(records: MemoryLogger['records'] = [], bindings: Record<string, unknown> = {}) {
    this.records = records;
    this.bindings = bindings;
  }

  debug(obj: object, msg?: string): void { this.push('debug', obj, msg); }
  info(obj: object, msg?: string): void { this.push('info', obj, msg); }
  warn(obj: object, msg?: string): void { this.push('warn', obj, msg); }
  error(obj: object, msg?: string): void { this.push('error', obj, msg); }
  child(bindings: Record<string, unknown>): Logger {
    return new MemoryLogger(this.records, { ...this.bindings, ...bindings });
  }

  private push(level: string, obj: object, msg: string | undefined): void {
    if (this.records.length >= 100_000) this.records.shift();
    this.records.push({ ...this.bindings, ...obj, level, msg });
  }
}
