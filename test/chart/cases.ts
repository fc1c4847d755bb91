// The values combinations `npm run test:chart` lints, renders and validates, the values the
// schemas must refuse, and the examples. Each render case has its own release name and
// namespace, so cluster-scoped objects of different cases never collide on one API server.
import fs from 'node:fs';
import path from 'node:path';

export const repoDir = path.resolve(import.meta.dirname, '..', '..');
export const chartsDir = path.join(repoDir, 'charts');
export const examplesDir = path.join(repoDir, 'examples');
export const valuesDir = path.join(import.meta.dirname, 'values');

export type ChartName = 'cassia-operator' | 'cassia-cluster';

export interface RenderCase {
  readonly id: string;
  readonly chart: ChartName;
  readonly release: string;
  readonly namespace: string;
  /** Files under test/chart/values/. */
  readonly valuesFiles: readonly string[];
  /** Other namespaces the rendered objects live in (must exist before applying). */
  readonly extraNamespaces: readonly string[];
}

export const RENDER_CASES: readonly RenderCase[] = [
  { id: 'operator-default', chart: 'cassia-operator', release: 'cassia-operator', namespace: 'cassia-system', valuesFiles: [], extraNamespaces: [] },
  { id: 'operator-namespaced', chart: 'cassia-operator', release: 'team-a', namespace: 'team-a-ops', valuesFiles: ['operator-namespaced.yaml'], extraNamespaces: ['team-a-db'] },
  { id: 'operator-single-replica', chart: 'cassia-operator', release: 'solo', namespace: 'solo-system', valuesFiles: ['operator-single-replica.yaml'], extraNamespaces: [] },
  { id: 'operator-everything', chart: 'cassia-operator', release: 'op', namespace: 'ops', valuesFiles: ['operator-everything.yaml'], extraNamespaces: [] },
  { id: 'operator-existing-sa', chart: 'cassia-operator', release: 'byo', namespace: 'byo-system', valuesFiles: ['operator-existing-sa.yaml'], extraNamespaces: [] },
  { id: 'cluster-default', chart: 'cassia-cluster', release: 'demo', namespace: 'db', valuesFiles: [], extraNamespaces: [] },
  { id: 'cluster-everything', chart: 'cassia-cluster', release: 'orders', namespace: 'db', valuesFiles: ['cluster-everything.yaml'], extraNamespaces: [] },
];

export interface RefusedValues {
  readonly chart: ChartName;
  readonly set: readonly string[];
  /** Part of helm's error message. */
  readonly expect: string;
}

/** Values the charts' schemas (or templates) must refuse. */
export const REFUSED_VALUES: readonly RefusedValues[] = [
  { chart: 'cassia-operator', set: ['watch.scope=Everywhere'], expect: 'watch/scope' },
  { chart: 'cassia-operator', set: ['replicaCount=two'], expect: 'replicaCount' },
  { chart: 'cassia-operator', set: ['imagee.tag=1'], expect: "additional properties 'imagee' not allowed" },
  { chart: 'cassia-operator', set: ['metrics.serviceMonitor.enabled=true', 'metrics.service.enabled=false'], expect: 'metrics.serviceMonitor.enabled needs metrics.service.enabled' },
  { chart: 'cassia-operator', set: ['serviceAccount.create=false'], expect: 'serviceAccount.name is required' },
  { chart: 'cassia-cluster', set: ['datacenter=dc1'], expect: "additional properties 'datacenter' not allowed" },
  { chart: 'cassia-cluster', set: ['datacenters[0].name=dc1', 'datacenters[0].size=0'], expect: 'datacenters/0/size' },
  { chart: 'cassia-cluster', set: ['storage.size=ten'], expect: 'storage/size' },
  { chart: 'cassia-cluster', set: ['podTemplate.antiAffinity=Sometimes'], expect: 'podTemplate/antiAffinity' },
];

/** The CassandraCluster examples (examples/*.yaml). */
export function exampleFiles(): string[] {
  return fs.readdirSync(examplesDir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(examplesDir, f));
}

/** The plain-manifest install (README "Install with plain manifests"): helm template of the defaults. */
export const PLAIN_MANIFEST = {
  file: path.join(chartsDir, 'manifests', 'cassia-operator.yaml'),
  release: 'cassia-operator',
  namespace: 'cassia-system',
} as const;
