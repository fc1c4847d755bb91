// Helpers shared by multi-node scenarios: whether gossip views agree, waiting for a condition in
// virtual time, and a white-box read of one replica's copy of the register table.
import { endpointAddress } from '../../cluster/index.ts';
import type { EndpointAddress } from '../../cluster/index.ts';
import { TOKEN_MAX, TOKEN_MIN, murmur3Token } from '../../lib/index.ts';
import type { RunningNode } from '../../node.ts';
import type { ReadCommand } from '../../storage/index.ts';
import type { ReplicaCell } from '../checkers.ts';
import { REGISTER_KEYSPACE, REGISTER_TABLE } from '../register-workload.ts';
import type { ScenarioContext } from '../scenario.ts';
import type { SimCluster } from '../sim-cluster.ts';

/** Attempts per start before a scenario gives up on a node. */
export const START_ATTEMPTS_MAX = 5;
const START_RETRY_DELAY_MS = 2_000;

/** Starts nodes with retries (a failed or timed-out start is logged and tried again). */
export class NodeStarter {
  private readonly ctx: ScenarioContext;
  private readonly cluster: SimCluster;
  private readonly onStarted: (index: number, running: RunningNode) => void;

  constructor(options: { ctx: ScenarioContext; cluster: SimCluster; onStarted: (index: number, running: RunningNode) => void }) {
    this.ctx = options.ctx;
    this.cluster = options.cluster;
    this.onStarted = options.onStarted;
  }

  async start(index: number): Promise<boolean> {
    for (let attempt = 1; attempt <= START_ATTEMPTS_MAX; attempt++) {
      try {
        const running = await this.cluster.start(index);
        this.onStarted(index, running);
        return true;
      } catch (error) {
        this.ctx.log.note(`n${index} did not start (attempt ${attempt}): ${error instanceof Error ? error.message : String(error)}`);
        await this.ctx.scheduler.sleep(START_RETRY_DELAY_MS);
      }
    }
    return false;
  }
}

/** Rows one replica scan may return (the register table is small by construction). */
const REPLICA_SCAN_ROWS_MAX = 100_000;

export function storageAddress(cluster: SimCluster, index: number): EndpointAddress {
  return endpointAddress(`${cluster.node(index).host}:${cluster.node(index).config.storage_port}`);
}

/**
 * Null when every running node sees every other running node UP and NORMAL and gives it the tokens
 * it owns; else what is missing. `tokensOf` gives a node's own tokens.
 */
export function membershipProblem(cluster: SimCluster, tokensOf: (index: number) => string | undefined): string | null {
  const running = cluster.runningNodes();
  for (const a of running) {
    const membership = a.running?.membership;
    if (membership === null || membership === undefined) return `n${a.index} runs without gossip`;
    for (const b of running) {
      if (a === b) continue;
      const view = membership.member(storageAddress(cluster, b.index));
      if (view === null) return `n${a.index} does not know n${b.index}`;
      if (!view.alive) return `n${a.index} sees n${b.index} DOWN`;
      if (view.status !== 'NORMAL') return `n${a.index} sees n${b.index} ${view.status}`;
    }
    const ring = membership.ring();
    for (const b of running) {
      const owned = tokensKey(ring.tokensOf(storageAddress(cluster, b.index)));
      if (owned !== tokensOf(b.index)) return `n${a.index}'s ring gives n${b.index} tokens ${owned}`;
    }
  }
  return null;
}

/** Polls `problem` every `stepMs` of virtual time until it returns null or `maxMs` passed; returns the last problem. */
export async function waitFor(ctx: ScenarioContext, problem: () => string | null, options: { maxMs: number; stepMs: number }): Promise<string | null> {
  const start = ctx.scheduler.nowMs;
  let last = problem();
  while (last !== null && ctx.scheduler.nowMs - start < options.maxMs) {
    await ctx.scheduler.sleep(options.stepMs);
    last = problem();
  }
  return last;
}

export function tokensKey(tokens: readonly bigint[]): string {
  return [...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).join(',');
}

/** The register table as this node's storage holds it: key -> live value and write timestamp. */
export function localRegisterCells(running: RunningNode, nowMs: number): Map<number, ReplicaCell> {
  const out = new Map<number, ReplicaCell>();
  const table = running.coordinator.schema().keyspaces.get(REGISTER_KEYSPACE)?.tables.get(REGISTER_TABLE);
  if (table === undefined) return out;
  const command: ReadCommand = {
    tableId: table.id,
    partitions: { kind: 'range', start: { token: TOKEN_MIN, key: null }, startInclusive: true, end: { token: TOKEN_MAX, key: null }, endInclusive: true },
    clustering: { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false },
    columns: 'all',
    limits: { rows: REPLICA_SCAN_ROWS_MAX, perPartitionRows: REPLICA_SCAN_ROWS_MAX, partitions: REPLICA_SCAN_ROWS_MAX },
    nowSeconds: Math.floor(nowMs / 1000),
    resumeAfterClustering: null,
    includeStaticRow: true,
  };
  for (const partition of running.storage.read(command).partitions) {
    const key = partition.key.readInt32BE(0);
    let cell: ReplicaCell = { value: null, timestampMicros: null };
    for (const row of partition.rows) {
      const v = row.cells.find((c) => c.column === 'v');
      if (v !== undefined && !v.tombstone) cell = { value: v.value.readInt32BE(0), timestampMicros: v.timestampMicros };
    }
    out.set(key, cell);
  }
  return out;
}

/**
 * SimpleStrategy's replicas of an int partition key, computed independently of the node code (an
 * oracle): walk the ring clockwise from the first token at or after the key's token and take the
 * first `replicationFactor` distinct owners.
 */
export function simpleStrategyReplicas(options: { tokens: ReadonlyMap<number, readonly bigint[]>; key: number; replicationFactor: number }): number[] {
  const ring: Array<{ token: bigint; owner: number }> = [];
  for (const [owner, tokens] of options.tokens) for (const token of tokens) ring.push({ token, owner });
  ring.sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  const keyBytes = Buffer.alloc(4);
  keyBytes.writeInt32BE(options.key);
  const token = murmur3Token(keyBytes);
  let start = ring.findIndex((e) => e.token >= token);
  if (start < 0) start = 0;
  const replicas: number[] = [];
  for (let i = 0; i < ring.length && replicas.length < options.replicationFactor; i++) {
    const owner = ring[(start + i) % ring.length]!.owner;
    if (!replicas.includes(owner)) replicas.push(owner);
  }
  return replicas;
}
