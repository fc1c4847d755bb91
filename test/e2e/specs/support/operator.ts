// Spec helpers for operator scenarios: the CassandraCluster resource, its pods, readiness, a CQL
// session on the cluster (real cassandra-driver), and a QUORUM writer that records acknowledged
// rows so scenarios can prove none is lost.
import cassandra from 'cassandra-driver';
import { API_GROUP, API_VERSION, PLURAL, type CassandraCluster } from '../../../../operator/api/index.ts';
import { clientServiceName, Labels } from '../../../../operator/specs/names.ts';
import type { Pod, StatefulSet } from '../../kube/types.ts';
import { api, e2eEnv, resolveA, waitFor } from './cluster.ts';

export const clusterReadyTimeoutMs = 15 * 60_000;
export const cqlPort = 9042;
/** Pause between writes of the background writer (bounded rate, not a load test). */
export const writerIntervalMs = 20;

export const ccPath = (ns: string, name?: string): string =>
  `/apis/${API_GROUP}/${API_VERSION}/namespaces/${ns}/${PLURAL}${name ? `/${name}` : ''}`;

export async function getCluster(ns: string, name: string): Promise<CassandraCluster> {
  return (await api()).get<CassandraCluster>(ccPath(ns, name));
}

export async function patchClusterSpec(ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await (await api()).patch(ccPath(ns, name), { spec }, 'merge');
}

export function condition(cc: CassandraCluster, type: string): { status: string; reason: string; message: string } | undefined {
  return cc.status?.conditions?.find((c) => c.type === type);
}

/** Ready=True for the current generation with every desired node ready. */
export function isClusterReady(cc: CassandraCluster): boolean {
  const s = cc.status;
  return (
    s !== undefined &&
    s.observedGeneration === cc.metadata.generation &&
    condition(cc, 'Ready')?.status === 'True' &&
    s.operation === undefined &&
    s.readyNodes === s.desiredNodes
  );
}

export async function waitClusterReady(ns: string, name: string, timeoutMs = clusterReadyTimeoutMs): Promise<CassandraCluster> {
  return waitFor(`CassandraCluster ${ns}/${name} Ready`, async () => {
    const cc = await getCluster(ns, name);
    return isClusterReady(cc) ? cc : undefined;
  }, {
    timeoutMs,
    intervalMs: 1_000,
    describe: async () => {
      const cc = await getCluster(ns, name).catch(() => undefined);
      return `status: ${JSON.stringify(cc?.status ?? null).slice(0, 3000)}`;
    },
  });
}

export async function clusterPods(ns: string, name: string): Promise<Pod[]> {
  const rest = await api();
  const sel = encodeURIComponent(`${Labels.cluster}=${name}`);
  const list = await rest.get<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods?labelSelector=${sel}`);
  return list.items.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

export async function clusterStatefulSets(ns: string, name: string): Promise<StatefulSet[]> {
  const rest = await api();
  const sel = encodeURIComponent(`${Labels.cluster}=${name}`);
  return (await rest.get<{ items: StatefulSet[] }>(`/apis/apps/v1/namespaces/${ns}/statefulsets?labelSelector=${sel}`)).items;
}

/**
 * A driver session on the cluster. Local provider: contact points are the client Service's
 * addresses from the cluster DNS (pod IPs are reachable from the host). The kind provider needs
 * an in-cluster client (pod IPs are not routable from the host): not implemented yet.
 */
export async function cqlClient(ns: string, name: string, options: { localDataCenter?: string } = {}): Promise<cassandra.Client> {
  if (e2eEnv().provider !== 'local') throw new Error('cqlClient: only the local provider can reach pod IPs from the host (kind needs an in-cluster client Job)');
  const { addresses } = await resolveA(`${clientServiceName(name)}.${ns}.svc.cluster.local`);
  if (addresses.length === 0) throw new Error(`client Service ${clientServiceName(name)} has no ready endpoints`);
  const client = new cassandra.Client({
    contactPoints: addresses.map((a) => `${a}:${cqlPort}`),
    localDataCenter: options.localDataCenter ?? 'dc1',
    socketOptions: { connectTimeout: 5_000, readTimeout: 12_000 },
  });
  await client.connect();
  return client;
}

export async function createTestKeyspace(client: cassandra.Client, replication: Record<string, number>): Promise<void> {
  const repl = Object.entries(replication).map(([dc, rf]) => `'${dc}': ${rf}`).join(', ');
  await client.execute(`CREATE KEYSPACE IF NOT EXISTS e2e WITH replication = {'class': 'NetworkTopologyStrategy', ${repl}}`);
  await client.execute('CREATE TABLE IF NOT EXISTS e2e.rows (id int PRIMARY KEY, v text)');
}

/** Writes rows 0,1,2,... at QUORUM until stopped; remembers which were acknowledged. */
export class QuorumWriter {
  readonly acked = new Set<number>();
  readonly failures: string[] = [];
  private next = 0;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private readonly client: cassandra.Client;
  private readonly consistency: number;

  constructor(client: cassandra.Client, consistency: number = cassandra.types.consistencies.quorum) {
    this.client = client;
    this.consistency = consistency;
  }

  start(): void {
    this.loop ??= (async () => {
      while (!this.stopped) {
        const id = this.next++;
        try {
          // Idempotent (a fixed value per id), as applications should mark such writes: the driver
          // then retries on the next host when the coordinator's connection closes under a request
          // (a restarted or drained node), instead of failing it with "Socket was closed".
          await this.client.execute('INSERT INTO e2e.rows (id, v) VALUES (?, ?)', [id, `v${id}`], { prepare: true, consistency: this.consistency, isIdempotent: true });
          this.acked.add(id);
        } catch (err) {
          this.failures.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
        }
        await new Promise((r) => setTimeout(r, writerIntervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

/** Acknowledged ids that a read at `consistency` does not return. */
export async function missingRows(client: cassandra.Client, ids: Iterable<number>, consistency: number = cassandra.types.consistencies.quorum): Promise<number[]> {
  const missing: number[] = [];
  for (const id of ids) {
    const rs = await client.execute('SELECT v FROM e2e.rows WHERE id = ?', [id], { prepare: true, consistency });
    if (rs.rowLength !== 1) missing.push(id);
  }
  return missing;
}

export const consistencies = cassandra.types.consistencies;
