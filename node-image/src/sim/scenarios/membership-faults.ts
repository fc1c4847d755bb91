// 3 to 5 nodes gossiping over a faulty network (latency spikes, resets, split segments) while a
// nemesis partitions links (both ways or one way), kills nodes or cuts their power, and restarts
// them. Checked every virtual second: no node reports wrong tokens or host id for another, nor
// itself as a peer; a restarted node keeps its host id and tokens. After the faults heal and every
// node is back, all nodes must see all others UP and NORMAL with the same ring within a bound.
import type { EndpointAddress } from '../../cluster/index.ts';
import type { RunningNode } from '../../node.ts';
import type { Scenario, ScenarioContext } from '../scenario.ts';
import { SimCluster } from '../sim-cluster.ts';
import type { CrashKind } from '../sim-cluster.ts';
import { FAULTY_NETWORK } from '../sim-network.ts';
import { NodeStarter, membershipProblem, storageAddress, tokensKey, waitFor } from './cluster-checks.ts';

/** Virtual time the cluster gets to converge once every fault is healed. */
export const CONVERGENCE_MS_MAX = 60_000;
const INVARIANT_CHECK_INTERVAL_MS = 1_000;

interface Identity {
  readonly hostId: string;
  readonly tokens: string;
}

export const membershipFaults: Scenario = {
  name: 'membership-faults',
  description: '3-5 gossiping nodes under partitions, resets, kills and power loss; views stay sane and converge after heal',
  run,
};

async function run(ctx: ScenarioContext): Promise<void> {
  const random = ctx.random;
  const size = 3 + random.int(3);
  const cluster = new SimCluster({ scheduler: ctx.scheduler, random: random.fork(), nodes: size, network: FAULTY_NETWORK, log: ctx.log });
  const identities = new Map<EndpointAddress, Identity>();
  const failOnce = new Set<string>();
  const failure = (message: string): void => {
    if (failOnce.has(message)) return;
    failOnce.add(message);
    ctx.fail(message);
  };
  const address = (index: number): EndpointAddress => storageAddress(cluster, index);

  const starter = new NodeStarter({ ctx, cluster, onStarted: (index, running) => recordIdentity(index, running) });
  const startNode = (index: number): Promise<boolean> => starter.start(index);
  const recordIdentity = (index: number, running: RunningNode): void => {
    const self = running.membership?.member(address(index));
    const identity: Identity = { hostId: running.hostId, tokens: tokensKey(self?.tokens ?? running.coordinator.localNode().tokens) };
    const known = identities.get(address(index));
    if (known === undefined) identities.set(address(index), identity);
    else if (known.hostId !== identity.hostId || known.tokens !== identity.tokens) {
      failure(`n${index} came back with another identity: host id ${known.hostId} -> ${identity.hostId}, tokens ${known.tokens} -> ${identity.tokens}`);
    }
  };

  const checkInvariants = (): void => {
    for (const node of cluster.runningNodes()) {
      const membership = node.running?.membership;
      if (membership === null || membership === undefined) continue;
      for (const peer of membership.peers()) {
        if (peer.address === node.host) failure(`n${node.index} lists itself in system.peers`);
      }
      for (const member of membership.members()) {
        const known = identities.get(member.address);
        if (known === undefined || member.isSelf) continue;
        if (member.hostId !== null && member.hostId !== known.hostId) {
          failure(`n${node.index} believes ${member.address} has host id ${member.hostId}, not ${known.hostId}`);
        }
        if (member.tokens.length > 0 && tokensKey(member.tokens) !== known.tokens) {
          failure(`n${node.index} believes ${member.address} owns tokens ${tokensKey(member.tokens)}, not ${known.tokens}`);
        }
      }
    }
  };
  const converged = (): string | null => membershipProblem(cluster, (i) => identities.get(address(i))?.tokens);

  for (let i = 1; i <= size; i++) {
    if (!(await startNode(i))) {
      failure(`n${i} never started`);
      cluster.shutdown();
      return;
    }
  }
  let done = false;
  const invariants = (async () => {
    while (!done) {
      checkInvariants();
      await ctx.scheduler.sleep(INVARIANT_CHECK_INTERVAL_MS);
    }
  })();

  // The nemesis.
  const nemesisRandom = random.fork();
  const faultMs = 20_000 + nemesisRandom.int(30_000);
  const until = ctx.scheduler.nowMs + faultMs;
  const restarts: Array<Promise<boolean>> = [];
  let crashes = 0;
  let partitions = 0;
  while (ctx.scheduler.nowMs < until) {
    await ctx.scheduler.sleep(nemesisRandom.between(500, 5_000));
    const roll = nemesisRandom.float();
    if (roll < 0.4) {
      const a = 1 + nemesisRandom.int(size);
      let b = 1 + nemesisRandom.int(size - 1);
      if (b >= a) b++;
      const oneWay = nemesisRandom.chance(0.3);
      cluster.network.partition({ from: cluster.node(a).host, to: cluster.node(b).host, oneWay });
      ctx.log.note(`partition n${a}${oneWay ? '->' : '<->'}n${b}`);
      partitions++;
    } else if (roll < 0.65) {
      cluster.network.heal();
      ctx.log.note('heal');
    } else {
      const up = cluster.runningNodes();
      if (up.length <= 1) continue;
      const victim = nemesisRandom.pick(up).index;
      const kind: CrashKind = nemesisRandom.chance(0.5) ? 'kill' : 'power';
      cluster.crash(victim, kind);
      crashes++;
      const downMs = nemesisRandom.between(500, 8_000);
      restarts.push((async () => {
        await ctx.scheduler.sleep(downMs);
        return startNode(victim);
      })());
    }
  }
  cluster.network.heal();
  ctx.log.note('final heal');
  await Promise.all(restarts);
  for (const node of cluster.nodes) {
    if (node.running === null && !(await startNode(node.index))) failure(`n${node.index} did not restart after the faults healed`);
  }
  const healedAtMs = ctx.scheduler.nowMs;
  const reason = await waitFor(ctx, converged, { maxMs: CONVERGENCE_MS_MAX, stepMs: 500 });
  if (reason !== null) failure(`no convergence ${CONVERGENCE_MS_MAX} ms after healing: ${reason}`);
  done = true;
  await invariants;
  Object.assign(ctx.summary, {
    nodes: size, faultMs, crashes, partitions, convergenceMs: Math.round(ctx.scheduler.nowMs - healedAtMs),
    resets: cluster.network.stats().resets,
  });
  cluster.shutdown();
}

