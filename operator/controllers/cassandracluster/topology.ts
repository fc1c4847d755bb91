// Pure views of a cluster's topology used by plan(): rack targets, the pods that should exist,
// health gates, seed choice, and the safety checks that guard a decommission (replication factor
// and disk space). No I/O, no clock: everything comes from Observed.
import { NODES_PER_DATACENTER_MAX, type Datacenter } from '../../api/index.ts';
import { podName, stsName } from '../../specs/index.ts';
import type { Observed, PodView } from './observe.ts';

export const SEEDS_PER_DATACENTER = 3;
/** A seed pod that has been around this long without being ready gives way to a ready node. */
export const SEED_FAILOVER_MS = 2 * 60_000;
/** Remaining nodes need free space of (leaving load / remaining nodes) x this factor. */
export const DECOMMISSION_DISK_HEADROOM = 2;
/** Ring states that mean a range movement is under way. */
export const MOVING_STATES: ReadonlySet<string> = new Set(['JOINING', 'LEAVING', 'MOVING', 'REPLACING', 'REMOVING']);

/** Even split of a DC's nodes over its racks; the first racks get the remainder. */
export function splitRacks(size: number, racks: number): number[] {
  const base = Math.floor(size / racks);
  const extra = size % racks;
  return Array.from({ length: racks }, (_, i) => base + (i < extra ? 1 : 0));
}

export interface RackState {
  readonly dc: string;
  readonly rack: string;
  readonly rackIndex: number;
  readonly sts: string;
  /** Nodes wanted in this rack. */
  readonly target: number;
  /** StatefulSet replicas now (0 when it does not exist). */
  readonly current: number;
  readonly exists: boolean;
}

export function rackStates(o: Observed, dc: Datacenter): RackState[] {
  const targets = splitRacks(dc.size, dc.racks.length);
  return dc.racks.map((rack, rackIndex) => {
    const sts = stsName(o.cc.metadata.name, dc.name, rack.name);
    const view = o.statefulSets.get(sts);
    return { dc: dc.name, rack: rack.name, rackIndex, sts, target: targets[rackIndex]!, current: view?.replicas ?? 0, exists: view !== undefined };
  });
}

/** Every pod that the StatefulSets' replicas say should exist, across all of them. */
export function expectedPods(o: Observed): string[] {
  const out: string[] = [];
  for (const s of o.statefulSets.values()) for (let i = 0; i < s.replicas; i++) out.push(podName(s.name, i));
  return out.sort();
}

/** Ready (probe: NORMAL and serving CQL) and, when the node answers, NORMAL. */
export function isNormal(o: Observed, pod: string): boolean {
  const p = o.pods.get(pod);
  if (p === undefined || p.deleting || !p.ready) return false;
  const info = o.nodeInfo.get(pod);
  return info === undefined || !info.ok || info.info.operationMode === 'NORMAL';
}

export function hostIdOf(o: Observed, pod: string): string | undefined {
  const info = o.nodeInfo.get(pod);
  if (info?.ok === true && info.info.hostId !== null) return info.info.hostId;
  return o.cc.status?.nodes?.find((n) => n.pod === pod)?.hostId;
}

export function addressOf(o: Observed, pod: string): string | undefined {
  return o.pods.get(pod)?.podIP ?? o.cc.status?.nodes?.find((n) => n.pod === pod)?.address;
}

/** Has this pod's node joined the ring at least once (host id known, or it says so)? */
export function isBootstrapped(o: Observed, pod: string): boolean {
  const info = o.nodeInfo.get(pod);
  if (info?.ok === true && info.info.bootstrapped) return true;
  return o.cc.status?.nodes?.some((n) => n.pod === pod && n.hostId !== undefined) ?? false;
}

export interface Health {
  readonly ok: boolean;
  /** Pods or endpoints that keep the cluster from being healthy. */
  readonly waitingFor: readonly string[];
}

/**
 * Every expected pod NORMAL and ready, and no range movement in the ring, ignoring `except`
 * pods (the node being replaced, for instance).
 */
export function clusterHealth(o: Observed, except: ReadonlySet<string> = new Set()): Health {
  const waiting: string[] = [];
  for (const pod of expectedPods(o)) if (!except.has(pod) && !isNormal(o, pod)) waiting.push(pod);
  if (o.ring !== undefined) {
    const exceptAddresses = new Set([...except].map((p) => addressOf(o, p)).filter((a) => a !== undefined));
    for (const e of o.ring.values()) {
      if (MOVING_STATES.has(e.state) && !exceptAddresses.has(e.address)) waiting.push(`${e.address} (${e.state})`);
    }
  }
  return { ok: waiting.length === 0, waitingFor: waiting };
}

