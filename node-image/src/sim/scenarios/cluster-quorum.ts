// Three to five nodes, RF 3 (SimpleStrategy), clients on every node: plain writes (client timestamps) at QUORUM/ONE/ALL and
// reads at QUORUM, LWTs at SERIAL, while a nemesis partitions links, kills nodes or cuts their power
// and restarts them, over a faulty network with slightly skewed clocks. After the faults heal and
// hints have had time to replay: every write acknowledged at QUORUM or ALL is visible to a QUORUM
// read from every coordinator; after a read at ALL (blocking read repair) every replica holds the
// same value and timestamp, and no other node holds the key (replicas from an independent ring
// walk); every LWT key's history is linearizable.
import { ConsistencyLevel as CL } from '../../lib/index.ts';
import type { ConsistencyLevel } from '../../lib/index.ts';
import { checkAcknowledgedWritesVisible, checkRegisterLinearizable, checkReplicasConverged } from '../checkers.ts';
import type { ReplicaCell } from '../checkers.ts';
import { APPEND_TABLE, AppendWorkload } from '../append-workload.ts';
import { History } from '../history.ts';
import { REGISTER_KEYSPACE, REGISTER_TABLE, RegisterWorkload, createRegisterSchema } from '../register-workload.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { SIM_EPOCH_MS } from '../scheduler.ts';
import { SimClient } from '../sim-client.ts';
import { SimCluster } from '../sim-cluster.ts';
import type { CrashKind } from '../sim-cluster.ts';
import { FAULTY_NETWORK } from '../sim-network.ts';
import { NodeStarter, localRegisterCells, membershipProblem, simpleStrategyReplicas, tokensKey, waitFor } from './cluster-checks.ts';

const NODES_MIN = 3;
const NODES_MAX = 5;
const REPLICATION_FACTOR = 3;
/** Virtual time for gossip to converge, schema to agree, and hints to replay (10 s rounds) after healing. */
const CONVERGENCE_MS_MAX = 60_000;
const HINT_REPLAY_WAIT_MS = 25_000;
const FINAL_READ_ATTEMPTS_MAX = 5;
const PLAIN_KEYS = [1, 2, 3];
const LWT_KEYS = [101, 102];

export const clusterQuorum: Scenario = {
  name: 'cluster-quorum',
  description: '3-5 nodes RF 3 under partitions, resets, kill/power loss: QUORUM-acked writes visible, replicas converge, LWTs linearizable',
  run: (ctx) => run(ctx, { periodic: false }),
};

/**
 * A control expected to FAIL on some seeds: periodic commit-log sync acknowledges writes before
 * they are durable, and power losses of two replicas then lose QUORUM-acknowledged writes.
 */
export const clusterQuorumPeriodicLoss: Scenario = {
  name: 'cluster-quorum-periodic-loss',
  description: 'control expected to FAIL on some seeds: periodic sync on 3 nodes, power losses of 2 replicas lose QUORUM-acked writes',
  run: (ctx) => run(ctx, { periodic: true }),
};

