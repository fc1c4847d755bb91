// The examples and the cassia-cluster chart's values, checked beyond the CRD: the operator's own
// parser accepts them, no reserved cassia.yaml key is overridden, the cassia.yaml the operator
// would write for each datacenter loads with the node's strict config schema, repair schedules
// parse, and the StatefulSet names fit.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSpec, type CassandraCluster } from '../../operator/api/index.ts';
import { parseCron } from '../../operator/controllers/cassandracluster/cron.ts';
import { buildCassiaConfig, findReservedConfigKeys, renderCassiaYaml, stsName } from '../../operator/specs/index.ts';
import { loadNodeConfig } from '../../node-image/src/config/index.ts';
import { exampleFiles, chartsDir, valuesDir } from './cases.ts';
import { parseManifests } from './manifests.ts';

const STATEFULSET_NAME_MAX = 52;
/** The node refuses these settings until the feature lands (node-image/src/config/node-config.ts). */
const NOT_IMPLEMENTED = /not implemented yet in Cassia/;
const TLS_KEYS = ['client_encryption_options', 'server_encryption_options'];

/** Node features an example asks for that the node does not have yet (printed by the test). */
export const notImplemented: string[] = [];

function checkCluster(name: string, spec: unknown): void {
  const cc: CassandraCluster = { apiVersion: 'cassia.dev/v1alpha1', kind: 'CassandraCluster', metadata: { name, namespace: 'ns' }, spec: parseSpec(spec) };
  expect(findReservedConfigKeys(cc)).toEqual([]);
  for (const dc of cc.spec.datacenters) {
    const env = { POD_IP: '10.0.0.7', CASSIA_DC: dc.name, CASSIA_RACK: dc.racks[0]!.name };
    const document = buildCassiaConfig(cc, dc, { clusterDomain: 'cluster.local' });
    try {
      expect(loadNodeConfig(renderCassiaYaml(document), env).cluster_name).toBe(cc.spec.clusterName);
    } catch (error) {
      // TLS is part of the API and of the examples, but the node does not serve it yet: only that
      // refusal is tolerated, and everything else of the document must still load.
      if (!NOT_IMPLEMENTED.test(String(error))) throw error;
      notImplemented.push(`${name}/${dc.name}: ${(error as Error).message}`);
      const withoutTls = Object.fromEntries(Object.entries(document).filter(([k]) => !TLS_KEYS.includes(k)));
      expect(loadNodeConfig(renderCassiaYaml(withoutTls), env).cluster_name).toBe(cc.spec.clusterName);
    }
    for (const rack of dc.racks) expect(stsName(name, dc.name, rack.name).length).toBeLessThanOrEqual(STATEFULSET_NAME_MAX);
  }
  if (cc.spec.repair.enabled) expect(() => parseCron(cc.spec.repair.schedule)).not.toThrow();
}

describe('examples/', () => {
  const files = exampleFiles();

  it('has the five documented examples', () => {
    expect(files.map((f) => path.basename(f))).toEqual(['auth-and-tls.yaml', 'scheduled-repair.yaml', 'single-dc.yaml', 'three-racks-three-zones.yaml', 'two-datacenters.yaml']);
  });

  for (const file of files) {
    it(`${path.basename(file)} is a namespace-free CassandraCluster the operator and the node accept`, () => {
      const objects = parseManifests(fs.readFileSync(file, 'utf8'));
      const clusters = objects.filter((o) => o.kind === 'CassandraCluster');
      expect(clusters).toHaveLength(1);
      for (const o of objects) expect(o.metadata.namespace).toBeUndefined();
      checkCluster(clusters[0]!.metadata.name, clusters[0]!.spec);
    });
  }
});

describe('charts/cassia-cluster values', () => {
  const nonSpec = ['nameOverride', 'labels', 'annotations', 'global'];
  const specOf = (values: Record<string, unknown>, release: string): Record<string, unknown> => {
    const spec = Object.fromEntries(Object.entries(values).filter(([k]) => !nonSpec.includes(k)));
    spec.clusterName ??= (values.nameOverride as string | undefined) || release;
    return spec;
  };
  const defaults = parse(fs.readFileSync(path.join(chartsDir, 'cassia-cluster', 'values.yaml'), 'utf8')) as Record<string, unknown>;

  it('the defaults make a valid cluster', () => checkCluster('demo', specOf(defaults, 'demo')));

  it('the everything case makes a valid cluster', () => {
    const values = { ...defaults, ...(parse(fs.readFileSync(path.join(valuesDir, 'cluster-everything.yaml'), 'utf8')) as Record<string, unknown>) };
    checkCluster('orders', specOf(values, 'orders'));
  });
});

describe('node features the examples use that are not implemented', () => {
  it('are only TLS (listed here; drop this tolerance once the node serves TLS)', () => {
    for (const line of notImplemented) console.warn(`NOT IMPLEMENTED in the node: ${line}`);
    for (const line of notImplemented) expect(line).toMatch(/TLS/);
  });
});
