// `npm run test:chart`: the packaging checks. Builds helm and kubeconform from the Go module
// proxy (cached), lints and renders both charts for every values case, checks the generated files
// are in sync, then on a real local control plane (test/e2e's) server-side dry-runs every
// rendered manifest and example, applies them twice (server-side and client-side apply) and
// checks the second apply changes nothing, installs/upgrades/uninstalls with helm, validates with
// kubeconform against the server's own schemas, and runs the operator under the chart's RBAC in
// both install scopes. Prints per-step timings; tears everything down on success and failure.
// Flags: --write-manifests (regenerate charts/manifests/ and exit), --keep (keep the run folder).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { ensureBinaries, LocalControlPlane } from '../e2e/controlplane/control-plane.ts';
import { freePort } from '../e2e/lib/free-port.ts';
import { waitFor } from '../e2e/lib/wait.ts';
import { ManagedProcess } from '../e2e/lib/managed-process.ts';
import { PLAIN_MANIFEST, REFUSED_VALUES, RENDER_CASES, chartsDir, exampleFiles, repoDir, valuesDir, type RenderCase } from './cases.ts';
import { exec, execOk } from './exec.ts';
import { crdKubeconformSchema, crdVersionSchemas, kubeconformFileName, KUBECONFORM_SCHEMA_TEMPLATE, openApiV2KubeconformSchemas, type Json } from './json-schema.ts';
import { applySnapshot, kindsOf, objectId, parseManifests, subsetMismatches, type KubeObject } from './manifests.ts';
import { canIArgs, canIExpectations } from './rbac-expectations.ts';
import { sync } from './sync-crds.ts';

/** The Kubernetes version of the local control plane (test/e2e/controlplane/build.sh). */
const KUBE_VERSION = process.env['CASSIA_K8S_VERSION'] ?? '1.35.4';
/** Whole run bound: the CI stage must end even if a component hangs. */
const RUN_TIMEOUT_MS = 30 * 60_000;
/** Objects are "settled" when their resourceVersions stay put this long after an apply. */
const SETTLE_QUIET_MS = 2_000;
const SETTLE_TIMEOUT_MS = 30_000;
/** The operator under the chart's RBAC must create a cluster's objects within this time. */
const OPERATOR_RECONCILE_TIMEOUT_MS = 90_000;
/** After the operator settled, its CassandraCluster is watched this long for status rewrites. */
const FLAP_WATCH_MS = 15_000;
/** Status writes tolerated in FLAP_WATCH_MS while nothing changes (0: a settled status is not rewritten). */
const FLAP_WRITES_MAX = 0;
const OPERATOR_STOP_GRACE_MS = 40_000;
/** kubectl auth can-i questions asked at once. */
const CAN_I_PARALLEL = 8;
const FIELD_MANAGER = 'cassia-chart-test';
/** PodSecurity labels of every namespace the checks apply into: violations are errors. */
const RESTRICTED_LABELS = ['pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted'];
const CLUSTER_CRD_NAME = 'cassandraclusters.cassia.dev';
const crdDir = path.join(chartsDir, 'cassia-operator', 'crds');
const serviceMonitorCrd = path.join(import.meta.dirname, 'fixtures', 'servicemonitor-crd-stub.yaml');

const log = (msg: string): void => console.log(`[chart] ${msg}`);

interface StepTiming {
  name: string;
  seconds: number;
  ok: boolean;
}
const timings: StepTiming[] = [];

async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log(`--- ${name}`);
  let ok = false;
  try {
    const result = await fn();
    ok = true;
    return result;
  } finally {
    const seconds = (Date.now() - started) / 1000;
    timings.push({ name, seconds, ok });
    log(`--- ${name}: ${ok ? 'ok' : 'FAILED'} in ${seconds.toFixed(1)}s`);
  }
}

function printTimings(): void {
  const width = Math.max(...timings.map((t) => t.name.length), 4);
  console.log(`\n${'step'.padEnd(width)}  result  seconds`);
  for (const t of timings) console.log(`${t.name.padEnd(width)}  ${(t.ok ? 'ok' : 'FAILED').padEnd(6)}  ${t.seconds.toFixed(1).padStart(7)}`);
  console.log(`${'total'.padEnd(width)}          ${timings.reduce((s, t) => s + t.seconds, 0).toFixed(1).padStart(7)}`);
}

interface Tools {
  helm: string;
  kubeconform: string;
}

async function buildTools(): Promise<Tools> {
  const script = path.join(import.meta.dirname, 'build-tools.sh');
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (text += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`${script} failed (exit ${code}); is Go installed? see the output above`))));
  });
  const paths = Object.fromEntries(out.trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
  if (paths.helm === undefined || paths.kubeconform === undefined) throw new Error(`unexpected output of ${script}: ${out}`);
  const version = await execOk(paths.helm, ['version', '--short']);
  log(`helm ${version.stdout.trim()}, kubeconform ${(await execOk(paths.kubeconform, ['-v'])).stdout.trim()}`);
  return { helm: paths.helm, kubeconform: paths.kubeconform };
}

