// The Cassia operator: flags/env -> Kubernetes client -> leader election -> controllers.
// `npm run operator -- --help` lists the flags; every flag also reads an environment variable.
import { hostname } from 'node:os';
import { Command, Option } from 'commander';
import { KubeConfig } from '@kubernetes/client-node';
import { Manager } from './manager.ts';
import { HttpKubeApi, LEADER_ELECTION_DEFAULTS, OperatorMetrics, createLogger, realClock } from './runtime/index.ts';

interface Flags {
  kubeconfig?: string;
  namespace?: string;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  metricsBindAddress: string;
  workers: string;
  clusterDomain: string;
  logLevel: string;
}

export function parseFlags(argv: readonly string[]): Flags {
  const program = new Command('cassia-operator')
    .description('Runs CassandraCluster resources (cassia.dev/v1alpha1) on Kubernetes')
    .addOption(new Option('--kubeconfig <path>', 'kubeconfig file; in-cluster config or ~/.kube/config when unset').env('KUBECONFIG'))
    .addOption(new Option('--namespace <ns>', 'watch only this namespace (all namespaces when unset)').env('WATCH_NAMESPACE'))
    .addOption(new Option('--no-leader-elect', 'run without leader election (a single replica)'))
    .addOption(new Option('--lease-namespace <ns>', 'namespace of the leader election Lease').env('POD_NAMESPACE').default('default'))
    .addOption(new Option('--lease-name <name>', 'name of the leader election Lease').env('CASSIA_OPERATOR_LEASE_NAME').default('cassia-operator'))
    .addOption(new Option('--identity <id>', 'this replica\'s identity in the Lease').env('POD_NAME').default(`${hostname()}-${process.pid}`))
    .addOption(new Option('--metrics-bind-address <host:port>', '/metrics, /healthz and /readyz').env('CASSIA_OPERATOR_METRICS_ADDRESS').default('0.0.0.0:8081'))
    .addOption(new Option('--workers <n>', 'concurrent reconciles').env('CASSIA_OPERATOR_WORKERS').default('4'))
    .addOption(new Option('--cluster-domain <domain>', 'DNS domain of the Kubernetes cluster').env('CASSIA_CLUSTER_DOMAIN').default('cluster.local'))
    .addOption(new Option('--log-level <level>', 'pino level').env('LOG_LEVEL').default('info'))
    .exitOverride();
  program.parse(argv, { from: 'user' });
  return program.opts<Flags>();
}

export async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv);
  const log = createLogger({ level: flags.logLevel });
  const kc = new KubeConfig();
  if (flags.kubeconfig !== undefined) kc.loadFromFile(flags.kubeconfig);
  else kc.loadFromDefault();
  const api = new HttpKubeApi(kc);
  const [host, port] = splitHostPort(flags.metricsBindAddress);
  const manager = new Manager({
    api,
    clock: realClock,
    log,
    metrics: new OperatorMetrics({ processMetrics: true }),
    identity: flags.identity,
    clusterDomain: flags.clusterDomain,
    namespace: flags.namespace,
    workers: Number(flags.workers),
    leaderElection: flags.leaderElect ? { namespace: flags.leaseNamespace, name: flags.leaseName, identity: flags.identity, ...LEADER_ELECTION_DEFAULTS } : undefined,
    health: { host, port },
  });
  const stop = new AbortController();
  const onSignal = (sig: string): void => {
    log.info({ signal: sig }, 'shutting down');
    stop.abort();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  log.info({ identity: flags.identity, namespace: flags.namespace ?? '(all)', leaderElect: flags.leaderElect, server: kc.getCurrentCluster()?.server }, 'cassia operator starting');
  const outcome = await manager.run(stop.signal);
  log.info({ outcome }, 'cassia operator stopped');
  return outcome === 'stopped' ? 0 : 1;
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
  return [host, Number(address.slice(i + 1))];
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
    if (typeof code === 'string' && code.startsWith('commander.')) process.exit(2);
    console.error(error);
    process.exit(1);
  });
}
