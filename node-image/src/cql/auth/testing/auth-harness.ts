// Test-only: one node's auth stack in memory — a storage engine on a MemoryDisk, the local
// coordinator, AuthService, AuthSetup and a CQL service — with a settable clock and a seeded
// random source. Timers come from the test (the real ones are fine there).
import { endpointAddress } from '../../../cluster/index.ts';
import { LocalCoordinator, SchemaStore } from '../../../coordinator/index.ts';
import type { Clock, Logger, Timers } from '../../../io/index.ts';
import { MemoryDisk, silentLogger } from '../../../io/index.ts';
import { ConsistencyLevel, SeededRandom } from '../../../lib/index.ts';
import type { StorageEngineWithStats } from '../../../storage/index.ts';
import { openStorageEngine } from '../../../storage/index.ts';
import { CqlServiceImpl } from '../../cql-service.ts';
import type { ClientSession, QueryOptions, QueryResponse } from '../../service.ts';
import type { AuthenticatorName } from '../auth-service.ts';
import { AuthService } from '../auth-service.ts';
import type { SuperuserCredentials } from '../auth-setup.ts';
import { AuthSetup } from '../auth-setup.ts';

export class ManualClock implements Clock {
  wallMs = 1_700_000_000_000;
  monoMs = 0;

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

export const QUERY_OPTIONS: QueryOptions = {
  consistency: ConsistencyLevel.ONE, values: null, valueNames: null, skipMetadata: false, pageSize: null, pagingState: null,
  serialConsistency: null, timestampMicros: null, keyspace: null, nowInSeconds: null,
};

export interface AuthHarnessOptions {
  readonly timers: Timers;
  readonly authenticator: AuthenticatorName;
  readonly superuser?: SuperuserCredentials | null;
  readonly disk?: MemoryDisk;
  /** Pass the previous run's clock (advanced) when reopening, so that new writes win. */
  readonly clock?: ManualClock;
  readonly logger?: Logger;
  readonly seed?: number;
  readonly datacenters?: readonly string[];
}

export interface AuthHarness {
  readonly disk: MemoryDisk;
  readonly clock: ManualClock;
  readonly storage: StorageEngineWithStats;
  readonly coordinator: LocalCoordinator;
  readonly auth: AuthService;
  readonly setup: AuthSetup;
  readonly cql: CqlServiceImpl;
  /** A connection's session; `user` null is anonymous (AllowAll) or internal (Password). */
  session(user: string | null): ClientSession;
  query(text: string, session: ClientSession): Promise<QueryResponse>;
  /** Rows of a result as JS values: text and boolean columns decoded, others as hex. */
  rows(response: QueryResponse): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Opens the node's data (fresh, or `options.disk` again after close) and runs AuthSetup. */
export async function openAuthHarness(options: AuthHarnessOptions): Promise<AuthHarness> {
  const disk = options.disk ?? new MemoryDisk();
  const clock = options.clock ?? new ManualClock();
  const random = new SeededRandom(options.seed ?? 1);
  const logger = options.logger ?? silentLogger;
  const view = disk.processView();
  const schemaStore = SchemaStore.open({ disk: view, directory: '/data/system', initial: () => ({ version: '00000000-0000-4000-8000-000000000000', keyspaces: new Map() }) });
  const storage = await openStorageEngine({
    disk: view, clock, timers: options.timers, logger, schema: schemaStore.current(),
    config: {
      dataDirectory: '/data/data', commitLogDirectory: '/data/commitlog', commitLogSync: 'batch', commitLogSyncPeriodMs: 50,
      commitLogSyncGroupWindowMs: 5, commitLogSegmentSizeBytes: 256 * 1024, commitLogTotalSpaceBytes: 4 * 1024 * 1024,
      mutationSizeMaxBytes: 64 * 1024, memtableFlushThresholdBytes: 1024 * 1024, memtableSpaceMaxBytes: 8 * 1024 * 1024,
    },
  });
  const coordinator = new LocalCoordinator({
    storage, schemaStore, clusterName: 'test',
    localNode: () => ({
      hostId: '11111111-1111-4111-8111-111111111111', address: '127.0.0.1', rpcAddress: '127.0.0.1', rpcPort: 9042, listenPort: 7000,
      dataCenter: 'dc1', rack: 'rack1', tokens: [0n], schemaVersion: schemaStore.current().version, releaseVersion: '4.0.11',
    }),
  });
  const datacenters = new Set(options.datacenters ?? ['dc1']);
  const auth = new AuthService({ coordinator, clock, random, logger, authenticator: options.authenticator, knownDatacenters: () => datacenters });
  const setup = new AuthSetup({ auth, coordinator, random, timers: options.timers, logger, superuser: options.superuser ?? null });
  await setup.start();
  const cql = new CqlServiceImpl({
    coordinator, clock, random, gossipGeneration: 1, auth,
    schemaEnvironment: { localDatacenter: 'dc1', localAddress: endpointAddress('127.0.0.1:7000'), knownDatacenters: () => datacenters },
  });
  return {
    disk, clock, storage, coordinator, auth, setup, cql,
    session: (user) => ({ keyspace: null, clientAddress: '127.0.0.1', clientPort: 1, user, protocolVersion: 4 }),
    query: (text, session) => cql.query(text, QUERY_OPTIONS, session),
    rows: (response) => {
      if (response.result.kind !== 'rows') throw new Error(`expected rows, got ${response.result.kind}`);
      const columns = response.result.metadata.columns;
      return response.result.rows.map((row) => Object.fromEntries(columns.map((c, i) => {
        const v = row[i] ?? null;
        if (v === null) return [c.name, null];
        if (c.type.kind === 'native' && c.type.name === 'text') return [c.name, v.toString('utf8')];
        if (c.type.kind === 'native' && c.type.name === 'boolean') return [c.name, v[0] !== 0];
        return [c.name, v.toString('hex')];
      })));
    },
    close: async () => {
      setup.stop();
      await storage.close();
    },
  };
}
