import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { makeCluster } from '../testing/fixtures.ts';
import {
  buildCassiaConfig,
  buildClientService,
  buildConfigMap,
  buildManagementTokenSecret,
  buildNodesService,
  buildPodDisruptionBudget,
  buildReplaceConfigMap,
  buildRole,
  buildRoleBinding,
  buildSeedService,
  buildServiceAccount,
  buildStatefulSet,
  buildSuperuserSecret,
  findReservedConfigKeys,
  hashOf,
  parseInputs,
  renderCassiaYaml,
  restartInputs,
  restartReason,
  stableStringify,
} from './index.ts';

type Any = Record<string, any>;

function sts(spec: Parameters<typeof makeCluster>[0] = {}, options: { replicas?: number; autoBootstrap?: boolean; rack?: number } = {}): Any {
  const cc = makeCluster(spec);
  const dc = cc.spec.datacenters[0]!;
  const yaml = renderCassiaYaml(buildCassiaConfig(cc, dc, { clusterDomain: 'cluster.local' }));
  return buildStatefulSet({
    cc, dc, rack: dc.racks[options.rack ?? 0]!, replicas: options.replicas ?? 2,
    inputs: restartInputs(cc, dc, yaml), autoBootstrap: options.autoBootstrap ?? true, clusterDomain: 'cluster.local',
  }) as Any;
}

