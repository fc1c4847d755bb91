// Operator benchmark: reconcile passes per second for one CassandraCluster of 3 DCs x 3 racks
// (3 nodes per rack, 27 nodes) on in-memory informer caches and an in-memory API server, with
// fake nodes behind the management API contract (their cost is included); plus pure plan()
// throughput (with the per-generation config memo the reconciler uses) and the process RSS.
// JSON lines; the last line is the summary. Knobs: BENCH_PASSES (default 2000).
import { performance } from 'node:perf_hooks';
import { PlanMemo, plan } from '../operator/controllers/cassandracluster/plan.ts';
import { FakeCluster } from '../operator/testing/fake-cluster.ts';

const PASSES = Number(process.env.BENCH_PASSES ?? 2000);
const racks = [{ name: 'r1', zone: 'z1' }, { name: 'r2', zone: 'z2' }, { name: 'r3', zone: 'z3' }];
const spec = { datacenters: ['dc1', 'dc2', 'dc3'].map((name) => ({ name, size: 9, racks })) };

function emit(line: Record<string, unknown>): void {
  console.log(JSON.stringify({ bench: 'operator', ...line }));
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

const rssAtStart = process.memoryUsage().rss;
const world = new FakeCluster({ kubeNodes: 30 });
await world.start();
await world.apply(spec);

// 1. Converge from nothing: one bootstrap at a time, 27 nodes.
const t0 = performance.now();
const steps = await world.runUntil((s) => s.operation === undefined && s.readyNodes === 27 && (s.pendingCleanup ?? []).length === 0, 2000);
const convergeMs = performance.now() - t0;
emit({ phase: 'converge', nodes: 27, steps, passes: world.passes, simulatedSeconds: (steps * 5), wallMs: Math.round(convergeMs) });

// 2. Steady state: full passes (observe from caches + 27 node API calls, plan, apply with skips).
const key = 'db/prod';
const signal = new AbortController().signal;
for (let i = 0; i < 50; i++) await world.ctl.controller.processOne(key, signal);
const durations: number[] = [];
const callsBefore = world.nodes.calls;
const t1 = performance.now();
for (let i = 0; i < PASSES; i++) {
  const s = performance.now();
  await world.ctl.controller.processOne(key, signal);
  durations.push(performance.now() - s);
}
const steadyMs = performance.now() - t1;
durations.sort((a, b) => a - b);
const report = world.ctl.reconciler.last!.report;
const passesPerSec = Math.round(PASSES / (steadyMs / 1000));
emit({
  phase: 'steady', passes: PASSES, passesPerSec, p50Ms: +quantile(durations, 0.5).toFixed(3), p99Ms: +quantile(durations, 0.99).toFixed(3),
  nodeApiCallsPerPass: Math.round((world.nodes.calls - callsBefore) / PASSES), objectsApplied: report.applied, objectsSkipped: report.skipped, statusWritten: report.statusWritten,
});

// 3. plan() alone on the last observation (pure function cost).
const observed = world.ctl.reconciler.last!.observed;
const t2 = performance.now();
const PLANS = PASSES * 2;
const memo = new PlanMemo();
for (let i = 0; i < PLANS; i++) plan(observed, { clusterDomain: 'cluster.local', memo });
const planMs = performance.now() - t2;
const plansPerSec = Math.round(PLANS / (planMs / 1000));
emit({ phase: 'plan', plans: PLANS, plansPerSec, meanMs: +(planMs / PLANS).toFixed(3) });

const memory = process.memoryUsage();
// RSS includes the simulated API server (objects and watch history) and the fake nodes.
emit({ phase: 'memory', rssAtStartMb: mb(rssAtStart), rssMb: mb(memory.rss), heapUsedMb: mb(memory.heapUsed) });
await world.stop();
emit({
  phase: 'summary', datacenters: 3, racksPerDatacenter: 3, nodes: 27, convergeSteps: steps, reconcilePassesPerSec: passesPerSec,
  p99PassMs: +quantile(durations, 0.99).toFixed(3), planPerSec: plansPerSec, rssMb: mb(memory.rss), node: process.version,
});
