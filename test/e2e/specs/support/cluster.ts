// What specs use to talk to the cluster the runner set up: kubectl, the raw API, namespaces,
// fixtures with ${VAR} substitution, the cluster DNS, and loud skipping of pending scenarios.
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe } from 'vitest';
import { decodeAnswerAddresses, DnsType, encodeQuery, Rcode } from '../../dns/dns-message.ts';
import { KubeRest } from '../../kube/kube-rest.ts';
import { run } from '../../lib/exec-file.ts';
import { recordScenarioTime } from '../../lib/scenario-times.ts';
import { scenarioGate, type OperatorScenario } from '../../operator-gate.ts';
import { waitFor } from '../../lib/wait.ts';

export { waitFor } from '../../lib/wait.ts';

export const e2eDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const repoDir = path.resolve(e2eDir, '../..');
export const namespaceReadyTimeoutMs = 30_000;
export const namespaceDeleteTimeoutMs = 120_000;
export const dnsQueryTimeoutMs = 2_000;

export type E2eEnv = {
  provider: 'local' | 'kind';
  kubeconfig: string;
  kubectl: string;
  dnsServer: string | undefined;
  runDir: string;
  /** 'installed' when the runner installed the CRDs and the operator; else why not. */
  operator: string;
};

export function e2eEnv(): E2eEnv {
  const e = process.env;
  const kubeconfig = e['KUBECONFIG'];
  if (!kubeconfig) throw new Error('KUBECONFIG is not set: run the specs through `npm run test:e2e` (test/e2e/run.ts)');
  return {
    provider: e['CASSIA_E2E_PROVIDER'] === 'kind' ? 'kind' : 'local',
    kubeconfig,
    kubectl: e['CASSIA_E2E_KUBECTL'] ?? 'kubectl',
    dnsServer: e['CASSIA_E2E_DNS_SERVER'],
    runDir: e['CASSIA_E2E_RUN_DIR'] ?? '',
    operator: e['CASSIA_E2E_OPERATOR'] ?? 'not installed (specs not started by run.ts)',
  };
}

export function hasCluster(): boolean {
  return Boolean(process.env['KUBECONFIG'] && process.env['CASSIA_E2E_PROVIDER']);
}

let restClient: Promise<KubeRest> | undefined;
export async function api(): Promise<KubeRest> {
  restClient ??= KubeRest.fromKubeconfigFile(e2eEnv().kubeconfig);
  return restClient;
}

export async function kubectl(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const env = e2eEnv();
  const { stdout } = await run(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args], options);
  return stdout;
}

/** Reads test/e2e/fixtures/<rel> and substitutes ${NAME} from vars (unknown names throw). */
export function fixture(rel: string, vars: Record<string, string> = {}): string {
  const text = fs.readFileSync(path.join(e2eDir, 'fixtures', rel), 'utf8');
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`fixture ${rel}: no value for \${${name}}`);
    return v;
  });
}

export async function applyYaml(namespace: string, yaml: string): Promise<void> {
  await kubectl(['apply', '-n', namespace, '-f', '-'], { input: yaml });
}

/** Creates a uniquely named namespace and waits for its default ServiceAccount. */
export async function createNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${Date.now().toString(36)}`;
  const rest = await api();
  await rest.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'cassia.dev/e2e': 'true' } } });
  await waitFor('default serviceaccount', () => rest.getOrNull(`/api/v1/namespaces/${name}/serviceaccounts/default`).then((sa) => sa !== null), {
    timeoutMs: namespaceReadyTimeoutMs,
  });
  return name;
}

/** Deletes the namespace and waits until it is gone (every pod finalized by the kubelet). */
export async function deleteNamespace(name: string, options: { wait?: boolean } = {}): Promise<void> {
  const rest = await api();
  await rest.delete(`/api/v1/namespaces/${name}`);
  if (options.wait === false) return;
  await waitFor(`namespace ${name} deleted`, () => rest.getOrNull(`/api/v1/namespaces/${name}`).then((ns) => ns === null), {
    timeoutMs: namespaceDeleteTimeoutMs,
    intervalMs: 500,
  });
}

/** A-record lookup against the provider's cluster DNS (local provider). */
export async function resolveA(name: string): Promise<{ rcode: number; addresses: string[] }> {
  const server = e2eEnv().dnsServer;
  if (!server) throw new Error('no CASSIA_E2E_DNS_SERVER (only the local provider exposes its DNS to the host)');
  const [host, port] = server.split(':') as [string, string];
  const id = Math.floor(Math.random() * 0xffff);
  const sock = dgram.createSocket('udp4');
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`DNS query ${name} timed out`)), dnsQueryTimeoutMs);
      sock.on('message', (msg) => {
        const a = decodeAnswerAddresses(msg);
        if (a.id !== id) return;
        clearTimeout(timer);
        resolve({ rcode: a.rcode, addresses: [...a.addresses].sort() });
      });
      sock.on('error', reject);
      sock.send(encodeQuery({ id, name, qtype: DnsType.A }), Number(port), host);
    });
  } finally {
    sock.close();
  }
}
export { Rcode };

/** GET/POST JSON over plain HTTP (pod IPs are reachable from the host on the local provider). */
export async function httpJson<T = Record<string, unknown>>(url: string, options: { method?: string; timeoutMs?: number } = {}): Promise<T> {
  const res = await fetch(url, { method: options.method ?? 'GET', signal: AbortSignal.timeout(options.timeoutMs ?? 5_000) });
  if (!res.ok) throw new Error(`${options.method ?? 'GET'} ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/**
 * An operator scenario (name as in test/e2e/operator-gate.ts): skipped, loudly and with the
 * reason, when its gate is off or run.ts could not install the operator.
 */
export function describeWithOperator(scenario: OperatorScenario, title: string, fn: () => void): void {
  const gate = scenarioGate(scenario);
  const operator = process.env['CASSIA_E2E_OPERATOR'] ?? 'not installed';
  if (gate.run && operator === 'installed') {
    describe(title, () => {
      // Registered before the scenario's own hooks: with vitest's default 'stack' hook order this
      // beforeAll runs first and this afterAll last, so the time includes cluster setup/teardown.
      let startMs = 0;
      beforeAll(() => {
        startMs = Date.now();
      });
      afterAll(() => recordScenarioTime({ runDir: e2eEnv().runDir, scenario: `operator-${scenario}`, wallMs: Date.now() - startMs }));
      fn();
    });
    return;
  }
  const reason = gate.run ? `operator not installed: ${operator}` : `disabled in test/e2e/operator-gate.ts: ${gate.reason}`;
  console.warn(`\n*** SKIPPED e2e scenario operator-${scenario} "${title}": ${reason} ***\n`);
  describe.skip(`${title} [SKIPPED: ${reason}]`, fn);
}

/** Local-provider-only harness checks are skipped loudly elsewhere. */
export function describeLocalOnly(title: string, fn: () => void): void {
  if (process.env['CASSIA_E2E_PROVIDER'] === 'local') {
    describe(title, fn);
    return;
  }
  const reason = `local provider only (runs local executables as containers); provider is ${process.env['CASSIA_E2E_PROVIDER'] ?? 'unset'}`;
  console.warn(`\n*** SKIPPED e2e scenario "${title}": ${reason} ***\n`);
  describe.skip(`${title} [${reason}]`, fn);
}