describe('StatefulSet builder', () => {
  it('names, owns and selects per rack, with Parallel + OnDelete', () => {
    const s = sts();
    expect(s.metadata.name).toBe('prod-dc1-r1');
    expect(s.metadata.ownerReferences[0]).toMatchObject({ kind: 'CassandraCluster', name: 'prod', uid: 'cc-uid-1', controller: true });
    expect(s.spec.replicas).toBe(2);
    expect(s.spec.podManagementPolicy).toBe('Parallel');
    expect(s.spec.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(s.spec.serviceName).toBe('prod-nodes');
    expect(s.spec.selector.matchLabels).toEqual({ 'cassia.dev/cluster': 'prod', 'cassia.dev/datacenter': 'dc1', 'cassia.dev/rack': 'r1' });
    expect(s.spec.template.metadata.labels).toMatchObject(s.spec.selector.matchLabels);
    expect(s.spec.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: 'Retain', whenScaled: 'Retain' });
  });

  it('passes POD_IP, dc, rack, seeds and the token file through the environment', () => {
    const env = sts().spec.template.spec.containers[0].env as Any[];
    const byName = Object.fromEntries(env.map((e) => [e.name, e]));
    expect(byName.POD_IP.valueFrom.fieldRef.fieldPath).toBe('status.podIP');
    expect(byName.CASSIA_DC.value).toBe('dc1');
    expect(byName.CASSIA_RACK.value).toBe('r1');
    expect(byName.CASSIA_SEEDS.value).toBe('prod-seeds.db.svc.cluster.local');
    expect(byName.CASSIA_MANAGEMENT_TOKEN_FILE.value).toBe('/var/run/cassia/management/token');
    expect(byName.CASSIA_REPLACE_ADDRESS_FILE.value).toBe('/var/run/cassia/replace/$(POD_NAME)');
    expect(byName.CASSIA_AUTO_BOOTSTRAP.value).toBe('true');
    expect(byName.CASSIA_SUPERUSER_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'prod-superuser', key: 'password' });
    // POD_NAME is defined before the variable that expands it.
    expect(env.findIndex((e) => e.name === 'POD_NAME')).toBeLessThan(env.findIndex((e) => e.name === 'CASSIA_REPLACE_ADDRESS_FILE'));
    const off = sts({ auth: { enabled: false } }, { autoBootstrap: false }).spec.template.spec.containers[0].env as Any[];
    expect(off.find((e) => e.name === 'CASSIA_SUPERUSER_USERNAME')).toBe(undefined);
    expect(off.find((e) => e.name === 'CASSIA_AUTO_BOOTSTRAP')!.value).toBe('false');
  });

  it('starts the node CLI, probes the management API and drains on preStop', () => {
    const c = sts().spec.template.spec.containers[0];
    // args, not command: the image's ENTRYPOINT (tini) stays PID 1.
    expect(c.command).toBe(undefined);
    expect(c.args).toEqual(['node', '--heap-growing-percent=300', '/app/node-image/cli/cassia.ts', 'node', '--config', '/etc/cassia/cassia.yaml']);
    // V8's background threads sized to the pod's CPUs (limit, else request); none given: Node's default.
    const pool = (resources: Any): string[] => sts({ resources }).spec.template.spec.containers[0].args.filter((a: string) => a.startsWith('--v8-pool-size'));
    expect(pool({ requests: { cpu: 2 } })).toEqual(['--v8-pool-size=1']);
    expect(pool({ requests: { cpu: '4' } })).toEqual(['--v8-pool-size=3']);
    expect(pool({ requests: { cpu: '500m' }, limits: { cpu: '16' } })).toEqual(['--v8-pool-size=4']);
    expect(pool({ requests: { cpu: '2500m' } })).toEqual(['--v8-pool-size=1']);
    const args = (resources: Any): string[] => sts({ resources }).spec.template.spec.containers[0].args;
    // The node's V8 flags come before the script: after it they would be the script's arguments.
    for (const resources of [{ requests: { cpu: 2 } }, {}]) {
      const a = args(resources);
      expect(a.indexOf('--heap-growing-percent=300')).toBeGreaterThan(0);
      expect(a.indexOf('--heap-growing-percent=300')).toBeLessThan(a.findIndex((x: string) => x.endsWith('cassia.ts')));
    }
    expect(pool({ requests: { memory: '8Gi' } })).toEqual([]);
    expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    expect(c.readinessProbe.httpGet).toEqual({ path: '/api/v1/probes/readiness', port: 8080 });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/api/v1/probes/liveness', port: 8080 });
    expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBe(600);
    expect(c.lifecycle.preStop.exec.command).toEqual(['node', '/app/node-image/cli/cassia.ts', 'nodetool', 'drain']);
    expect(c.ports.map((p: Any) => p.containerPort)).toEqual([9042, 7000, 8080]);
    expect(sts().spec.template.spec.terminationGracePeriodSeconds).toBe(120);
  });

  it('spreads pods over Kubernetes nodes and pins racks to their zone', () => {
    const spec = sts().spec.template.spec;
    expect(spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]).toEqual({
      labelSelector: { matchLabels: { 'cassia.dev/cluster': 'prod', 'app.kubernetes.io/component': 'node' } },
      topologyKey: 'kubernetes.io/hostname',
    });
    expect(spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toEqual([{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['z1'] }]);
    const preferred = sts({ podTemplate: { antiAffinity: 'Preferred' } }).spec.template.spec.affinity.podAntiAffinity;
    expect(preferred.preferredDuringSchedulingIgnoredDuringExecution[0].weight).toBe(100);
    const labelled = sts({ podTemplate: { antiAffinity: 'None' }, datacenters: [{ name: 'dc1', size: 1, racks: [{ name: 'a', nodeAffinityLabels: { pool: 'db', disk: 'ssd' } }] }] }).spec.template.spec.affinity;
    expect(labelled.podAntiAffinity).toBe(undefined);
    expect(labelled.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions)
      .toEqual([{ key: 'disk', operator: 'In', values: ['ssd'] }, { key: 'pool', operator: 'In', values: ['db'] }]);
  });

  it('claims storage per pod with the DC override winning', () => {
    const t = sts({ storage: { size: '50Gi', storageClassName: 'fast' } }).spec.volumeClaimTemplates[0];
    expect(t.metadata.name).toBe('data');
    expect(t.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'fast' });
    const o = sts({ storage: { size: '50Gi' }, datacenters: [{ name: 'dc1', size: 1, racks: [{ name: 'r1' }], storage: { size: '1Ti' } }] }).spec.volumeClaimTemplates[0];
    expect(o.spec.resources.requests.storage).toBe('1Ti');
    // A DC override without a size inherits spec.storage.size; its class is its own (default when unset).
    const c = sts({ storage: { size: '50Gi', storageClassName: 'fast' }, datacenters: [{ name: 'dc1', size: 1, racks: [{ name: 'r1' }], storage: { storageClassName: 'local' } }] }).spec.volumeClaimTemplates[0];
    expect(c.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } }, storageClassName: 'local' });
    expect(sts().spec.template.spec.containers[0].volumeMounts[0]).toEqual({ name: 'data', mountPath: '/var/lib/cassia' });
  });

  it('passes PodSecurity restricted as the image user 10001, with a read-only root and /tmp', () => {
    const pod = sts().spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.hostNetwork ?? false).toBe(false);
    for (const c of pod.containers as Any[]) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, readOnlyRootFilesystem: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(c.securityContext.capabilities.add).toBe(undefined);
      expect(c.securityContext.privileged ?? false).toBe(false);
      expect(c.ports.every((p: Any) => p.hostPort === undefined)).toBe(true);
    }
    // restricted allows only these volume types.
    const allowed = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
    for (const v of pod.volumes as Any[]) expect(Object.keys(v).filter((k) => k !== 'name').every((k) => allowed.includes(k))).toBe(true);
    expect(pod.volumes.find((v: Any) => v.name === 'tmp')).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
    expect(pod.containers[0].volumeMounts.find((m: Any) => m.name === 'tmp')).toEqual({ name: 'tmp', mountPath: '/tmp' });
  });

  it('mounts TLS secrets, tolerations, priority class and resources when given', () => {
    const s = sts({
      tls: { clientSecretName: 'cql-tls', internodeSecretName: 'node-tls' },
      podTemplate: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }], priorityClassName: 'high' },
      resources: { requests: { cpu: '2', memory: '8Gi' } },
    });
    const spec = s.spec.template.spec;
    expect(spec.volumes.map((v: Any) => v.name)).toEqual(['config', 'management-token', 'replace', 'tmp', 'client-tls', 'internode-tls']);
    expect(spec.volumes.find((v: Any) => v.name === 'replace').configMap).toEqual({ name: 'prod-replace', optional: true });
    expect(spec.tolerations[0].key).toBe('dedicated');
    expect(spec.priorityClassName).toBe('high');
    expect(spec.containers[0].resources).toEqual({ requests: { cpu: '2', memory: '8Gi' } });
  });

  it('records restart inputs on the pod template', () => {
    const inputs = parseInputs(sts().spec.template.metadata.annotations['cassia.dev/inputs']);
    expect(inputs!.image).toBe('ghcr.io/cassia-db/cassia-node:0.1.0');
    expect(Object.keys(inputs!).sort()).toEqual(['auth', 'config', 'image', 'pod', 'resources', 'restart', 'tls']);
  });
});

