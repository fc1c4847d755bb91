// server_encryption_options on real node processes (127.0.0.1-3) sharing one certificate, as the
// operator's internode Secret does. internode_encryption: all: the three nodes gossip, agree on
// the ring and replicate (QUORUM writes read at QUORUM through every node) over mutual TLS only,
// and the storage port refuses plaintext and certificates from another CA. internode_encryption:
// dc: links inside dc1 stay plaintext, links to dc2 are TLS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TlsCredentials } from '../../../node-image/src/io/index.ts';
import { realNetwork } from '../../../node-image/src/io/real/real-network.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';
import { CL, CLUSTER_SETUP_TIMEOUT_MS, client, onHost, report, startCluster, until, waitForPeers } from '../coordinator/cluster-support.ts';
import type { RunningCluster } from '../coordinator/cluster-support.ts';
import { makeTestPki, opensslMissing } from './test-pki.ts';
import type { IssuedCertificate, TestPki } from './test-pki.ts';
import { yamlMapping } from './tls-config.ts';

const TEST = 'internode-tls';
const ADDRESSES = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];
const SEEDS = '127.0.0.1,127.0.0.2';
const PROBE_TIMEOUT_MS = 5000;

const missing = opensslMissing();
if (missing !== null) {
  process.stderr.write(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! INTERNODE TLS TESTS SKIPPED: ${missing}\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`);
}

interface EstablishedLine {
  readonly from: string;
  readonly peer: string;
  readonly tls: boolean;
}

/** The "internode connection established" log lines of every node. */
function established(nodes: readonly CassiaProcess[]): EstablishedLine[] {
  const lines: EstablishedLine[] = [];
  for (const node of nodes) {
    for (const line of node.logTail(2_000_000).split('\n')) {
      if (!line.includes('internode connection established')) continue;
      const entry = JSON.parse(line) as { peer: string; tls: boolean };
      lines.push({ from: node.address, peer: entry.peer.split(':')[0]!, tls: entry.tls });
    }
  }
  return lines;
}

/** Connects to a storage port and says how the node answered a probe (it speaks only after our HELLO). */
async function probe(address: string, port: number, tls: TlsCredentials | null): Promise<string> {
  let socket;
  try {
    socket = await realNetwork.connect({ host: address, port, timeoutMs: PROBE_TIMEOUT_MS, ...(tls === null ? {} : { tls: { credentials: { current: () => tls, onChange: () => () => {} } } }) });
  } catch (error) {
    return `connect failed: ${(error as Error).message}`;
  }
  const s = socket;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.destroy();
      resolve('still open');
    }, PROBE_TIMEOUT_MS);
    const done = (what: string): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(what);
    };
    s.on('data', () => done('answered'));
    s.on('close', () => done('closed'));
    s.on('error', (error) => done(`error: ${error.message}`));
    // Not a valid HELLO: a node that accepted the connection answers REFUSE or closes after reading it.
    s.write(Buffer.from('not a handshake, just bytes to read'));
  });
}

/** QUORUM writes through the first node, QUORUM reads through each node (a driver in that node's DC). */
async function replicates(cluster: RunningCluster, options: { keyspace: string; replication: string; dcOf: (address: string) => string }): Promise<void> {
  const { keyspace } = options;
  const port = cluster.cqlPort;
  const writer = client(ADDRESSES[0]!, port, options.dcOf(ADDRESSES[0]!));
  try {
    await writer.connect();
    await writer.execute(`CREATE KEYSPACE ${keyspace} WITH replication = ${options.replication}`);
    await writer.execute(`CREATE TABLE ${keyspace}.kv (k int PRIMARY KEY, v text)`);
    for (let k = 0; k < 30; k++) {
      await writer.execute(`INSERT INTO ${keyspace}.kv (k, v) VALUES (?, ?)`, [k, `v${k}`], onHost(writer, ADDRESSES[0]!, port, { prepare: true, consistency: CL.quorum }));
    }
  } finally {
    await writer.shutdown();
  }
  for (const address of ADDRESSES) {
    const reader = client(address, port, options.dcOf(address));
    try {
      await reader.connect();
      await until(`schema of ${keyspace} on ${address}`, async () => (await reader.execute(`SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = '${keyspace}'`, [], onHost(reader, address, port))).rowLength === 1, 30_000);
      for (let k = 0; k < 30; k += 7) {
        const row = await reader.execute(`SELECT v FROM ${keyspace}.kv WHERE k = ?`, [k], onHost(reader, address, port, { prepare: true, consistency: CL.quorum }));
        expect(row.first()?.['v'], `k=${k} through ${address}`).toBe(`v${k}`);
      }
    } finally {
      await reader.shutdown();
    }
  }
}

describe.skipIf(missing !== null)('TLS between nodes', () => {
  let pki: TestPki;
  let shared: IssuedCertificate;
  let stranger: IssuedCertificate;

  beforeAll(() => {
    pki = makeTestPki();
    shared = pki.ca.issue({ name: 'cassia-internode', ips: ADDRESSES });
    stranger = pki.rogueCa.issue({ name: 'stranger' });
  });

  afterAll(() => pki?.remove());

  const internode = (mode: 'all' | 'dc'): string => yamlMapping({
    internode_encryption: mode, cert_file: shared.certFile, key_file: shared.keyFile, ca_file: pki.ca.certFile,
  });

  describe('internode_encryption: all', () => {
    let cluster: RunningCluster;

    beforeAll(async () => {
      const started = Date.now();
      cluster = await startCluster({
        addresses: ADDRESSES, seeds: SEEDS, clusterName: 'internode-tls-all',
        extraConfig: { server_encryption_options: internode('all') },
      });
      for (const a of ADDRESSES) await waitForPeers(a, cluster.cqlPort, 2);
      report(TEST, { phase: 'all: membership up', afterMs: Date.now() - started });
    }, CLUSTER_SETUP_TIMEOUT_MS);

    afterAll(async () => {
      await cluster?.destroy();
    });

    it('forms the ring and replicates at QUORUM, over TLS only', async () => {
      const c = client(ADDRESSES[0]!, cluster.cqlPort);
      try {
        await c.connect();
        const peers = await c.execute('SELECT peer, data_center FROM system.peers');
        expect(peers.rows.map((r) => String(r['peer'])).sort()).toEqual([ADDRESSES[1], ADDRESSES[2]]);
      } finally {
        await c.shutdown();
      }
      await replicates(cluster, { keyspace: 'tls_all', replication: "{'class': 'SimpleStrategy', 'replication_factor': 3}", dcOf: () => 'dc1' });
      const lines = established(cluster.nodes);
      report(TEST, { phase: 'all: connections', established: lines.length, plaintext: lines.filter((l) => !l.tls).length });
      expect(lines.length).toBeGreaterThanOrEqual(6);
      expect(lines.every((l) => l.tls)).toBe(true);
    }, 120_000);

    it('the storage port refuses plaintext and certificates from another CA, and serves ours', async () => {
      const port = cluster.storagePort;
      const ours = { certificatePem: shared.certPem, privateKeyPem: shared.keyPem, caPem: pki.ca.certPem };
      const results = {
        plaintext: await probe(ADDRESSES[0]!, port, null),
        stranger: await probe(ADDRESSES[0]!, port, { certificatePem: stranger.certPem, privateKeyPem: stranger.keyPem, caPem: pki.ca.certPem }),
        ours: await probe(ADDRESSES[0]!, port, ours),
      };
      report(TEST, { phase: 'all: storage port probes', ...results });
      expect(results.plaintext).toBe('closed');
      expect(results.stranger).toMatch(/^(closed|error: .*|connect failed: .*)$/);
      // Our certificate gets through TLS: the node reads the bogus HELLO and answers REFUSE or closes.
      expect(results.ours).toMatch(/^(answered|closed)$/);
      // Refusals are logged at most once per interval: the first one (plaintext) is.
      expect(cluster.nodes[0]!.logTail(2_000_000)).toContain('"reason":"plaintext connection on a TLS-only port"');
    });
  });

  describe('internode_encryption: dc', () => {
    let cluster: RunningCluster;

    beforeAll(async () => {
      cluster = await startCluster({
        addresses: ADDRESSES, seeds: SEEDS, clusterName: 'internode-tls-dc', dcOf: (i) => (i < 2 ? 'dc1' : 'dc2'),
        extraConfig: { server_encryption_options: internode('dc') },
      });
      for (const a of ADDRESSES) await waitForPeers(a, cluster.cqlPort, 2);
    }, CLUSTER_SETUP_TIMEOUT_MS);

    afterAll(async () => {
      await cluster?.destroy();
    });

    it('encrypts across DCs only, and replicates', async () => {
      const dcOf = (address: string): string => (address === ADDRESSES[2] ? 'dc2' : 'dc1');
      await replicates(cluster, { keyspace: 'tls_dc', replication: "{'class': 'NetworkTopologyStrategy', 'dc1': 2, 'dc2': 1}", dcOf });
      const lines = established(cluster.nodes);
      const crossDc = lines.filter((l) => dcOf(l.from) !== dcOf(l.peer));
      const sameDc = lines.filter((l) => dcOf(l.from) === dcOf(l.peer));
      report(TEST, { phase: 'dc: connections', crossDc: crossDc.map((l) => `${l.from}->${l.peer}:${l.tls}`), sameDc: sameDc.map((l) => `${l.from}->${l.peer}:${l.tls}`) });
      expect(crossDc.length).toBeGreaterThanOrEqual(2);
      expect(crossDc.every((l) => l.tls)).toBe(true);
      // Links opened before gossip placed the peer are encrypted (location unknown). Once 127.0.0.1
      // knows 127.0.0.2 is in dc1, its next connection there (after a restart of .2) is plaintext.
      expect(sameDc.length).toBeGreaterThanOrEqual(1);
      const before = established(cluster.nodes.slice(0, 1)).length;
      await cluster.nodes[1]!.restart();
      for (const a of ADDRESSES) await waitForPeers(a, cluster.cqlPort, 2);
      await until('127.0.0.1 to reconnect to 127.0.0.2', () => established(cluster.nodes.slice(0, 1)).length > before, 60_000);
      const again = established(cluster.nodes.slice(0, 1)).slice(before);
      report(TEST, { phase: 'dc: after restarting 127.0.0.2', from1: again.map((l) => `${l.from}->${l.peer}:${l.tls}`) });
      expect(again.filter((l) => l.peer === ADDRESSES[1]).map((l) => l.tls)).toEqual([false]);
      await replicates(cluster, { keyspace: 'tls_dc_again', replication: "{'class': 'NetworkTopologyStrategy', 'dc1': 2, 'dc2': 1}", dcOf });
    }, 180_000);
  });
});
