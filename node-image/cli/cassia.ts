#!/usr/bin/env node
// The `cassia` command (package bin): `node` runs one node in the foreground, `local` manages a dev
// cluster of node processes on 127.0.0.x, `cqlsh` is the CQL shell. Thin: flags are parsed here and
// each subcommand's module is loaded only when it runs (a node never loads the driver).
import { Command, InvalidArgumentError, Option } from 'commander';
import { createNodetoolCommand, processIo } from './nodetool/index.ts';

function integer(name: string, min: number, max: number): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return n;
  };
}

const port = integer('port', 0, 65535);
const seconds = integer('seconds', 1, 3600);

interface LocalFlags {
  dir?: string;
  nodes?: number;
  datacenters?: string;
  racks?: number;
  basePort?: number;
  storagePort?: number;
  managementPort?: number;
  commitlogSync?: 'periodic' | 'batch';
  clusterName?: string;
  foreground?: boolean;
  startTimeout: number;
  stopTimeout: number;
  yes?: boolean;
}

function cliIo(): { out(line: string): void; err(line: string): void; cwd: string } {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    cwd: process.cwd(),
  };
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('cassia')
    .description('Cassia: a Cassandra-compatible database. Run a node, a local dev cluster, or the CQL shell.')
    .showHelpAfterError();

  program.command('node')
    .description('run one node in the foreground (stops cleanly on SIGTERM/Ctrl-C)')
    .requiredOption('--config <file>', 'cassia.yaml of the node')
    .action(async (flags: { config: string }) => {
      const { main } = await import('../src/main.ts');
      setExitCode(await main(['--config', flags.config], process.env));
    });

  const local = program.command('local').description('a local dev cluster: node i listens on 127.0.0.i, data under --dir');
  const dirOption = (): Option => new Option('--dir <dir>', 'cluster folder (default .cassia/local)');
  const stopOption = (): Option => new Option('--stop-timeout <seconds>', 'SIGTERM grace before SIGKILL').argParser(seconds).default(30);

  local.command('up')
    .description('start the nodes that are not running; returns once every node serves CQL')
    .option('--nodes <n>', 'number of nodes (default 1)', integer('--nodes', 1, 254))
    .option('--datacenters <list>', 'nodes per data center, e.g. dc1:3,dc2:3')
    .option('--racks <r>', 'racks per data center (default 1)', integer('--racks', 1, 64))
    .option('--base-port <port>', 'CQL port of every node, each on its own address (default 9042)', port)
    .option('--storage-port <port>', 'internode port (default 7000)', port)
    .option('--management-port <port>', 'management HTTP port (default 8080; 0 = any free port)', port)
    .addOption(new Option('--commitlog-sync <mode>', 'commit log sync mode (default periodic)').choices(['periodic', 'batch']))
    .option('--cluster-name <name>', "cluster_name (default 'Cassia Local')")
    .option('--foreground', 'stay attached: print the logs, stop the nodes on Ctrl-C/SIGTERM')
    .addOption(dirOption())
    .addOption(new Option('--start-timeout <seconds>', 'how long to wait for CQL').argParser(seconds).default(60))
    .addOption(stopOption())
    .action(async (flags: LocalFlags) => {
      const { localUp } = await import('./local/local-cluster.ts');
      setExitCode(await localUp({
        dir: flags.dir, nodes: flags.nodes, datacenters: flags.datacenters, racks: flags.racks, basePort: flags.basePort,
        storagePort: flags.storagePort, managementPort: flags.managementPort, commitLogSync: flags.commitlogSync,
        clusterName: flags.clusterName, foreground: flags.foreground === true,
        startTimeoutMs: flags.startTimeout * 1000, stopTimeoutMs: flags.stopTimeout * 1000,
      }, cliIo()));
    });

  local.command('add')
    .description('start one more node that joins the running local cluster (bootstraps; a new --dc joins without streaming)')
    .option('--dc <name>', 'data center (default: the first node\'s)')
    .option('--rack <name>', 'rack (default rack1)')
    .addOption(dirOption())
    .addOption(new Option('--start-timeout <seconds>', 'how long to wait for the node to join and serve CQL').argParser(seconds).default(300))
    .addOption(stopOption())
    .action(async (flags: LocalFlags & { dc?: string; rack?: string }) => {
      const { localAdd } = await import('./local/local-add.ts');
      setExitCode(await localAdd({
        dir: flags.dir, ...(flags.dc === undefined ? {} : { dc: flags.dc }), ...(flags.rack === undefined ? {} : { rack: flags.rack }),
        startTimeoutMs: flags.startTimeout * 1000, stopTimeoutMs: flags.stopTimeout * 1000,
      }, cliIo()));
    });

  local.command('down')
    .description('stop the nodes (SIGTERM, bounded wait, SIGKILL); data is kept')
    .addOption(dirOption())
    .addOption(stopOption())
    .action(async (flags: LocalFlags) => {
      const { localDown } = await import('./local/local-cluster.ts');
      setExitCode(await localDown({ dir: flags.dir, stopTimeoutMs: flags.stopTimeout * 1000 }, cliIo()));
    });

  local.command('status')
    .description('a table of the nodes: address, pid, process up/down, CQL reachable')
    .addOption(dirOption())
    .action(async (flags: LocalFlags) => {
      const { localStatus } = await import('./local/local-cluster.ts');
      setExitCode(await localStatus({ dir: flags.dir }, cliIo()));
    });

  local.command('clear')
    .description('stop the nodes and delete the cluster folder with all data (needs --yes)')
    .option('--yes', 'confirm the deletion')
    .addOption(dirOption())
    .addOption(stopOption())
    .action(async (flags: LocalFlags) => {
      const { localClear } = await import('./local/local-cluster.ts');
      setExitCode(await localClear({ dir: flags.dir, yes: flags.yes === true, stopTimeoutMs: flags.stopTimeout * 1000 }, cliIo()));
    });

  program.command('cqlsh')
    .description('the CQL shell (defaults to the local cluster, else $CQLSH_HOST:$CQLSH_PORT, else 127.0.0.1:9042)')
    .argument('[host]', 'host or host:port')
    .argument('[port]', 'port')
    .option('-e, --execute <statements>', 'run the statements and exit')
    .option('-f, --file <file>', 'run the statements of a file and exit')
    .option('-k, --keyspace <keyspace>', 'keyspace to use')
    .option('-u, --username <user>', 'user name (PasswordAuthenticator)')
    .option('-p, --password <password>', 'password (prompted when -u is given without it)')
    .option('--consistency <level>', 'initial consistency level (default ONE)')
    .option('--ssl', 'connect with TLS (client_encryption_options); the CA comes from --ssl-ca or $SSL_CERTFILE')
    .option('--ssl-ca <file>', 'PEM CA certificate(s) the node\'s certificate must chain to (implies --ssl)')
    .option('--ssl-cert <file>', 'PEM client certificate for require_client_auth (with --ssl-key; implies --ssl)')
    .option('--ssl-key <file>', 'PEM private key of --ssl-cert (implies --ssl)')
    .addOption(dirOption())
    .action(async (host: string | undefined, portArg: string | undefined, flags: Record<string, string | boolean | undefined>) => {
      const { runCqlsh, CqlshUsageError } = await import('./cqlsh/cqlsh-command.ts');
      try {
        const text = (name: string): string | undefined => flags[name] as string | undefined;
        setExitCode(await runCqlsh([host, portArg].filter((a): a is string => a !== undefined), {
          execute: text('execute'), file: text('file'), keyspace: text('keyspace'), username: text('username'),
          password: text('password'), consistency: text('consistency'), dir: text('dir'),
          ssl: flags['ssl'] === true, sslCa: text('sslCa'), sslCert: text('sslCert'), sslKey: text('sslKey'),
        }, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }));
      } catch (error) {
        if (!(error instanceof CqlshUsageError)) throw error;
        process.stderr.write(`cassia cqlsh: ${error.message}\n`);
        setExitCode(2);
      }
    });
  program.addCommand(createNodetoolCommand({ ...processIo(), setExitCode }));
  return program;
}

export async function cli(argv: readonly string[]): Promise<number> {
  let code = 0;
  await buildProgram((c) => {
    code = c;
  }).parseAsync([...argv], { from: 'user' });
  return code;
}

if (import.meta.main) {
  cli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // Anything still holding the event loop (a driver socket, stdin) must not keep the command alive.
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (error: unknown) => {
      process.stderr.write(`cassia: fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