describe('config', () => {
  it('renders cassandra.yaml-style keys with user overrides merged per DC', () => {
    const cc = makeCluster({
      config: { concurrent_compactors: 2, hinted_handoff_enabled: false, compaction: { throughput_mb_per_sec: 64 } },
      datacenters: [{ name: 'dc1', size: 3, racks: [{ name: 'r1' }], config: { concurrent_compactors: 4, compaction: { max_threshold: 32 } } }],
    });
    const config = buildCassiaConfig(cc, cc.spec.datacenters[0]!, { clusterDomain: 'cluster.local' });
    expect(config).toMatchObject({
      cluster_name: 'Prod Cluster',
      num_tokens: 16,
      seeds: 'prod-seeds.db.svc.cluster.local',
      data_file_directories: ['/var/lib/cassia/data'],
      commitlog_directory: '/var/lib/cassia/commitlog',
      hints_directory: '/var/lib/cassia/hints',
      commitlog_sync: 'periodic',
      commitlog_sync_period: '10000ms',
      auto_bootstrap: true,
      native_transport_port: 9042,
      storage_port: 7000,
      management_port: 8080,
      management_token_file: '/var/run/cassia/management/token',
      authenticator: 'PasswordAuthenticator',
      concurrent_compactors: 4,
      hinted_handoff_enabled: false,
      compaction: { throughput_mb_per_sec: 64, max_threshold: 32 },
    });
    expect(config.client_encryption_options).toBe(undefined);
    const tls = buildCassiaConfig(makeCluster({ tls: { clientSecretName: 'c' } }), cc.spec.datacenters[0]!, { clusterDomain: 'cluster.local' });
    expect(tls.client_encryption_options).toMatchObject({ enabled: true, cert_file: '/var/run/cassia/tls/client/tls.crt' });
    const yaml = renderCassiaYaml(config);
    expect(parse(yaml)).toEqual(config);
    expect(buildConfigMap(cc, 'dc1', yaml).data).toEqual({ 'cassia.yaml': yaml });
  });

  it('refuses overrides of keys the operator owns', () => {
    const cc = makeCluster({ config: { cluster_name: 'x', concurrent_reads: 64 }, datacenters: [{ name: 'dc1', size: 1, racks: [{ name: 'r1' }], config: { seeds: '1.2.3.4' } }] });
    expect(findReservedConfigKeys(cc)).toEqual(['spec.config.cluster_name', 'spec.datacenters[dc1].config.seeds']);
    expect(buildCassiaConfig(cc, cc.spec.datacenters[0]!, { clusterDomain: 'c' }).cluster_name).toBe('Prod Cluster');
  });

  it('explains why a pod needs a restart', () => {
    const cc = makeCluster();
    const dc = cc.spec.datacenters[0]!;
    const a = restartInputs(cc, dc, 'x');
    expect(restartReason(a, a)).toBe(undefined);
    const upgraded = restartInputs(makeCluster({ image: 'cassia:0.2.0' }), dc, 'y');
    expect(restartReason(a, upgraded)).toBe('image ghcr.io/cassia-db/cassia-node:0.1.0 -> cassia:0.2.0; configuration changed');
    const restarted = restartInputs(makeCluster({}, { annotations: { 'cassia.dev/restart-requested': '2026-01-01' } }), dc, 'x');
    expect(restartReason(a, restarted)).toBe('restart requested');
    expect(restartReason(undefined, a)).toBe('pod predates restart tracking');
  });
});