/** Pods of a DC in seed order: round-robin over racks by ordinal (r1-0, r2-0, r3-0, r1-1, ...). */
function seedOrder(o: Observed, dc: Datacenter): string[] {
  const racks = rackStates(o, dc);
  // Nodes known to the status count even while their pods are gone (a stopped cluster).
  const remembered = new Set((o.cc.status?.nodes ?? []).filter((n) => n.hostId !== undefined).map((n) => n.pod));
  const out: string[] = [];
  for (let i = 0; i < NODES_PER_DATACENTER_MAX; i++) {
    let any = false;
    for (const r of racks) {
      const pod = podName(r.sts, i);
      const present = i < r.current && o.pods.has(pod);
      if (present || remembered.has(pod)) out.push(pod);
      any ||= i < r.current || remembered.has(pod);
    }
    if (!any) break;
  }
  return out;
}

/**
 * Seeds: up to three bootstrapped nodes per DC spread over racks, sticky (a current seed stays
 * while it exists and is ready or recently restarted), replaced by a ready node when it has been
 * unready for SEED_FAILOVER_MS. A brand-new cluster starts with its very first pod as the seed.
 * `excluded` pods (leaving, being replaced) are never chosen.
 */
export function computeSeeds(o: Observed, excluded: ReadonlySet<string>): string[] {
  const previous = new Set(o.cc.status?.seeds ?? []);
  const seeds: string[] = [];
  const expected = new Set(expectedPods(o));
  // A seed is stale when its pod should run but is missing, or has been unready for a while.
  const stale = (pod: string, p: PodView | undefined): boolean =>
    p === undefined ? expected.has(pod) : !p.ready && o.nowMs - p.createdAtMs > SEED_FAILOVER_MS;
  for (const dc of o.cc.spec.datacenters) {
    const candidates = seedOrder(o, dc).filter((pod) => !excluded.has(pod) && isBootstrapped(o, pod));
    const want = Math.min(SEEDS_PER_DATACENTER, candidates.length);
    const chosen = candidates.filter((pod) => previous.has(pod) && !stale(pod, o.pods.get(pod)));
    for (const pod of candidates) {
      if (chosen.length >= want) break;
      if (!chosen.includes(pod) && o.pods.get(pod)?.ready === true) chosen.push(pod);
    }
    for (const pod of candidates) {
      if (chosen.length >= want) break;
      if (!chosen.includes(pod)) chosen.push(pod);
    }
    seeds.push(...chosen.slice(0, SEEDS_PER_DATACENTER));
  }
  if (seeds.length === 0) {
    const first = o.cc.spec.datacenters[0]!;
    const anyBootstrapped = (o.cc.status?.nodes ?? []).some((n) => n.hostId !== undefined);
    if (!anyBootstrapped) seeds.push(podName(stsName(o.cc.metadata.name, first.name, first.racks[0]!.name), 0));
  }
  return seeds.sort();
}

/**
 * Keyspaces whose replication factor in `dc` would exceed the nodes left there (`remaining`), or
 * SimpleStrategy keyspaces whose RF would exceed the cluster's nodes (`clusterRemaining`).
 */
export function replicationViolations(o: Observed, options: { dc: string; remaining: number; clusterRemaining: number }): string[] {
  const out: string[] = [];
  for (const ks of o.keyspaces ?? []) {
    const r = ks.replication;
    if (r.class === 'NetworkTopologyStrategy') {
      const rf = r.datacenters[options.dc] ?? 0;
      if (rf > options.remaining) out.push(`${ks.name} (RF ${rf} in ${options.dc})`);
    } else if (r.class === 'SimpleStrategy') {
      const rf = r.replicationFactor ?? 0;
      if (rf > options.clusterRemaining) out.push(`${ks.name} (SimpleStrategy RF ${rf})`);
    }
  }
  return out.sort();
}

export type DiskCheck = { readonly kind: 'ok' } | { readonly kind: 'unknown' | 'short'; readonly message: string };

/** Can the other nodes of the DC absorb the leaving node's data? Unknown when a node does not answer. */
export function checkDiskForDecommission(o: Observed, options: { leaving: string; others: readonly string[] }): DiskCheck {
  const leaving = o.nodeInfo.get(options.leaving);
  if (leaving?.ok !== true) return { kind: 'unknown', message: `load of ${options.leaving} unknown` };
  if (options.others.length === 0) return { kind: 'ok' };
  const need = Math.ceil(leaving.info.loadBytes / options.others.length) * DECOMMISSION_DISK_HEADROOM;
  const short: string[] = [];
  for (const pod of options.others) {
    const info = o.nodeInfo.get(pod);
    if (info?.ok !== true) return { kind: 'unknown', message: `free disk of ${pod} unknown` };
    if (info.info.dataDisk.freeBytes < need) short.push(`${pod} has ${info.info.dataDisk.freeBytes} B free, needs ${need} B`);
  }
  return short.length === 0 ? { kind: 'ok' } : { kind: 'short', message: short.join('; ') };
}