async function run(ctx: ScenarioContext, options: { periodic: boolean }): Promise<void> {
  const random = ctx.random;
  const size = NODES_MIN + random.int(NODES_MAX - NODES_MIN + 1);
  const skews = Array.from({ length: size }, () => random.between(-20, 20));
  const cluster = new SimCluster({
    scheduler: ctx.scheduler, random: random.fork(), nodes: size, network: FAULTY_NETWORK, log: ctx.log, debugLogs: ctx.debugLogs,
    clockSkewMs: (i) => skews[i - 1]!,
    ...(options.periodic ? { config: () => ({ commitlog_sync: 'periodic' as const, commitlog_sync_period: 10_000 }) } : {}),
  });
  const tokens = new Map<number, string>();
  const tokenLists = new Map<number, readonly bigint[]>();
  const starter = new NodeStarter({
    ctx, cluster,
    onStarted: (index, running) => {
      tokens.set(index, tokensKey(running.coordinator.localNode().tokens));
      tokenLists.set(index, running.coordinator.localNode().tokens);
    },
  });
  const start = (index: number): Promise<boolean> => starter.start(index);
  const gossipProblem = (): string | null => membershipProblem(cluster, (i) => tokens.get(i));
  const schemaProblem = (): string | null => {
    for (const node of cluster.runningNodes()) {
      const tables = node.running!.coordinator.schema().keyspaces.get(REGISTER_KEYSPACE)?.tables;
      for (const table of [REGISTER_TABLE, APPEND_TABLE]) if (tables?.get(table) === undefined) return `n${node.index} lacks ${table}`;
    }
    return null;
  };

  for (let i = 1; i <= size; i++) {
    if (!(await start(i))) {
      ctx.fail(`n${i} never started`);
      cluster.shutdown();
      return;
    }
  }
  const joined = await waitFor(ctx, gossipProblem, { maxMs: CONVERGENCE_MS_MAX, stepMs: 250 });
  if (joined !== null) {
    ctx.fail(`the cluster never formed: ${joined}`);
    cluster.shutdown();
    return;
  }
  const admin = new SimClient({ name: 'admin', cluster, random: random.fork(), keyspace: null });
  await createRegisterSchema({ client: admin, node: 1, replicationFactor: REPLICATION_FACTOR });
  const appends = new AppendWorkload({ keyspace: REGISTER_KEYSPACE, scheduler: ctx.scheduler });
  await appends.createSchema(admin, 1);
  const agreed = await waitFor(ctx, schemaProblem, { maxMs: CONVERGENCE_MS_MAX, stepMs: 250 });
  if (agreed !== null) {
    ctx.fail(`no schema agreement: ${agreed}`);
    cluster.shutdown();
    return;
  }

  const history = new History({ trace: ctx.scheduler.trace, now: () => ctx.scheduler.nowMs });
  const workload = new RegisterWorkload({
    cluster, history, plainKeys: PLAIN_KEYS, lwtKeys: LWT_KEYS,
    coordinators: () => cluster.runningNodes().map((n) => n.index),
    writeConsistency: [CL.QUORUM, CL.QUORUM, CL.ONE, CL.ALL],
    readConsistency: [CL.QUORUM],
    serialConsistency: CL.SERIAL,
    thinkMinMs: 2,
    thinkMaxMs: 60,
    clientTimestamps: true,
  });
  const workloadMs = 8_000 + random.int(8_000);
  const untilMs = ctx.scheduler.nowMs + workloadMs;
  const clientCount = 2 + random.int(3);
  const clients = Array.from({ length: clientCount }, (_, i) =>
    workload.runClient(new SimClient({ name: `c${i + 1}`, cluster, random: random.fork(), keyspace: REGISTER_KEYSPACE }), random.fork(), untilMs));
  const appenderRandom = random.fork();
  const appender = appends.runAppender({
    client: new SimClient({ name: 'a1', cluster, random: random.fork(), keyspace: REGISTER_KEYSPACE }),
    random: random.fork(), untilMs, consistency: CL.QUORUM, thinkMaxMs: 30,
    node: () => {
      const up = cluster.runningNodes();
      return up.length === 0 ? 1 : appenderRandom.pick(up).index;
    },
  });
  const nemesisRandom = random.fork();
  let crashes = 0;
  let partitions = 0;
  const restarts: Array<Promise<boolean>> = [];
  const nemesis = (async () => {
    while (ctx.scheduler.nowMs < untilMs) {
      await ctx.scheduler.sleep(nemesisRandom.between(300, 3_000));
      if (ctx.scheduler.nowMs >= untilMs) break;
      const roll = nemesisRandom.float();
      if (roll < 0.35) {
        const a = 1 + nemesisRandom.int(size);
        const b = 1 + ((a + nemesisRandom.int(size - 1)) % size);
        const oneWay = nemesisRandom.chance(0.3);
        cluster.network.partition({ from: cluster.node(a).host, to: cluster.node(b).host, oneWay });
        ctx.log.note(`partition n${a}${oneWay ? '->' : '<->'}n${b}`);
        partitions++;
      } else if (roll < 0.6) {
        cluster.network.heal();
        ctx.log.note('heal');
      } else {
        // At most two nodes down at once: a quorum may be lost, never every copy.
        const up = cluster.runningNodes();
        if (size - up.length >= 2) continue;
        // The control cuts the power of two nodes at once when it can, so a quorum loses its copies.
        const victims = [nemesisRandom.pick(up).index];
        if (options.periodic && size - up.length === 0) victims.push(nemesisRandom.pick(up.filter((n) => n.index !== victims[0])).index);
        for (const victim of victims) {
          const kind: CrashKind = options.periodic || nemesisRandom.chance(0.5) ? 'power' : 'kill';
          cluster.crash(victim, kind);
          crashes++;
          const downMs = nemesisRandom.between(300, 5_000);
          restarts.push((async () => {
            await ctx.scheduler.sleep(downMs);
            return start(victim);
          })());
        }
      }
    }
  })();
  await Promise.all([nemesis, appender, ...clients]);
  cluster.network.heal();
  ctx.log.note('final heal');
  await Promise.all(restarts);
  for (const node of cluster.nodes) {
    if (node.running === null && !(await start(node.index))) ctx.fail(`n${node.index} did not restart after the faults healed`);
  }
  const converged = await waitFor(ctx, gossipProblem, { maxMs: CONVERGENCE_MS_MAX, stepMs: 500 });
  if (converged !== null) ctx.fail(`gossip did not converge after healing: ${converged}`);
  await ctx.scheduler.sleep(HINT_REPLAY_WAIT_MS);
  const replicasAfterHints = replicaCells(cluster, ctx);

  // Acknowledged writes are visible at QUORUM through every coordinator. The network still resets
  // connections now and then, so a read that fails is retried a few times.
  const probe = async (node: number, key: number, consistency: ConsistencyLevel): Promise<number | null | string> => {
    let last = '';
    for (let attempt = 1; attempt <= FINAL_READ_ATTEMPTS_MAX; attempt++) {
      const read = await workload.probe(admin, node, key, consistency);
      if (!('error' in read)) return read.value;
      last = read.error;
      await ctx.scheduler.sleep(1_000);
    }
    return `failed ${FINAL_READ_ATTEMPTS_MAX} times after healing: ${last}`;
  };
  for (const node of cluster.runningNodes()) {
    const finalReads = new Map<number, number | null>();
    for (const key of PLAIN_KEYS) {
      const read = await probe(node.index, key, CL.QUORUM);
      if (typeof read === 'string') ctx.fail(`n${node.index}: QUORUM read of key ${key} ${read}`);
      else finalReads.set(key, read);
    }
    for (const failure of checkAcknowledgedWritesVisible({ writes: workload.plainWrites, finalReads, strongLevels: new Set([CL.QUORUM, CL.ALL]) })) {
      ctx.fail(`via n${node.index}: ${failure}`);
    }
  }
  // Every row appended at QUORUM is in a QUORUM range scan (the scan is retried like the reads).
  let appendFailures: string[] = [];
  for (let attempt = 1; attempt <= FINAL_READ_ATTEMPTS_MAX; attempt++) {
    appendFailures = await appends.verify(admin, cluster.runningNodes()[0]!.index, CL.QUORUM);
    if (!(appendFailures.length === 1 && appendFailures[0]!.startsWith('reading '))) break;
    await ctx.scheduler.sleep(1_000);
  }
  for (const failure of appendFailures) ctx.fail(`QUORUM scan of ${APPEND_TABLE}: ${failure}`);
  // A read at ALL repairs every replica (blocking read repair); then all copies agree.
  const allUp = cluster.runningNodes().length === size;
  for (const key of PLAIN_KEYS) {
    const read = await probe(cluster.runningNodes()[0]!.index, key, allUp ? CL.ALL : CL.QUORUM);
    if (typeof read === 'string') ctx.fail(`${allUp ? 'ALL' : 'QUORUM'} read of key ${key} ${read}`);
  }
  if (allUp) {
    const copies = replicaCells(cluster, ctx);
    for (const key of PLAIN_KEYS) {
      const replicas = simpleStrategyReplicas({ tokens: tokenLists, key, replicationFactor: REPLICATION_FACTOR });
      const onReplicas = new Map([...copies].filter(([name]) => replicas.some((r) => `n${r}` === name)));
      for (const failure of checkReplicasConverged(onReplicas, [key])) ctx.fail(failure);
      for (const [name, cells] of copies) {
        if (!onReplicas.has(name) && cells.has(key)) ctx.fail(`key ${key}: ${name} holds it but the replicas are ${replicas.map((r) => `n${r}`).join(',')}`);
      }
      if (onReplicas.size !== REPLICATION_FACTOR) ctx.fail(`key ${key}: expected ${REPLICATION_FACTOR} replicas, found ${onReplicas.size}`);
    }
  }
  // Every LWT key: one SERIAL read through each node (recorded), then the whole history.
  for (const node of cluster.runningNodes()) await workload.readAll(admin, node.index, { plain: CL.QUORUM, serial: CL.SERIAL });
  for (const failure of checkRegisterLinearizable(history, { keys: LWT_KEYS })) ctx.fail(failure);

  const diverged = PLAIN_KEYS.filter((key) => {
    const replicas = simpleStrategyReplicas({ tokens: tokenLists, key, replicationFactor: REPLICATION_FACTOR });
    const onReplicas = new Map([...replicasAfterHints].filter(([name]) => replicas.some((r) => `n${r}` === name)));
    return checkReplicasConverged(onReplicas, [key]).length > 0;
  }).length;
  Object.assign(ctx.summary, {
    nodes: size, clients: clientCount, workloadMs, appended: appends.acknowledged, crashes, partitions, operations: history.size(),
    acknowledged: [...workload.plainWrites.values()].filter((w) => w.outcome === 'acknowledged').length,
    unknown: [...workload.plainWrites.values()].filter((w) => w.outcome === 'unknown').length,
    keysDivergedBeforeRepair: diverged,
  });
  cluster.shutdown();
}

function replicaCells(cluster: SimCluster, ctx: ScenarioContext): Map<string, Map<number, ReplicaCell>> {
  const out = new Map<string, Map<number, ReplicaCell>>();
  for (const node of cluster.runningNodes()) out.set(node.name, localRegisterCells(node.running!, SIM_EPOCH_MS + ctx.scheduler.nowMs));
  return out;
}
