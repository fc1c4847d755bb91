// Paxos v1 through the cluster coordinator: CAS results, commit timestamps, unavailability,
// finishing in-progress proposals, and linearizability of concurrent CAS from three coordinators
// over a lossy network (checked with the register checker).
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../cluster/index.ts';
import { ConsistencyLevel, CqlError, ErrorCode } from '../../lib/index.ts';
import type { ConsistencyLevel as Level } from '../../lib/index.ts';
import { Verb } from '../../messaging/index.ts';
import { VirtualTime } from '../../messaging/testing/virtual-time.ts';
import type { TableMetadata } from '../../schema/index.ts';
import type { ReadPartition } from '../../storage/index.ts';
import type { ClusterCoordinator } from '../cluster-coordinator.ts';
import { intKey, kvTable, kvValue, putKv, readPartition, tokenOf } from '../testing/kv-fixtures.ts';
import { checkRegisterHistory } from '../testing/register-linearizability.ts';
import type { RegisterOperation } from '../testing/register-linearizability.ts';
import { TestCluster, evenTokens } from '../testing/test-cluster.ts';
import { ballotMicros } from './ballot.ts';

let cluster: TestCluster | null = null;
afterEach(async () => {
  await cluster?.stop();
  cluster = null;
});

async function setup(seed: number, options: { timeouts?: Parameters<typeof TestCluster.start>[0]['timeouts']; latencyMaxMs?: number } = {}): Promise<{ c: TestCluster; time: VirtualTime; kv: TableMetadata }> {
  const time = new VirtualTime();
  const c = await TestCluster.start({
    nodes: evenTokens(3, 4).map((tokens) => ({ tokens })), time, random: new SeededRandom(seed), latencyMinMs: 1,
    latencyMaxMs: options.latencyMaxMs ?? 3, hints: { enabled: false },
    ...(options.timeouts === undefined ? {} : { timeouts: options.timeouts }),
  });
  cluster = c;
  await c.createKeyspace('ks', { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '3' } });
  return { c, time, kv: await c.createTable(kvTable('ks')) };
}

interface CasOutcome {
  readonly applied: boolean;
  readonly observed: string | null;
}

/** CAS on kv key k: set `value` if the current value is `expected` (null: IF NOT EXISTS). */
function casKv(coordinator: ClusterCoordinator, kv: TableMetadata, k: number, expected: string | null, value: string, nowSeconds: number, serial: Level = ConsistencyLevel.SERIAL): Promise<CasOutcome> {
  return coordinator.cas<CasOutcome>({
    keyspace: 'ks', key: intKey(k), token: tokenOf(k), read: readPartition(kv, k, nowSeconds), serialConsistency: serial,
    commitConsistency: ConsistencyLevel.QUORUM,
    decide: (current: ReadPartition | null) => {
      const seen = current === null ? null : kvValue({ partitions: [current] }, nowSeconds);
      if (seen !== expected) return { mutation: null, result: { applied: false, observed: seen } };
      return { mutation: putKv(kv, k, value, 1), result: { applied: true, observed: seen } };
    },
  });
}