function valuesArgs(c: RenderCase): string[] {
  return c.valuesFiles.flatMap((f) => ['-f', path.join(valuesDir, f)]);
}

async function helmTemplate(tools: Tools, options: { chart: string; release: string; namespace: string; args?: readonly string[] }): Promise<string> {
  const r = await execOk(tools.helm, [
    'template', options.release, path.join(chartsDir, options.chart),
    '--namespace', options.namespace,
    '--kube-version', KUBE_VERSION,
    '--api-versions', 'monitoring.coreos.com/v1',
    ...(options.args ?? []),
  ]);
  return r.stdout;
}

const PLAIN_MANIFEST_HEADER = [
  '# The Cassia operator as plain manifests: CRDs, namespace cassia-system, RBAC (cluster scope),',
  '# a 2-replica leader-elected Deployment and its metrics Service. Generated from the chart',
  '# charts/cassia-operator with its default values by `node test/chart/run.ts --write-manifests`',
  '# (helm template --include-crds); `npm run test:chart` fails when it is out of date. Do not edit.',
  '#   kubectl apply --server-side -f charts/manifests/cassia-operator.yaml',
].join('\n');

async function renderPlainManifest(tools: Tools): Promise<string> {
  const body = await helmTemplate(tools, { chart: 'cassia-operator', release: PLAIN_MANIFEST.release, namespace: PLAIN_MANIFEST.namespace, args: ['--include-crds'] });
  const namespace = `---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${PLAIN_MANIFEST.namespace}\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n`;
  return `${PLAIN_MANIFEST_HEADER}\n${namespace}${body}`;
}

/** kubectl against the local control plane (admin, or a given kubeconfig). */
class Kubectl {
  readonly bin: string;
  readonly kubeconfig: string;
  constructor(options: { bin: string; kubeconfig: string }) {
    this.bin = options.bin;
    this.kubeconfig = options.kubeconfig;
  }
  run(args: readonly string[], input?: string): ReturnType<typeof exec> {
    return exec(this.bin, ['--kubeconfig', this.kubeconfig, ...args], input === undefined ? {} : { input });
  }
  async ok(args: readonly string[], input?: string): Promise<string> {
    const r = await execOk(this.bin, ['--kubeconfig', this.kubeconfig, ...args], input === undefined ? {} : { input });
    return r.stdout;
  }
  async getJson<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, '-o', 'json'])) as T;
  }
}

/**
 * kubectl warnings (PodSecurity, deprecations, unknown fields) on stderr, except kubectl's note
 * that an object this run created otherwise (the namespaces, the CRD) lacks its annotation.
 */
function warningsIn(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /^Warning:/i.test(l.trim()) && !l.includes('missing the kubectl.kubernetes.io/last-applied-configuration annotation'));
}

async function createNamespaces(kubectl: Kubectl, names: Iterable<string>): Promise<void> {
  for (const ns of new Set(names)) {
    const exists = await kubectl.run(['get', 'namespace', ns]);
    if (exists.code !== 0) await kubectl.ok(['create', 'namespace', ns]);
    await kubectl.ok(['label', '--overwrite', 'namespace', ns, ...RESTRICTED_LABELS]);
  }
}

async function waitCrdEstablished(kubectl: Kubectl, name: string): Promise<void> {
  await waitFor(`CRD ${name} Established`, async () => {
    const r = await kubectl.run(['get', 'crd', name, '-o', 'jsonpath={.status.conditions[?(@.type=="Established")].status}']);
    return r.code === 0 && r.stdout.trim() === 'True';
  }, { timeoutMs: 60_000, intervalMs: 200 });
}

/** One file to apply, with the namespace for objects that do not name one. */
interface ApplyUnit {
  readonly label: string;
  readonly file: string;
  readonly namespace?: string;
}

function nsArgs(u: ApplyUnit): string[] {
  return u.namespace === undefined ? [] : ['-n', u.namespace];
}

async function liveObjects(kubectl: Kubectl, u: ApplyUnit): Promise<Map<string, Json>> {
  const list = await kubectl.getJson<{ items?: Json[]; kind?: string }>(['get', '-f', u.file, ...nsArgs(u)]);
  const items = list.items ?? [list as Json];
  return new Map(items.map((o) => [objectId(o as unknown as KubeObject), o]));
}

const rvOf = (o: Json): string => String((o.metadata as Json).resourceVersion);

async function waitSettled(kubectl: Kubectl, units: readonly ApplyUnit[]): Promise<Map<string, Json>> {
  const read = async (): Promise<Map<string, Json>> => {
    const all = new Map<string, Json>();
    for (const u of units) for (const [k, v] of await liveObjects(kubectl, u)) all.set(k, v);
    return all;
  };
  let last = await read();
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    await new Promise((r) => setTimeout(r, SETTLE_QUIET_MS));
    const now = await read();
    const moved = [...now].filter(([k, o]) => last.get(k) === undefined || rvOf(last.get(k)!) !== rvOf(o)).map(([k]) => k);
    if (moved.length === 0) return now;
    if (Date.now() > deadline) throw new Error(`objects never settled after ${SETTLE_TIMEOUT_MS} ms: ${moved.join(', ')}`);
    last = now;
  }
}

