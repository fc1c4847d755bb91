// A node drained through the management API leaves its cluster as Cassandra's drain does: after
// its CQL listener it announces a gossip shutdown (its peers mark it DOWN at once and push
// STATUS_CHANGE DOWN to their drivers), stops internode messaging and flushes; its management API
// still answers DRAINED, non-idempotent writes through the driver keep succeeding on the peers,
// and a SIGTERM afterwards exits 0. Before, the drained node kept gossiping and stayed UP.
import cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopologyCluster, report, until } from '../topology/topology-cluster.ts';

const TEST = 'drain-cluster';
const A = (i: number): string => `127.0.0.${90 + i}`;
const NODES = [1, 2, 3];
/** Short, but above gossip propagation (a joining node is a fat client for QUARANTINE_DELAY / 2 = ring delay). */
const RING_DELAY_MS = 6000;
/** A gossip SHUTDOWN is acted on when it arrives; the failure detector alone would need ~10-20 s. */
const PEERS_SEE_DOWN_MS = 8000;
const DRAIN_JOB_TIMEOUT_MS = 120_000;
const WRITES = 100;
const DOWN_EVENT = 'Received status change to DOWN for host';

describe('drain in a cluster', () => {
  let cluster: TopologyCluster;
  let app: cassandra.Client | undefined;
  let watcher: cassandra.Client | undefined;
  beforeAll(async () => {
    cluster = await TopologyCluster.create(TEST, NODES.map(A), {
      ring_delay: RING_DELAY_MS, num_tokens: 8, start_gossip: true,
    });
    await cluster.startInOrder(NODES.map(A), { seeds: A(1) });
  }, 600_000);
  afterAll(async () => {
    await app?.shutdown();
    await watcher?.shutdown();
    await cluster?.stopAll();
  });

  it('peers see the drained node DOWN, drivers get STATUS_CHANGE DOWN, writes go on, SIGTERM exits 0', async () => {
    const drained = cluster.nodes.get(A(3))!;
    const localDataCenter = 'dc1';
    app = new cassandra.Client({
      contactPoints: NODES.map((i) => `${A(i)}:${cluster.cqlPort}`), localDataCenter,
      protocolOptions: { port: cluster.cqlPort }, socketOptions: { readTimeout: 20_000 },
    });
    await app.connect();
    await app.execute("CREATE KEYSPACE drain WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}");
    await app.execute('CREATE TABLE drain.t (id int PRIMARY KEY, v text)');
    // Its only contact point is a peer: its control connection (REGISTERed for STATUS_CHANGE) is there.
    watcher = new cassandra.Client({ contactPoints: [`${A(1)}:${cluster.cqlPort}`], localDataCenter, protocolOptions: { port: cluster.cqlPort } });
    const downEvents: string[] = [];
    watcher.on('log', (_level: string, _className: string, message: string) => {
      if (message.startsWith(DOWN_EVENT)) downEvents.push(message);
    });
    await watcher.connect();
    await until('the schema on every node', async () => (await cluster.clientFor(A(3)).schemaVersions()).agreement, 30_000);

    const drainStarted = Date.now();
    const job = await cluster.run(A(3), 'drain', {}, DRAIN_JOB_TIMEOUT_MS);
    const drainMs = Date.now() - drainStarted;
    expect(job.state).toBe('SUCCEEDED');

    // (a) every peer shows it DOWN, promptly.
    const statusOf3 = async (viewer: string): Promise<string> =>
      (await cluster.clientFor(viewer).clusterView()).endpoints.find((e) => e.address === A(3))?.status ?? 'absent';
    const peersDownMs = await until('peers to show the drained node DOWN', async () =>
      (await statusOf3(A(1))) === 'DOWN' && (await statusOf3(A(2))) === 'DOWN', PEERS_SEE_DOWN_MS);
    // (b) the peer's control connection got STATUS_CHANGE DOWN for it.
    await until('STATUS_CHANGE DOWN on the control connection', () => downEvents.some((m) => m.includes(A(3))), PEERS_SEE_DOWN_MS);
    // (c) the drained node's management API still answers, DRAINED, gossip off.
    const info = await drained.client.nodeInfo();
    expect(info).toMatchObject({ operationMode: 'DRAINED', nativeTransportRunning: false, gossipRunning: false });
    expect((await drained.client.readiness()).operationMode).toBe('DRAINED');
    // (d) non-idempotent writes at ONE all succeed (the peers coordinate; the drained node is skipped).
    const errors: string[] = [];
    for (let id = 0; id < WRITES; id++) {
      try {
        await app.execute('INSERT INTO drain.t (id, v) VALUES (?, ?)', [id, `v${id}`], {
          prepare: true, isIdempotent: false, consistency: cassandra.types.consistencies.one,
        });
      } catch (error) {
        errors.push(`${id}: ${(error as Error).message}`);
      }
    }
    expect(errors).toEqual([]);
    // (e) SIGTERM after the drain: every stop step was already done or is idempotent.
    const stopStarted = Date.now();
    await drained.process.stop();
    const stopMs = Date.now() - stopStarted;
    cluster.nodes.delete(A(3));
    const log = drained.process.logTail(20_000).split('\n');
    const afterDrain = log.slice(Math.max(0, log.findIndex((l) => l.includes('"draining'))));
    const errorsLogged = afterDrain.filter((l) => /"level":(50|60)/.test(l));
    const warningsLogged = afterDrain.filter((l) => l.includes('"level":40')).map((l) => l.slice(0, 300));
    report(TEST, { drainMs, peersDownMs, downEvents, stopMs, exitCode: drained.process.exitCode, errorsLogged, warningsLogged });
    expect(drained.process.exitCode).toBe(0);
    expect(errorsLogged).toEqual([]);
    await drained.process.destroy();
  }, 300_000);
});