describe('compare-and-set', () => {
  it('applies IF NOT EXISTS once, reports the current value otherwise, and commits at the ballot timestamp', async () => {
    const { c, time, kv } = await setup(1);
    const now = Math.floor(time.nowMs() / 1000);
    expect(await c.run(casKv(c.coordinator(0), kv, 1, null, 'first', now))).toEqual({ applied: true, observed: null });
    expect(await c.run(casKv(c.coordinator(1), kv, 1, null, 'second', now))).toEqual({ applied: false, observed: 'first' });
    expect(await c.run(casKv(c.coordinator(2), kv, 1, 'first', 'third', now))).toEqual({ applied: true, observed: 'first' });
    await c.idle(20);
    const cells = c.nodes.map((n) => n.storage.read(readPartition(kv, 1, now)).partitions[0]!.rows[0]!.cells[0]!);
    expect(new Set(cells.map((x) => x.value.toString()))).toEqual(new Set(['third']));
    // The commit rewrote the mutation's timestamp (1) to the ballot's micros, near the virtual clock.
    expect(cells[0]!.timestampMicros).toBeGreaterThan(time.nowMs() * 1000 - 60_000_000);
    expect(new Set(cells.map((x) => x.timestampMicros)).size).toBe(1);
    expect(ballotMicros).toBeTypeOf('function');
  });

  it('is Unavailable without a quorum of live participants (SERIAL and LOCAL_SERIAL)', async () => {
    const { c, time, kv } = await setup(2);
    const now = Math.floor(time.nowMs() / 1000);
    await c.run(c.node(1).stop());
    expect((await c.run(casKv(c.coordinator(0), kv, 1, null, 'a', now))).applied).toBe(true);
    await c.run(c.node(2).stop());
    for (const serial of [ConsistencyLevel.SERIAL, ConsistencyLevel.LOCAL_SERIAL]) {
      let error: unknown = null;
      try {
        await c.run(casKv(c.coordinator(0), kv, 2, null, 'b', now, serial));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(CqlError);
      expect((error as CqlError).details).toEqual({ kind: 'unavailable', consistency: serial, required: 2, alive: 1 });
    }
  });

  it('a SERIAL read finishes a proposal accepted but not committed', async () => {
    const { c, time, kv } = await setup(3);
    const now = Math.floor(time.nowMs() / 1000);
    // Commits from node 0 never reach the others: its CAS is accepted everywhere, committed only locally.
    const remove = c.hub.addRule((m) => (m.from === c.node(0).address && m.verb === Verb.PaxosCommit && m.kind === 'request' ? 'drop' : 'deliver'));
    let error: unknown = null;
    try {
      await c.run(casKv(c.coordinator(0), kv, 7, null, 'pending', now));
    } catch (e) {
      error = e;
    }
    expect((error as CqlError).code).toBe(ErrorCode.WriteTimeout);
    remove();
    // Without node 0 (the only one that committed), the quorum {1, 2} holds the proposal as accepted only.
    await c.run(c.node(0).crash());
    expect(kvValue(c.node(1).storage.read(readPartition(kv, 7, now)), now)).toBeNull();
    const got = await c.run(c.coordinator(1).read(readPartition(kv, 7, now), { consistency: ConsistencyLevel.SERIAL }));
    expect(kvValue(got, now)).toBe('pending');
    await c.idle(20);
    expect(kvValue(c.node(1).storage.read(readPartition(kv, 7, now)), now)).toBe('pending');
    expect(kvValue(c.node(2).storage.read(readPartition(kv, 7, now)), now)).toBe('pending');
  });

  it('keeps promises across a restart (durable Paxos state)', async () => {
    const { c, time, kv } = await setup(4);
    const now = Math.floor(time.nowMs() / 1000);
    await c.run(casKv(c.coordinator(0), kv, 3, null, 'a', now));
    await c.run(c.node(1).crash({ powerLoss: true }));
    await c.run(c.node(1).restart());
    // Node 1's most recent commit survived: a CAS coordinated by node 1 sees 'a' even if it were alone in its quorum with node 2.
    expect(await c.run(casKv(c.coordinator(1), kv, 3, 'a', 'b', now))).toEqual({ applied: true, observed: 'a' });
  });
});

describe('linearizability under message loss', () => {
  for (const seed of [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]) {
    it(`three coordinators, one partition, 10% loss (seed ${seed})`, async () => {
      const { c, time, kv } = await setup(seed, { latencyMaxMs: 5, timeouts: { writeRequestTimeoutMs: 200, readRequestTimeoutMs: 200, casContentionTimeoutMs: 1000 } });
      const now = Math.floor(time.nowMs() / 1000);
      c.hub.dropProbability = 0.1;
      const history: RegisterOperation[] = [];
      const outcomes = { applied: 0, rejected: 0, unknown: 0, reads: 0 };
      const worker = async (p: number): Promise<void> => {
        let believed: string | null = null;
        for (let n = 0; n < 12; n++) {
          const coordinator = c.coordinator(p);
          if (n % 3 === 2) {
            const invokeMs = time.monotonicMs();
            try {
              const r = await coordinator.read(readPartition(kv, 1, now), { consistency: ConsistencyLevel.SERIAL });
              const value = kvValue(r, now);
              history.push({ kind: 'read', invokeMs, completeMs: time.monotonicMs(), value });
              believed = value;
              outcomes.reads++;
            } catch (e) {
              if (!(e instanceof CqlError)) throw e;
            }
            continue;
          }
          const value = `p${p}-${n}`;
          const invokeMs = time.monotonicMs();
          try {
            const r = await casKv(coordinator, kv, 1, believed, value, now);
            history.push({ kind: 'cas', invokeMs, completeMs: time.monotonicMs(), expected: believed, value, applied: r.applied, observed: r.observed });
            believed = r.applied ? value : r.observed;
            if (r.applied) outcomes.applied++;
            else outcomes.rejected++;
          } catch (e) {
            if (!(e instanceof CqlError)) throw e;
            expect([ErrorCode.WriteTimeout, ErrorCode.ReadTimeout, ErrorCode.ReadFailure, ErrorCode.WriteFailure]).toContain(e.code);
            history.push({ kind: 'cas', invokeMs, completeMs: null, expected: believed, value, applied: null });
            outcomes.unknown++;
          }
        }
      };
      await c.run(Promise.all([worker(0), worker(1), worker(2)]), 600_000);
      c.hub.dropProbability = 0;
      // A final SERIAL read closes the history.
      const invokeMs = time.monotonicMs();
      const final = kvValue(await c.run(c.coordinator(0).read(readPartition(kv, 1, now), { consistency: ConsistencyLevel.SERIAL })), now);
      history.push({ kind: 'read', invokeMs, completeMs: time.monotonicMs(), value: final });
      const verdict = checkRegisterHistory(history, null);
      expect(verdict.linearizable, JSON.stringify({ outcomes, verdict })).toBe(true);
      expect(outcomes.applied).toBeGreaterThan(0);
    }, 60_000);
  }
});
