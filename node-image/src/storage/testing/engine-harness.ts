// Test-only: opens storage engines on a MemoryDisk with small limits and a settable clock.
// Timers are passed in by the test (the real ones; tests may use them, production storage code may not).
import type { Clock, Timers } from '../../io/index.ts';
import { MemoryDisk, silentLogger } from '../../io/index.ts';
import type { Logger } from '../../io/index.ts';
import type { SchemaSnapshot } from '../../schema/index.ts';
import type { StorageConfig } from '../engine.ts';
import { openStorageEngine } from '../engine/storage-engine.ts';
import type { StorageEngineWithStats } from '../engine/storage-engine.ts';

export class ManualClock implements Clock {
  wallMs: number;
  monoMs = 0;

  constructor(wallMs = 1_700_000_000_000) {
    this.wallMs = wallMs;
  }

  nowMs(): number {
    return this.wallMs;
  }

  monotonicMs(): number {
    return this.monoMs;
  }

  advance(ms: number): void {
    this.wallMs += ms;
    this.monoMs += ms;
  }
}

export function testConfig(overrides: Partial<StorageConfig> = {}): StorageConfig {
  return {
    dataDirectory: '/var/lib/cassia/data',
    commitLogDirectory: '/var/lib/cassia/commitlog',
    commitLogSync: 'batch',
    commitLogSyncPeriodMs: 50,
    commitLogSyncGroupWindowMs: 5,
    commitLogSegmentSizeBytes: 64 * 1024,
    commitLogTotalSpaceBytes: 1024 * 1024,
    mutationSizeMaxBytes: 16 * 1024,
    memtableFlushThresholdBytes: 256 * 1024,
    memtableSpaceMaxBytes: 4 * 1024 * 1024,
    ...overrides,
  };
}

export interface Harness {
  readonly disk: MemoryDisk;
  readonly clock: ManualClock;
  readonly timers: Timers;
  config: StorageConfig;
  schema: SchemaSnapshot;
  logger: Logger;
  open(): Promise<StorageEngineWithStats>;
}

export function harness(options: { timers: Timers; schema: SchemaSnapshot; config?: Partial<StorageConfig>; disk?: MemoryDisk; logger?: Logger }): Harness {
  const h: Harness = {
    disk: options.disk ?? new MemoryDisk(),
    clock: new ManualClock(),
    timers: options.timers,
    config: testConfig(options.config),
    schema: options.schema,
    logger: options.logger ?? silentLogger,
    open: () => openStorageEngine({ disk: h.disk.processView(), clock: h.clock, timers: h.timers, logger: h.logger, config: h.config, schema: h.schema }),
  };
  return h;
}

export interface LoggedRecord {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly fields: object;
  readonly message: string;
}

/** A logger that keeps what it is given, for assertions. */
export function recordingLogger(records: LoggedRecord[] = []): Logger & { records: LoggedRecord[] } {
  const logger = {
    records,
    debug: (fields: object, message: string) => void records.push({ level: 'debug', fields, message }),
    info: (fields: object, message: string) => void records.push({ level: 'info', fields, message }),
    warn: (fields: object, message: string) => void records.push({ level: 'warn', fields, message }),
    error: (fields: object, message: string) => void records.push({ level: 'error', fields, message }),
    child: () => logger,
    isDebugEnabled: () => false,
  };
  return logger;
}