describe('services, PDB, RBAC, secrets', () => {
  const cc = makeCluster();

  it('builds a headless Service for all pods and a seed Service published before readiness', () => {
    const nodes = buildNodesService(cc) as Any;
    expect(nodes.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    const seeds = buildSeedService(cc) as Any;
    expect(seeds.metadata.name).toBe('prod-seeds');
    expect(seeds.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(seeds.spec.selector).toEqual({ 'cassia.dev/cluster': 'prod', 'app.kubernetes.io/component': 'node', 'cassia.dev/seed': 'true' });
    const client = buildClientService(makeCluster({ clientService: { type: 'LoadBalancer', annotations: { a: 'b' } } })) as Any;
    expect(client.spec.type).toBe('LoadBalancer');
    expect(client.spec.publishNotReadyAddresses).toBe(undefined);
    expect(client.spec.ports).toEqual([{ name: 'cql', port: 9042, targetPort: 9042, protocol: 'TCP' }]);
    expect(client.metadata.annotations).toEqual({ a: 'b' });
  });

  it('limits voluntary disruptions to one node per DC', () => {
    const pdb = buildPodDisruptionBudget(cc, 'dc1') as Any;
    expect(pdb.metadata.name).toBe('prod-dc1');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'cassia.dev/cluster': 'prod', 'cassia.dev/datacenter': 'dc1', 'app.kubernetes.io/component': 'node' } } });
  });

  it('gives the nodes a ServiceAccount bound to a read-only Role', () => {
    expect((buildServiceAccount(cc) as Any).metadata.name).toBe('prod-node');
    expect((buildRole(cc) as Any).rules.every((r: Any) => r.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v)))).toBe(true);
    expect((buildRoleBinding(cc) as Any).subjects).toEqual([{ kind: 'ServiceAccount', name: 'prod-node', namespace: 'db' }]);
  });

  it('builds generated secrets and the replacement map', () => {
    expect((buildManagementTokenSecret(cc, 'ab'.repeat(32)) as Any).stringData).toEqual({ token: 'ab'.repeat(32) });
    expect((buildSuperuserSecret(cc, 'pw') as Any).stringData).toEqual({ username: 'cassia', password: 'pw' });
    expect((buildReplaceConfigMap(cc, { 'prod-dc1-r1-0': '10.0.0.7' }) as Any).data).toEqual({ 'prod-dc1-r1-0': '10.0.0.7' });
  });
});

describe('hash', () => {
  it('is independent of key order', () => {
    expect(stableStringify({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(hashOf({ a: 1, b: 2 })).toBe(hashOf({ b: 2, a: 1 }));
    expect(hashOf({ a: 1 })).not.toBe(hashOf({ a: 2 }));
  });
});