/**
 * Applies every unit twice with `mode`, then checks that the second apply wrote nothing (same
 * resourceVersions, or only controller status moved), that `kubectl diff` is empty, and that
 * every manifest field is in the live object as written (no GitOps drift).
 */
async function applyTwice(kubectl: Kubectl, units: readonly ApplyUnit[], mode: 'server-side' | 'client-side'): Promise<string[]> {
  const applyArgs = mode === 'server-side' ? ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`] : ['apply', `--field-manager=${FIELD_MANAGER}`];
  const problems: string[] = [];
  for (const u of units) {
    const r = await kubectl.run([...applyArgs, '-f', u.file, ...nsArgs(u)]);
    if (r.code !== 0) throw new Error(`first ${mode} apply of ${u.label} failed:\n${r.stderr}`);
    for (const w of warningsIn(r.stderr)) problems.push(`${u.label}: ${w}`);
  }
  const before = await waitSettled(kubectl, units);
  for (const u of units) {
    const r = await kubectl.run([...applyArgs, '-f', u.file, ...nsArgs(u)]);
    if (r.code !== 0) throw new Error(`second ${mode} apply of ${u.label} failed:\n${r.stderr}`);
    // A client-side "configured" means kubectl's three-way patch was not empty, which is also
    // what Argo CD's default diff computes: OutOfSync forever (e.g. a default the API server
    // fills in inside a list item of a custom resource). PodDisruptionBudgets are the exception:
    // their selector has patchStrategy "replace", so kubectl re-sends it on every apply although
    // nothing changes (the resourceVersion check below still holds them to "no write").
    const configured = r.stdout.split('\n').map((l) => l.trim()).filter((l) => l.endsWith(' configured'));
    for (const line of configured) {
      if (mode === 'client-side' && !line.startsWith('poddisruptionbudget.policy/')) problems.push(`${u.label}: second apply reported ${line}`);
    }
  }
  const after = new Map<string, Json>();
  for (const u of units) for (const [k, v] of await liveObjects(kubectl, u)) after.set(k, v);
  let unchanged = 0;
  for (const [id, o] of after) {
    const prev = before.get(id);
    if (prev === undefined) {
      problems.push(`${id}: appeared only after the second apply`);
    } else if (rvOf(prev) === rvOf(o)) {
      unchanged++;
    } else if (applySnapshot(prev, FIELD_MANAGER) !== applySnapshot(o, FIELD_MANAGER)) {
      problems.push(`${id}: the second ${mode} apply changed it (resourceVersion ${rvOf(prev)} -> ${rvOf(o)})`);
    }
  }
  log(`${mode}: ${after.size} objects, ${unchanged} with the same resourceVersion after the second apply, the rest changed only by controllers`);
  for (const u of units) {
    const diff = await kubectl.run(['diff', ...(mode === 'server-side' ? ['--server-side', `--field-manager=${FIELD_MANAGER}`] : []), '-f', u.file, ...nsArgs(u)]);
    if (diff.code === 1) problems.push(`${u.label}: kubectl diff is not empty:\n${diff.stdout.slice(0, 2000)}`);
    else if (diff.code !== 0) problems.push(`${u.label}: kubectl diff failed (${diff.code}): ${diff.stderr.trim()}`);
    const manifests = parseManifests(fs.readFileSync(u.file, 'utf8'));
    for (const m of manifests) {
      const live = after.get(objectId(m, u.namespace));
      if (live === undefined) {
        problems.push(`${u.label}: ${objectId(m, u.namespace)} not found`);
        continue;
      }
      for (const mismatch of subsetMismatches(m, live)) problems.push(`${u.label}: ${objectId(m, u.namespace)} drifts from its manifest at ${mismatch}`);
    }
  }
  return problems;
}

function fail(problems: readonly string[], what: string): void {
  if (problems.length === 0) return;
  throw new Error(`${what}:\n  ${problems.join('\n  ')}`);
}

async function kubeconformCheck(tools: Tools, kubectl: Kubectl, files: readonly string[], schemaDir: string): Promise<void> {
  const openapi = JSON.parse(await kubectl.ok(['get', '--raw', '/openapi/v2'])) as Json;
  const objects = files.flatMap((f) => parseManifests(fs.readFileSync(f, 'utf8')));
  const crds = [CLUSTER_CRD_NAME, 'servicemonitors.monitoring.coreos.com'];
  const crdGroups = new Set(['cassia.dev', 'monitoring.coreos.com']);
  const builtins = kindsOf(objects).filter((k) => !crdGroups.has(k.group));
  fs.mkdirSync(schemaDir, { recursive: true });
  for (const [file, schema] of openApiV2KubeconformSchemas(openapi, builtins, { strict: true })) fs.writeFileSync(path.join(schemaDir, file), JSON.stringify(schema));
  for (const name of crds) {
    const crd = await kubectl.getJson<Json>(['get', 'crd', name]);
    for (const v of crdVersionSchemas(crd)) fs.writeFileSync(path.join(schemaDir, kubeconformFileName(v)), JSON.stringify(crdKubeconformSchema(v, { strict: true })));
  }
  const r = await exec(tools.kubeconform, [
    '-strict', '-summary', '-output', 'text',
    '-kubernetes-version', KUBE_VERSION,
    '-schema-location', path.join(schemaDir, KUBECONFORM_SCHEMA_TEMPLATE),
    ...files,
  ]);
  log(r.stdout.trim().split('\n').pop() ?? '');
  if (r.code !== 0) throw new Error(`kubeconform found problems:\n${r.stdout}\n${r.stderr}`);
}

interface OperatorRun {
  readonly process: ManagedProcess;
  readonly logPath: string;
}

async function serviceAccountKubeconfig(kubectl: Kubectl, options: { namespace: string; serviceAccount: string; server: string; caFile: string; file: string }): Promise<string> {
  const token = (await kubectl.ok(['create', 'token', options.serviceAccount, '-n', options.namespace, '--duration=3600s'])).trim();
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: options.server, 'certificate-authority-data': fs.readFileSync(options.caFile).toString('base64') } }],
    users: [{ name: options.serviceAccount, user: { token } }],
    contexts: [{ name: 'sa', context: { cluster: 'local', user: options.serviceAccount } }],
    'current-context': 'sa',
  };
  fs.writeFileSync(options.file, JSON.stringify(config), { mode: 0o600 });
  return options.file;
}

/**
 * Runs the operator as the chart's ServiceAccount would (its token, its flags) against the API
 * server, lets it reconcile examples/single-dc.yaml, and checks: every `can-i` expectation, no
 * forbidden answer in its log, the objects of a cluster created, the Lease held, a settled
 * status not rewritten, a clean stop that releases the Lease.
 */
async function operatorUnderChartRbac(options: {
  kubectl: Kubectl;
  cp: LocalControlPlane;
  runDir: string;
  scope: 'Cluster' | 'Namespace';
  release: string;
  releaseNamespace: string;
  watchedNamespace: string;
  serviceAccount: string;
  leaseName: string;
}): Promise<string[]> {
  const { kubectl, cp, runDir, scope } = options;
  const problems: string[] = [];
  const saKubeconfig = await serviceAccountKubeconfig(kubectl, {
    namespace: options.releaseNamespace,
    serviceAccount: options.serviceAccount,
    server: cp.server,
    caFile: cp.pki.caCert,
    file: path.join(runDir, `sa-${scope}.kubeconfig`),
  });
  const asSa = new Kubectl({ bin: kubectl.bin, kubeconfig: saKubeconfig });
  const otherNs = 'not-watched';
  await createNamespaces(kubectl, [otherNs, options.watchedNamespace]);
  const checks = canIExpectations({ scope, leaseName: options.leaseName });
  const namespaces = { watched: options.watchedNamespace, release: options.releaseNamespace, other: otherNs };
  for (let i = 0; i < checks.length; i += CAN_I_PARALLEL) {
    await Promise.all(checks.slice(i, i + CAN_I_PARALLEL).map(async (c) => {
      const args = canIArgs(c, namespaces);
      const r = await asSa.run(args);
      const allowed = r.stdout.trim() === 'yes';
      if (allowed !== c.allowed) problems.push(`can-i ${args.slice(2).join(' ')}: ${r.stdout.trim() || r.stderr.trim()} (expected ${c.allowed ? 'yes' : 'no'})`);
    }));
  }
  log(`${scope} scope: ${checks.length} can-i checks, ${problems.length} wrong`);

  const identity = `chart-test-${scope.toLowerCase()}`;
  const port = await freePort();
  const logPath = path.join(runDir, `operator-${scope}.log`);
  const args = [
    path.join(repoDir, 'operator', 'main.ts'),
    '--kubeconfig', saKubeconfig,
    '--lease-namespace', options.releaseNamespace,
    '--lease-name', options.leaseName,
    '--identity', identity,
    '--metrics-bind-address', `127.0.0.1:${port}`,
    '--log-level', 'debug',
  ];
  if (scope === 'Namespace') args.push('--namespace', options.watchedNamespace);
  const env = { PATH: process.env['PATH'] ?? '', HOME: os.tmpdir() };
  const operator: OperatorRun = { process: new ManagedProcess({ name: `operator-${scope}`, file: process.execPath, args, logPath, env }), logPath };
  active.processes.add(operator.process);
  const cluster = `rbac-${scope.toLowerCase()}`;
  const example = fs.readFileSync(path.join(repoDir, 'examples', 'single-dc.yaml'), 'utf8').replace(/name: demo/g, `name: ${cluster}`).replace(/clusterName: demo/, `clusterName: ${cluster}`);
  try {
    await waitFor(`operator ${scope} holds Lease ${options.leaseName}`, async () => {
      if (operator.process.hasExited) throw new Error(`operator exited: ${fs.readFileSync(logPath, 'utf8').slice(-3000)}`);
      const r = await kubectl.run(['get', 'lease', options.leaseName, '-n', options.releaseNamespace, '-o', 'jsonpath={.spec.holderIdentity}']);
      return r.stdout.trim() === identity;
    }, { timeoutMs: 60_000, intervalMs: 500 });
    await kubectl.ok(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-n', options.watchedNamespace, '-f', '-'], example);
    const expected = [
      `statefulset/${cluster}-dc1-r1`, `service/${cluster}-nodes`, `service/${cluster}-seeds`, `service/${cluster}-client`,
      `configmap/${cluster}-dc1-config`, `poddisruptionbudget/${cluster}-dc1`, `serviceaccount/${cluster}-node`,
      `role/${cluster}-node`, `rolebinding/${cluster}-node`, `secret/${cluster}-management-token`, `secret/${cluster}-superuser`,
    ];
    const started = Date.now();
    await waitFor(`operator ${scope} creates the objects of ${cluster} and reports status`, async () => {
      if (operator.process.hasExited) throw new Error('operator exited');
      for (const o of expected) if ((await kubectl.run(['get', o, '-n', options.watchedNamespace])).code !== 0) return false;
      const cc = await kubectl.getJson<{ metadata: { generation: number }; status?: { observedGeneration?: number } }>(['get', 'cc', cluster, '-n', options.watchedNamespace]);
      return cc.status?.observedGeneration === cc.metadata.generation;
    }, {
      timeoutMs: OPERATOR_RECONCILE_TIMEOUT_MS,
      intervalMs: 500,
      describe: async () => `--- ${logPath} ---\n${fs.readFileSync(logPath, 'utf8').split('\n').slice(-40).join('\n')}`,
    });
    log(`${scope} scope: the operator created ${expected.length} objects of ${cluster} and wrote its status in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    // A settled status is not rewritten: the cluster waits for pods that cannot be scheduled here
    // (no nodes), nothing changes, so the CassandraCluster's resourceVersion should hold still.
    await new Promise((r) => setTimeout(r, 5_000));
    const rv0 = (await kubectl.ok(['get', 'cc', cluster, '-n', options.watchedNamespace, '-o', 'jsonpath={.metadata.resourceVersion}'])).trim();
    const seen = new Set<string>([rv0]);
    const watchUntil = Date.now() + FLAP_WATCH_MS;
    while (Date.now() < watchUntil) {
      await new Promise((r) => setTimeout(r, 1_000));
      seen.add((await kubectl.ok(['get', 'cc', cluster, '-n', options.watchedNamespace, '-o', 'jsonpath={.metadata.resourceVersion}'])).trim());
    }
    const writes = seen.size - 1;
    log(`${scope} scope: ${writes} status write(s) of a settled CassandraCluster in ${FLAP_WATCH_MS / 1000}s`);
    if (writes > FLAP_WRITES_MAX) problems.push(`${cluster}: status rewritten ${writes} times in ${FLAP_WATCH_MS / 1000}s while nothing changed (status flapping)`);

    // What the node pods would meet in a namespace enforcing PodSecurity "restricted" (informational:
    // the StatefulSet template belongs to the operator's builders).
    const sts = await kubectl.getJson<{ spec: { template: { metadata?: Json; spec: Json }; volumeClaimTemplates?: Array<{ metadata: { name: string } }> } }>(['get', 'statefulset', `${cluster}-dc1-r1`, '-n', options.watchedNamespace]);
    // The StatefulSet controller adds one volume per claim template; stand in with emptyDirs.
    const claimVolumes = (sts.spec.volumeClaimTemplates ?? []).map((t) => ({ name: t.metadata.name, emptyDir: {} }));
    const podSpec = { ...sts.spec.template.spec, volumes: [...((sts.spec.template.spec.volumes as unknown[] | undefined) ?? []), ...claimVolumes] };
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'restricted-probe', labels: sts.spec.template.metadata?.labels ?? {} }, spec: podSpec };
    const probe = await kubectl.run(['create', '--dry-run=server', '-n', options.watchedNamespace, '-f', '-'], JSON.stringify(pod));
    const violation = /violates PodSecurity[^\n]*/.exec(probe.stderr)?.[0];
    log(`${scope} scope: node pod template under PodSecurity restricted: ${probe.code === 0 ? 'admitted' : `refused (${violation ?? probe.stderr.trim()})`} [informational]`);
  } finally {
    const exit = await operator.process.stop(OPERATOR_STOP_GRACE_MS);
    active.processes.delete(operator.process);
    const text = fs.readFileSync(logPath, 'utf8');
    const forbidden = text.split('\n').filter((l) => /forbidden|\b403\b/i.test(l));
    for (const l of forbidden.slice(0, 10)) problems.push(`operator ${scope}: ${l.slice(0, 400)}`);
    if (exit.code !== 0) problems.push(`operator ${scope} exited with ${exit.code ?? exit.signal} on SIGTERM (expected 0); log ${logPath}`);
    const holder = await kubectl.run(['get', 'lease', options.leaseName, '-n', options.releaseNamespace, '-o', 'jsonpath={.spec.holderIdentity}']);
    if (holder.stdout.trim() === identity) problems.push(`operator ${scope} did not release Lease ${options.leaseName} on shutdown`);
    await kubectl.run(['delete', 'cc', cluster, '-n', options.watchedNamespace, '--wait=false']);
  }
  return problems;
}

