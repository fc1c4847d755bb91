// The shape of a local dev cluster: which nodes exist, their loopback address (node i on
// 127.0.0.i), data center and rack, and the seeds. Pure; `cassia local up` validates its flags here
// before touching the disk.

/** Node i listens on 127.0.0.i, so a local cluster has at most 254 nodes. */
export const LOCAL_NODES_MAX = 254;
/** Racks per data center accepted by --racks. */
export const RACKS_MAX = 64;
/** Seeds per data center (the first nodes of each DC, as a production cluster would list them). */
export const SEEDS_PER_DATACENTER_MAX = 2;

export interface LocalNodeSpec {
  /** 1-based position in the cluster. */
  readonly index: number;
  readonly name: string;
  readonly address: string;
  readonly dc: string;
  readonly rack: string;
}

export interface LayoutRequest {
  /** --nodes; defaults to the sum of --datacenters, else 1. */
  readonly nodes?: number;
  /** --datacenters, e.g. `dc1:3,dc2:3`. */
  readonly datacenters?: string;
  /** --racks per data center (default 1). */
  readonly racks?: number;
}

export class LayoutError extends Error {
  override readonly name = 'LayoutError';
}

const DC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function parseDatacenters(text: string): Array<{ name: string; nodes: number }> {
  const out: Array<{ name: string; nodes: number }> = [];
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const m = /^([^:]+):(\d+)$/.exec(part);
    if (m === null) throw new LayoutError(`invalid --datacenters entry '${part}' (expected name:count, e.g. dc1:3)`);
    const name = m[1]!.trim();
    const nodes = Number(m[2]);
    if (!DC_NAME.test(name)) throw new LayoutError(`invalid data center name '${name}'`);
    if (nodes < 1) throw new LayoutError(`data center ${name} needs at least one node`);
    if (out.some((d) => d.name === name)) throw new LayoutError(`data center ${name} is listed twice`);
    out.push({ name, nodes });
  }
  if (out.length === 0) throw new LayoutError('--datacenters lists no data center');
  return out;
}

export function nodeAddress(index: number): string {
  return `127.0.0.${index}`;
}

export function planLayout(request: LayoutRequest): LocalNodeSpec[] {
  const racks = request.racks ?? 1;
  if (!Number.isInteger(racks) || racks < 1 || racks > RACKS_MAX) throw new LayoutError(`--racks must be an integer from 1 to ${RACKS_MAX}`);
  const datacenters = request.datacenters === undefined
    ? [{ name: 'dc1', nodes: request.nodes ?? 1 }]
    : parseDatacenters(request.datacenters);
  const total = datacenters.reduce((sum, d) => sum + d.nodes, 0);
  if (request.nodes !== undefined && request.nodes !== total) {
    throw new LayoutError(`--nodes ${request.nodes} does not match --datacenters ${request.datacenters ?? ''} (${total} nodes)`);
  }
  if (!Number.isInteger(total) || total < 1 || total > LOCAL_NODES_MAX) {
    throw new LayoutError(`--nodes must be an integer from 1 to ${LOCAL_NODES_MAX}`);
  }
  const nodes: LocalNodeSpec[] = [];
  for (const dc of datacenters) {
    for (let j = 0; j < dc.nodes; j++) {
      const index = nodes.length + 1;
      nodes.push({ index, name: `node${index}`, address: nodeAddress(index), dc: dc.name, rack: `rack${(j % racks) + 1}` });
    }
  }
  return nodes;
}

/** Seed addresses: the first nodes of every data center. */
export function seedAddresses(nodes: readonly LocalNodeSpec[]): string[] {
  const perDc = new Map<string, number>();
  const seeds: string[] = [];
  for (const n of nodes) {
    const count = perDc.get(n.dc) ?? 0;
    if (count < SEEDS_PER_DATACENTER_MAX) seeds.push(n.address);
    perDc.set(n.dc, count + 1);
  }
  return seeds;
}
