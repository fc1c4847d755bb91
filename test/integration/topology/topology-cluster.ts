// Test support for topology tests: Cassia node processes on 127.0.0.x sharing CQL, storage and
// management ports (each on its own address), their management clients, and polling helpers.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagementClient } from '../../../node-image/src/management/client/index.ts';
import type { Job, Operation, OperationRequest } from '../../../node-image/src/management/contract/index.ts';
import { freePort, startCassiaProcess } from '../../support/cassia-process.ts';
import type { CassiaProcess } from '../../support/cassia-process.ts';

/** A join may stream a lot before the node serves CQL. */
export const NODE_START_TIMEOUT_MS = 1_800_000;
/** A draining node with big memtables may take longer than the shared default to stop. */
const NODE_STOP_TIMEOUT_MS = 30_000;

export const POLL_MS = 200;

export function report(test: string, fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ test, ...fields })}\n`);
}

export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return Date.now() - started;
}

async function freeOn(address: string, port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, address, () => s.close(() => resolve(true)));
  });
}

/** A port free on every address. */
export async function portFreeOnAll(addresses: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort(addresses[0]);
    const ok = await Promise.all(addresses.map((a) => freeOn(a, port)));
    if (ok.every(Boolean)) return port;
  }
  throw new Error('no port free on all addresses');
}

export interface TopologyNode {
  readonly process: CassiaProcess;
  readonly address: string;
  readonly client: ManagementClient;
}

export class TopologyCluster {
  readonly nodes = new Map<string, TopologyNode>();
  readonly cqlPort: number;
  readonly storagePort: number;
  readonly managementPort: number;
  readonly name: string;
  private readonly extra: Readonly<Record<string, string | number | boolean>>;
  readonly token = randomBytes(32).toString('hex');
  readonly tokenFile: string;

  constructor(options: { name: string; cqlPort: number; storagePort: number; managementPort: number; extra: Readonly<Record<string, string | number | boolean>> }) {
    this.name = options.name;
    this.cqlPort = options.cqlPort;
    this.storagePort = options.storagePort;
    this.managementPort = options.managementPort;
    this.extra = options.extra;
    this.tokenFile = join(mkdtempSync(join(tmpdir(), 'cassia-topology-')), 'token');
    writeFileSync(this.tokenFile, `${this.token}\n`, { mode: 0o600 });
  }

  static async create(name: string, addresses: readonly string[], extra: Readonly<Record<string, string | number | boolean>>): Promise<TopologyCluster> {
    const cqlPort = await portFreeOnAll(addresses);
    const storagePort = await portFreeOnAll(addresses);
    const managementPort = await portFreeOnAll(addresses);
    return new TopologyCluster({ name, cqlPort, storagePort, managementPort, extra });
  }

  clientFor(address: string, timeoutMs = 10_000): ManagementClient {
    return new ManagementClient({ baseUrl: `http://${address}:${this.managementPort}`, timeoutMs, token: this.token });
  }

  async start(address: string, options: { seeds: string; dc?: string; rack?: string; extra?: Record<string, string | number | boolean>; dataDir?: string }): Promise<TopologyNode> {
    const process = await startCassiaProcess({
      address, port: this.cqlPort, storagePort: this.storagePort, managementPort: this.managementPort, seeds: options.seeds,
      managementTokenFile: this.tokenFile, startTimeoutMs: NODE_START_TIMEOUT_MS, stopTimeoutMs: NODE_STOP_TIMEOUT_MS,
      clusterName: this.name, dc: options.dc ?? 'dc1', rack: options.rack ?? 'rack1', extraConfig: { ...this.extra, ...options.extra },
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    });
    const node = { process, address, client: this.clientFor(address) };
    this.nodes.set(address, node);
    return node;
  }

  /** Starts the nodes one at a time, each once `seeds`' first node sees a healthy ring (one bootstrap at a time). */
  async startInOrder(addresses: readonly string[], options: { seeds: string }): Promise<void> {
    const first = options.seeds.split(',')[0]!;
    for (const address of addresses) {
      await this.start(address, options);
      await this.healthy(first);
    }
  }

  async run<O extends Operation>(address: string, operation: O, request: OperationRequest<O>, timeoutMs: number): Promise<Job> {
    const client = this.clientFor(address);
    const job = await client.submit(operation, request);
    return client.waitForJob(job.id, { pollIntervalMs: 250, timeoutMs, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
  }

  /** Waits until `address` sees every ring endpoint UP and NORMAL (the operator's health gate). */
  async healthy(address: string, timeoutMs = 60_000): Promise<void> {
    await until(`${address} to see a healthy ring`, async () => {
      const view = await this.clientFor(address).clusterView();
      return view.endpoints.every((e) => e.state === 'LEFT' || e.state === 'REMOVED' || (e.status === 'UP' && e.state === 'NORMAL'));
    }, timeoutMs);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.process.destroy()));
  }
}