async function helmLifecycle(tools: Tools, kubectl: Kubectl): Promise<string[]> {
  const problems: string[] = [];
  const helm = (args: readonly string[]): Promise<string> => execOk(tools.helm, [...args, '--kubeconfig', kubectl.kubeconfig]).then((r) => r.stdout);
  const chart = path.join(chartsDir, 'cassia-operator');
  const ns = 'helm-system';
  const release = 'helm-op';
  await createNamespaces(kubectl, [ns, 'helm-db']);
  // The CRD is already installed (as after a first install); helm skips existing CRDs.
  await helm(['install', release, chart, '-n', ns]);
  const manifest = parseManifests(await helm(['get', 'manifest', release, '-n', ns]));
  // What helm owns of each object: everything but status, resourceVersion and managedFields
  // (controllers write status; an unchanged upgrade must write nothing else).
  const snapshot = async (): Promise<Map<string, string>> => {
    const out = new Map<string, string>();
    for (const m of manifest) {
      const o = await kubectl.getJson<Json>(['get', m.kind, m.metadata.name, ...(m.metadata.namespace ? ['-n', m.metadata.namespace] : [])]);
      out.set(objectId(m), applySnapshot(o, 'none'));
    }
    return out;
  };
  await waitSettled(kubectl, [{ label: 'helm release', file: writeTemp(manifest) }]);
  const before = await snapshot();
  await helm(['upgrade', release, chart, '-n', ns, '--reuse-values']);
  const after = await snapshot();
  const changed = [...after].filter(([id, text]) => before.get(id) !== text).map(([id]) => id);
  for (const id of changed) problems.push(`helm upgrade with unchanged values changed ${id}`);
  log(`helm upgrade with unchanged values: ${manifest.length} objects, ${manifest.length - changed.length} unchanged`);
  await helm(['upgrade', release, chart, '-n', ns, '--reuse-values', '--set', 'logLevel=debug']);
  const generation = (await kubectl.ok(['get', 'deployment', release + '-cassia-operator', '-n', ns, '-o', 'jsonpath={.metadata.generation}'])).trim();
  if (generation !== '2') problems.push(`helm upgrade --set logLevel=debug: Deployment generation ${generation}, expected 2`);
  const history = await helm(['history', release, '-n', ns, '-o', 'json']);
  const revisions = (JSON.parse(history) as Array<{ revision: number; status: string }>).map((h) => `${h.revision}:${h.status}`);
  log(`helm history: ${revisions.join(' ')}`);
  // A CassandraCluster through the cassia-cluster chart.
  await helm(['install', 'helm-cc', path.join(chartsDir, 'cassia-cluster'), '-n', 'helm-db']);
  if ((await kubectl.run(['get', 'cc', 'helm-cc', '-n', 'helm-db'])).code !== 0) problems.push('helm install of cassia-cluster created no CassandraCluster helm-cc');
  await helm(['uninstall', 'helm-cc', '-n', 'helm-db', '--wait']);
  await helm(['uninstall', release, '-n', ns, '--wait']);
  for (const m of manifest) {
    const r = await kubectl.run(['get', m.kind, m.metadata.name, ...(m.metadata.namespace ? ['-n', m.metadata.namespace] : [])]);
    if (r.code === 0) problems.push(`helm uninstall left ${objectId(m)}`);
  }
  if ((await kubectl.run(['get', 'crd', CLUSTER_CRD_NAME])).code !== 0) problems.push('helm uninstall removed the CRD (it must stay: deleting it deletes every CassandraCluster)');
  return problems;
}

