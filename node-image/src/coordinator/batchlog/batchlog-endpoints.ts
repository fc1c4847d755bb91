// Which nodes hold a logged batch's batchlog entry (Cassandra 4's ReplicaPlans.forBatchlogWrite
// and filterBatchlogEndpoints, as facts): live members of the local datacenter other than this
// node, at most two, from two different racks when possible and preferring racks other than this
// node's; a datacenter of one node uses this node itself. No candidate: this node for ANY, else
// Unavailable(ONE, required 1, alive 0). Pure: the caller passes the datacenter's members and the
// random source.
import type { EndpointAddress } from '../../cluster/index.ts';
import type { Random } from '../../io/index.ts';
import { ConsistencyLevel } from '../../lib/index.ts';
import { unavailable } from '../consistency.ts';

/** Batchlog replicas per batch at most. */
export const BATCHLOG_REPLICAS_MAX = 2;

export interface BatchlogCandidate {
  readonly address: EndpointAddress;
  readonly rack: string;
  readonly alive: boolean;
}

export function chooseBatchlogEndpoints(options: {
  readonly self: EndpointAddress;
  readonly localRack: string;
  /** Every member of the local datacenter, this node included. */
  readonly datacenterMembers: readonly BatchlogCandidate[];
  readonly isAny: boolean;
  readonly random: Random;
}): EndpointAddress[] {
  const { self, localRack, random } = options;
  if (options.datacenterMembers.length === 1 && options.datacenterMembers[0]!.address === self) return [self];
  const valid = options.datacenterMembers.filter((m) => m.address !== self && m.alive);
  if (valid.length === 0) {
    if (options.isAny) return [self];
    throw unavailable(ConsistencyLevel.ONE, 1, 0);
  }
  if (valid.length <= BATCHLOG_REPLICAS_MAX) return valid.map((m) => m.address);
  const byRack = new Map<string, EndpointAddress[]>();
  for (const m of valid) {
    let list = byRack.get(m.rack);
    if (list === undefined) byRack.set(m.rack, (list = []));
    list.push(m.address);
  }
  // Enough candidates outside this node's rack: leave the local rack out.
  const localRackCount = byRack.get(localRack)?.length ?? 0;
  if (valid.length - localRackCount >= BATCHLOG_REPLICAS_MAX) byRack.delete(localRack);
  const racks = [...byRack.keys()];
  if (racks.length === 1) {
    // One rack left (it has at least two candidates): two distinct random members of it.
    const members = [...byRack.get(racks[0]!)!];
    const first = members.splice(pick(random, members.length), 1)[0]!;
    return [first, members[pick(random, members.length)]!];
  }
  shuffle(racks, random);
  return racks.slice(0, BATCHLOG_REPLICAS_MAX).map((rack) => {
    const members = byRack.get(rack)!;
    return members[pick(random, members.length)]!;
  });
}

function pick(random: Random, n: number): number {
  return Math.floor(random.nextFloat() * n);
}

function shuffle<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = pick(random, i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}
