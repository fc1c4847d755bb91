// `cassia nodetool`: Cassandra's nodetool over the management API (typed client). Connection
// options (-h host, -p port, --token-file, --json, --timeout-ms) are accepted before or after the
// subcommand. Read commands print Cassandra's layout or, with --json, the API's data; operations
// wait for their job (progress bar on a terminal) and fail with exit code 1 unless it SUCCEEDED.
import { Command, InvalidArgumentError } from 'commander';
import { ManagementApiError, ManagementClient } from '../../src/management/client/index.ts';
import { MANAGEMENT_PORT_DEFAULT, type Job, type Operation, type OperationRequest } from '../../src/management/contract/index.ts';
import { formatDescribeCluster, formatGossipInfo } from './cluster-format.ts';
import { formatInfo } from './info-format.ts';
import { runJob } from './job-progress.ts';
import { processIo, type NodetoolIo } from './nodetool-io.ts';
import { formatRing } from './ring-format.ts';
import { formatCompactionStats, formatNetStats, formatTableStats } from './stats-format.ts';
import { formatStatus } from './status-format.ts';

/** Per-request timeout of API calls. */
export const REQUEST_TIMEOUT_MS_DEFAULT = 30_000;
/** How long an operation is waited for before nodetool gives up (the job keeps running on the node). */
export const OPERATION_TIMEOUT_MS_DEFAULT = 12 * 60 * 60 * 1000;

interface GlobalOptions {
  host?: string;
  port?: number;
  tokenFile?: string;
  json?: boolean;
  timeoutMs?: number;
}