/** What must be stopped if the run is interrupted (timeout, SIGINT, SIGTERM). */
const active: { cp: LocalControlPlane | undefined; processes: Set<ManagedProcess> } = { cp: undefined, processes: new Set() };

async function stopEverything(): Promise<void> {
  for (const p of active.processes) await p.stop(5_000);
  await active.cp?.stop();
}

let tempCounter = 0;
let tempDir = os.tmpdir();
function writeTemp(objects: readonly KubeObject[]): string {
  const file = path.join(tempDir, `objects-${++tempCounter}.json`);
  fs.writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
  return file;
}

async function main(argv: readonly string[]): Promise<number> {
  const keep = argv.includes('--keep');
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cassia-chart-'));
  tempDir = runDir;
  const renderedDir = path.join(runDir, 'rendered');
  fs.mkdirSync(renderedDir);
  log(`run folder ${runDir}`);

  if (argv.includes('--write-manifests')) {
    const tools = await step('build helm + kubeconform', buildTools);
    fs.mkdirSync(path.dirname(PLAIN_MANIFEST.file), { recursive: true });
    fs.writeFileSync(PLAIN_MANIFEST.file, await renderPlainManifest(tools));
    log(`wrote ${path.relative(repoDir, PLAIN_MANIFEST.file)}`);
    fs.rmSync(runDir, { recursive: true, force: true });
    return 0;
  }

  let cp: LocalControlPlane | undefined;
  let failed = true;
  try {
    await step('unit tests (test/chart)', async () => {
      const r = await exec(process.execPath, [path.join(repoDir, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', path.join(import.meta.dirname, 'vitest.config.ts')], { cwd: repoDir });
      process.stdout.write(r.stdout.split('\n').filter((l) => /Test Files|Tests |FAIL|✗|×/.test(l)).join('\n') + '\n');
      if (r.code !== 0) throw new Error(`unit tests failed:\n${r.stdout}\n${r.stderr}`);
    });
    await step('charts in sync with crds/', async () => {
      if (sync({ check: true }) !== 0) throw new Error('charts are out of date with crds/: run `node test/chart/sync-crds.ts`');
    });
    const tools = await step('build helm + kubeconform (Go module proxy, cached)', buildTools);

    await step('helm lint (every values case, and refused values)', async () => {
      for (const c of RENDER_CASES) await execOk(tools.helm, ['lint', '--strict', path.join(chartsDir, c.chart), '--namespace', c.namespace, '--kube-version', KUBE_VERSION, ...valuesArgs(c)]);
      for (const bad of REFUSED_VALUES) {
        const r = await exec(tools.helm, ['template', 'x', path.join(chartsDir, bad.chart), ...bad.set.flatMap((s) => ['--set', s])]);
        if (r.code === 0) throw new Error(`${bad.chart} accepted --set ${bad.set.join(' --set ')}`);
        if (!r.stderr.includes(bad.expect)) throw new Error(`${bad.chart} --set ${bad.set.join(' ')}: expected "${bad.expect}" in:\n${r.stderr}`);
      }
      log(`${RENDER_CASES.length} cases lint clean; ${REFUSED_VALUES.length} bad values refused`);
    });

    const rendered = await step('helm template', async () => {
      const files = new Map<string, string>();
      for (const c of RENDER_CASES) {
        const text = await helmTemplate(tools, { chart: c.chart, release: c.release, namespace: c.namespace, args: valuesArgs(c) });
        const objects = parseManifests(text);
        const unnamespaced = objects.filter((o) => o.metadata.namespace === undefined && !/^(Cluster|Namespace|CustomResourceDefinition)/.test(o.kind));
        if (unnamespaced.length > 0) throw new Error(`${c.id}: objects without metadata.namespace (GitOps tools would place them anywhere): ${unnamespaced.map((o) => objectId(o)).join(', ')}`);
        const file = path.join(renderedDir, `${c.id}.yaml`);
        fs.writeFileSync(file, text);
        files.set(c.id, file);
        log(`${c.id}: ${objects.length} objects (${[...new Set(objects.map((o) => o.kind))].join(', ')})`);
      }
      return files;
    });

    await step('plain manifests in sync (charts/manifests/)', async () => {
      const expected = await renderPlainManifest(tools);
      const actual = fs.existsSync(PLAIN_MANIFEST.file) ? fs.readFileSync(PLAIN_MANIFEST.file, 'utf8') : '';
      if (actual !== expected) throw new Error(`${path.relative(repoDir, PLAIN_MANIFEST.file)} is out of date: run \`node test/chart/run.ts --write-manifests\``);
      const crd = parseManifests(expected).find((o) => o.kind === 'CustomResourceDefinition');
      if (crd === undefined) throw new Error('the plain manifest has no CRD');
    });

    const binDir = await step('control-plane binaries (test/e2e build, cached)', async () => (await ensureBinaries(log)).binDir);
    cp = await step('start local control plane', () => LocalControlPlane.start({ binDir, runDir: path.join(runDir, 'control-plane'), log }));
    active.cp = cp;
    const kubectl = new Kubectl({ bin: path.join(binDir, 'kubectl'), kubeconfig: cp.kubeconfigPath });

    await step('install CRDs', async () => {
      await kubectl.ok(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', crdDir]);
      await kubectl.ok(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', serviceMonitorCrd]);
      await waitCrdEstablished(kubectl, CLUSTER_CRD_NAME);
      await waitCrdEstablished(kubectl, 'servicemonitors.monitoring.coreos.com');
    });

    const examples = exampleFiles();
    await step('kubeconform -strict (schemas from this API server and the CRDs)', () =>
      kubeconformCheck(tools, kubectl, [...rendered.values(), ...examples, PLAIN_MANIFEST.file], path.join(runDir, 'schemas')));

    await step('server-side dry-run: every rendered case and example', async () => {
      const namespaces = RENDER_CASES.flatMap((c) => [c.namespace, ...c.extraNamespaces]);
      await createNamespaces(kubectl, [...namespaces, 'examples']);
      const problems: string[] = [];
      const dryRun = async (label: string, args: readonly string[]): Promise<void> => {
        const r = await kubectl.run(['apply', '--dry-run=server', ...args]);
        if (r.code !== 0) problems.push(`${label}: ${r.stderr.trim()}`);
        for (const w of warningsIn(r.stderr)) problems.push(`${label}: ${w}`);
      };
      for (const c of RENDER_CASES) await dryRun(c.id, ['-f', rendered.get(c.id)!]);
      await dryRun(path.relative(repoDir, PLAIN_MANIFEST.file), ['-f', PLAIN_MANIFEST.file]);
      for (const f of examples) await dryRun(path.relative(repoDir, f), ['-n', 'examples', '-f', f]);
      // A rejected spec proves the CRD's validation runs (not just a schema-less object).
      const bad = fs.readFileSync(examples[0]!, 'utf8').replace(/size: 3\b/, 'size: 0');
      const r = await kubectl.run(['apply', '--dry-run=server', '-n', 'examples', '-f', '-'], bad);
      if (r.code === 0) problems.push('a CassandraCluster with size 0 passed the server-side dry-run');
      fail(problems, 'server-side dry-run');
      log(`${RENDER_CASES.length} rendered cases and ${examples.length} examples accepted by kube-apiserver ${KUBE_VERSION} (PodSecurity restricted enforced)`);
    });

    // The plain manifest stands for the default operator install (same objects, plus the CRD and
    // the Namespace), as a GitOps repository holding it would apply it.
    const ssaUnits: ApplyUnit[] = [
      { label: path.relative(repoDir, PLAIN_MANIFEST.file), file: PLAIN_MANIFEST.file },
      ...RENDER_CASES.filter((c) => ['operator-namespaced', 'cluster-default', 'cluster-everything'].includes(c.id)).map((c) => ({ label: c.id, file: rendered.get(c.id)! })),
      ...examples.map((f) => ({ label: path.relative(repoDir, f), file: f, namespace: 'examples' })),
    ];
    await step('apply twice, server-side: second apply changes nothing', async () => fail(await applyTwice(kubectl, ssaUnits, 'server-side'), 'server-side apply'));

    await step('apply twice, client-side: second apply changes nothing', async () => {
      const csaFile = path.join(renderedDir, 'operator-csa.yaml');
      fs.writeFileSync(csaFile, await helmTemplate(tools, { chart: 'cassia-operator', release: 'csa', namespace: 'csa-system' }));
      const csaCluster = path.join(renderedDir, 'cluster-csa.yaml');
      fs.writeFileSync(csaCluster, await helmTemplate(tools, { chart: 'cassia-cluster', release: 'orders', namespace: 'db-csa', args: ['-f', path.join(valuesDir, 'cluster-everything.yaml')] }));
      await createNamespaces(kubectl, ['csa-system', 'db-csa', 'examples-csa']);
      const units: ApplyUnit[] = [
        { label: 'operator (client-side)', file: csaFile },
        { label: 'cluster-everything (client-side)', file: csaCluster },
        ...examples.map((f) => ({ label: `${path.relative(repoDir, f)} (client-side)`, file: f, namespace: 'examples-csa' })),
      ];
      fail(await applyTwice(kubectl, units, 'client-side'), 'client-side apply');
    });

    await step('operator Deployment admitted under PodSecurity restricted', async () => {
      await waitFor('2 operator pods created by the ReplicaSet', async () => {
        const pods = await kubectl.getJson<{ items: unknown[] }>(['get', 'pods', '-n', 'cassia-system', '-l', 'app.kubernetes.io/name=cassia-operator']);
        return pods.items.length === 2;
      }, {
        timeoutMs: 30_000,
        intervalMs: 500,
        describe: async () => (await kubectl.run(['get', 'events', '-n', 'cassia-system', '--field-selector', 'reason=FailedCreate'])).stdout,
      });
    });

    await step('helm install / upgrade / uninstall on the API server', async () => fail(await helmLifecycle(tools, kubectl), 'helm lifecycle'));

    await step('operator under the chart RBAC, cluster scope', async () => {
      fail(await operatorUnderChartRbac({
        kubectl, cp: cp!, runDir, scope: 'Cluster', release: 'cassia-operator', releaseNamespace: 'cassia-system',
        watchedNamespace: 'rbac-cluster', serviceAccount: 'cassia-operator', leaseName: 'cassia-operator',
      }), 'operator under the chart RBAC (cluster scope)');
    });

    await step('operator under the chart RBAC, namespace scope', async () => {
      fail(await operatorUnderChartRbac({
        kubectl, cp: cp!, runDir, scope: 'Namespace', release: 'team-a', releaseNamespace: 'team-a-ops',
        watchedNamespace: 'team-a-db', serviceAccount: 'team-a-cassia-operator', leaseName: 'team-a-cassia-operator',
      }), 'operator under the chart RBAC (namespace scope)');
    });

    const dead = cp.deadComponents();
    if (dead.length > 0) throw new Error(`control-plane components died: ${dead.join(', ')}`);
    failed = false;
    return 0;
  } catch (error) {
    console.error(`\n[chart] FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    if (cp !== undefined) await step('stop control plane', () => cp!.stop());
    printTimings();
    if (failed || keep) log(`run folder kept: ${runDir}`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const abort = (why: string): void => {
    console.error(`[chart] FAILED: ${why}; stopping the control plane and the operator`);
    stopEverything().then(() => process.exit(1), () => process.exit(1));
  };
  const timer = setTimeout(() => abort(`the run exceeded ${RUN_TIMEOUT_MS / 60_000} minutes`), RUN_TIMEOUT_MS);
  timer.unref();
  process.once('SIGINT', () => abort('interrupted (SIGINT)'));
  process.once('SIGTERM', () => abort('terminated (SIGTERM)'));
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