interface Context {
  readonly client: ManagementClient;
  readonly json: boolean;
  readonly target: string;
}

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer in ${min}..${max}`);
    return n;
  };
}

export function createNodetoolCommand(io: NodetoolIo = processIo()): Command {
  const nodetool = new Command('nodetool')
    .description('Inspect and operate a Cassia node through its management API (like Cassandra\'s nodetool)')
    .helpOption('--help', 'display help for command')
    .option('-h, --host <host>', 'management API host (default: $POD_IP or 127.0.0.1)')
    .option('-p, --port <port>', `management API port (default: ${MANAGEMENT_PORT_DEFAULT})`, integer('port', 1, 65535))
    .option('--token-file <path>', 'file holding the bearer token (default: $CASSIA_MANAGEMENT_TOKEN_FILE)')
    .option('--json', 'print JSON instead of text')
    .option('--timeout-ms <ms>', `per-request timeout (default: ${REQUEST_TIMEOUT_MS_DEFAULT})`, integer('timeout', 1, 600_000));

  const context = (command: Command): Context => {
    const o = command.optsWithGlobals<GlobalOptions>();
    const host = o.host ?? io.env['POD_IP'] ?? '127.0.0.1';
    const port = o.port ?? MANAGEMENT_PORT_DEFAULT;
    const tokenFile = o.tokenFile ?? io.env['CASSIA_MANAGEMENT_TOKEN_FILE'];
    let token: string | undefined;
    if (tokenFile !== undefined && tokenFile !== '') {
      try {
        token = io.readFile(tokenFile).trim();
      } catch (error) {
        throw new UsageError(`cannot read the token file ${tokenFile}: ${(error as Error).message}`);
      }
    }
    const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    const client = new ManagementClient({
      baseUrl: `http://${hostPart}:${port}`,
      token,
      timeoutMs: o.timeoutMs ?? REQUEST_TIMEOUT_MS_DEFAULT,
      ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
    });
    return { client, json: o.json === true, target: `${host}:${port}` };
  };

  /** Runs an action, turning API errors into a message on stderr and exit code 1. */
  const action = (run: (ctx: Context, args: unknown[], command: Command) => Promise<void>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args[args.length - 1] as Command;
      let ctx: Context | null = null;
      try {
        ctx = context(command);
        await run(ctx, args.slice(0, -2), command);
      } catch (error) {
        io.writeError(`nodetool: ${describeError(error, ctx?.target ?? '?')}\n`);
        io.setExitCode(error instanceof UsageError ? 2 : 1);
      }
    };

  const print = (ctx: Context, json: unknown, text: () => string): void => {
    io.write(ctx.json ? `${JSON.stringify(json, null, 2)}\n` : text());
  };

  const operation = <O extends Operation>(ctx: Context, op: O, request: OperationRequest<O>): Promise<void> =>
    runJob({ client: ctx.client, io, operation: op, request, showProgress: io.interactive && !ctx.json, timeoutMs: OPERATION_TIMEOUT_MS_DEFAULT })
      .then((job) => finished(ctx, job));

  const finished = (ctx: Context, job: Job): void => {
    if (ctx.json) io.write(`${JSON.stringify(job, null, 2)}\n`);
    if (job.state === 'SUCCEEDED') {
      const message = job.result['message'];
      if (!ctx.json && typeof message === 'string') io.write(`${message}\n`);
      return;
    }
    const reason = job.error === null ? job.state.toLowerCase() : `${job.error.code}: ${job.error.message}`;
    io.writeError(`nodetool: ${job.operation} ${job.state === 'CANCELLED' ? 'was cancelled' : 'failed'} (job ${job.id}): ${reason}\n`);
    io.setExitCode(1);
  };

  nodetool.command('status')
    .description('Cluster status: one line per node (UN = up and normal)')
    .argument('[keyspace]', 'show effective ownership for this keyspace')
    .action(action(async (ctx, [keyspace]) => {
      const ks = keyspace as string | undefined;
      const [view, ring] = await Promise.all([ctx.client.clusterView(), ctx.client.ring(ks)]);
      const owns = new Map(ring.endpoints.map((e) => [e.address, e.ownership]));
      const rows = view.endpoints.map((e) => ({
        datacenter: e.datacenter, status: e.status, state: e.state, address: e.address, loadBytes: e.loadBytes, tokens: e.tokenCount,
        owns: owns.get(e.address) ?? null, hostId: e.hostId, rack: e.rack,
      }));
      print(ctx, { keyspace: ring.keyspace, endpoints: rows }, () => formatStatus(view, ring));
    }));

  nodetool.command('info')
    .description('This node: host id, state, load, uptime, datacenter, rack, tokens')
    .option('-T, --tokens', 'list every token')
    .action(action(async (ctx, _args, command) => {
      const info = await ctx.client.nodeInfo();
      print(ctx, info, () => formatInfo(info, { tokens: command.opts<{ tokens?: boolean }>().tokens === true }));
    }));

  nodetool.command('ring')
    .description('Every token of the ring with its node')
    .argument('[keyspace]', 'show effective ownership for this keyspace')
    .action(action(async (ctx, [keyspace]) => {
      const [ring, view] = await Promise.all([ctx.client.ring(keyspace as string | undefined), ctx.client.clusterView()]);
      print(ctx, ring, () => formatRing(ring, view));
    }));

  nodetool.command('describecluster')
    .description('Cluster name, partitioner and schema versions')
    .action(action(async (ctx) => {
      const [view, versions] = await Promise.all([ctx.client.clusterView(), ctx.client.schemaVersions()]);
      print(ctx, { name: view.clusterName, partitioner: view.partitioner, ...versions }, () => formatDescribeCluster(view, versions));
    }));

  nodetool.command('gossipinfo')
    .description('Gossip state of every endpoint')
    .action(action(async (ctx) => {
      const view = await ctx.client.clusterView();
      print(ctx, view.endpoints, () => formatGossipInfo(view));
    }));

  nodetool.command('tablestats')
    .alias('cfstats')
    .description('Statistics per table')
    .argument('[names...]', 'keyspace or keyspace.table names (all tables when none)')
    .action(action(async (ctx, [names]) => {
      const filters = (names as string[]).map((n) => {
        const dot = n.indexOf('.');
        return dot < 0 ? { keyspace: n } : { keyspace: n.slice(0, dot), table: n.slice(dot + 1) };
      });
      const answers = await Promise.all((filters.length === 0 ? [{}] : filters).map((f) => ctx.client.tableStats(f)));
      const seen = new Set<string>();
      const tables = answers.flatMap((a) => a.tables).filter((t) => !seen.has(`${t.keyspace}.${t.table}`) && seen.add(`${t.keyspace}.${t.table}`));
      print(ctx, { tables }, () => formatTableStats({ tables }));
    }));

  nodetool.command('compactionstats')
    .description('Pending and active compactions')
    .action(action(async (ctx) => {
      const compactions = await ctx.client.compactions();
      print(ctx, compactions, () => formatCompactionStats(compactions));
    }));

  nodetool.command('netstats')
    .description('Operation mode and streaming sessions')
    .action(action(async (ctx) => {
      const [info, streams] = await Promise.all([ctx.client.nodeInfo(), ctx.client.streams()]);
      print(ctx, { mode: info.operationMode, sessions: streams.sessions }, () => formatNetStats(info, streams));
    }));

  const tablesArguments = (command: Command): Command =>
    command.argument('[keyspace]', 'keyspace (all when absent)').argument('[tables...]', 'tables of the keyspace (all when none)');
  const scope = (keyspace: unknown, tables: unknown): { keyspace?: string; tables?: string[] } => ({
    ...(keyspace === undefined ? {} : { keyspace: keyspace as string }),
    ...((tables as string[] | undefined)?.length ? { tables: tables as string[] } : {}),
  });

  tablesArguments(nodetool.command('flush').description('Flush memtables to SSTables'))
    .action(action(async (ctx, [keyspace, tables]) => operation(ctx, 'flush', scope(keyspace, tables))));

  tablesArguments(nodetool.command('compact').description('Major compaction'))
    .option('-s, --split-output', 'split the output into several SSTables')
    .action(action(async (ctx, [keyspace, tables], command) =>
      operation(ctx, 'compact', { ...scope(keyspace, tables), splitOutput: command.opts<{ splitOutput?: boolean }>().splitOutput === true })));

  tablesArguments(nodetool.command('garbagecollect').description('Remove data shadowed by deletions in other SSTables, one SSTable at a time'))
    .option('-g, --granularity <granularity>', 'ROW (accepted for compatibility; rows and partitions are collected)')
    .action(action(async (ctx, [keyspace, tables]) => operation(ctx, 'garbagecollect', scope(keyspace, tables))));

  tablesArguments(nodetool.command('verify').description('Check every SSTable\'s checksums and structure; corrupt ones are quarantined'))
    .option('-e, --extended-verify', 'decode every row (always done; accepted for compatibility)')
    .action(action(async (ctx, [keyspace, tables]) => operation(ctx, 'verify', scope(keyspace, tables))));

  tablesArguments(nodetool.command('scrub').description('Rewrite SSTables around corrupt blocks and salvage quarantined ones'))
    .action(action(async (ctx, [keyspace, tables]) => operation(ctx, 'scrub', scope(keyspace, tables))));

  nodetool.command('setcompactionthroughput')
    .description('Set the compaction throughput cap in MiB/s (0 disables throttling)')
    .argument('<value_in_mb>', 'MiB per second', (value) => {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('value_in_mb must be a number >= 0');
      return n;
    })
    .action(action(async (ctx, [value]) => {
      const answer = await ctx.client.setCompactionThroughput(value as number);
      if (ctx.json) io.write(`${JSON.stringify(answer, null, 2)}\n`);
    }));

  nodetool.command('getcompactionthroughput')
    .description('Print the compaction throughput cap in MiB/s')
    .action(action(async (ctx) => {
      const answer = await ctx.client.compactionThroughput();
      print(ctx, answer, () => `Current compaction throughput: ${answer.mbPerSecond} MiB/s\n`);
    }));

  tablesArguments(nodetool.command('cleanup').description('Drop data this node no longer owns'))
    .action(action(async (ctx, [keyspace, tables]) => operation(ctx, 'cleanup', scope(keyspace, tables))));

  tablesArguments(nodetool.command('repair').description('Full anti-entropy repair'))
    .option('--pr, --partitioner-range', 'repair only the ranges this node is primary for')
    .option('--full', 'full repair (the only kind offered; accepted for compatibility)')
    .option('--dc, --in-dc <datacenters...>', 'restrict to these datacenters')
    .option('--st, --start-token <token>', 'subrange start token (exclusive)')
    .option('--et, --end-token <token>', 'subrange end token (inclusive)')
    .action(action(async (ctx, [keyspace, tables], command) => {
      const o = command.opts<{ partitionerRange?: boolean; inDc?: string[]; startToken?: string; endToken?: string }>();
      await operation(ctx, 'repair', {
        ...scope(keyspace, tables),
        primaryRange: o.partitionerRange === true,
        ...(o.inDc === undefined ? {} : { datacenters: o.inDc }),
        ...(o.startToken === undefined ? {} : { startToken: o.startToken }),
        ...(o.endToken === undefined ? {} : { endToken: o.endToken }),
      });
    }));

  nodetool.command('drain')
    .description('Flush memtables and stop serving CQL (the process stays up until stopped)')
    .action(action(async (ctx) => operation(ctx, 'drain', {})));

  nodetool.command('decommission')
    .description('Stream this node\'s data to the others and leave the ring')
    .option('-f, --force', 'leave even if a datacenter drops below a keyspace\'s replication factor')
    .action(action(async (ctx, _args, command) => operation(ctx, 'decommission', { force: command.opts<{ force?: boolean }>().force === true })));

  nodetool.command('removenode')
    .description('Remove a dead node from the ring, restoring replicas from the others')
    .argument('<hostId>', 'host id of the DOWN node')
    .option('-f, --force', 'finish a stuck removal without waiting for streams')
    .action(action(async (ctx, [hostId], command) =>
      operation(ctx, 'removenode', { hostId: hostId as string, force: command.opts<{ force?: boolean }>().force === true })));

  nodetool.command('rebuild')
    .description('Stream every range this node owns from other replicas')
    .argument('[sourceDatacenter]', 'stream only from this datacenter')
    .option('--ks, --keyspace <keyspace>', 'rebuild only this keyspace')
    .action(action(async (ctx, [source], command) => {
      const ks = command.opts<{ keyspace?: string }>().keyspace;
      await operation(ctx, 'rebuild', { ...(source === undefined ? {} : { sourceDatacenter: source as string }), ...(ks === undefined ? {} : { keyspace: ks }) });
    }));

  return nodetool;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function describeError(error: unknown, target: string): string {
  if (error instanceof ManagementApiError) {
    if (error.code === 'MGMT_ERR_CONNECTION' || error.code === 'MGMT_ERR_TIMEOUT') return `Failed to connect to '${target}': ${error.message}`;
    if (error.code === 'MGMT_ERR_UNAUTHORIZED') return `${error.message} (give --token-file or set CASSIA_MANAGEMENT_TOKEN_FILE)`;
    return `${error.code}: ${error.message}${error.jobId === undefined ? '' : ` (job ${error.jobId})`}`;
  }
  return error instanceof Error ? error.message : String(error);
}
