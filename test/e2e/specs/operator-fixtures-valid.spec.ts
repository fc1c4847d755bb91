// e2e: label=fast
// Runs today (no operator needed): installs crds/ on the real API server and checks that every
// CassandraCluster fixture of the operator scenarios passes server-side validation (schema,
// defaults and CEL rules), so the pending scenarios stay in sync with the CRD.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crdNamesIn, waitCrdsEstablished } from '../kube/crd.ts';
import { api, createNamespace, deleteNamespace, e2eDir, fixture, kubectl, repoDir } from './support/cluster.ts';

const crdDir = path.join(repoDir, 'crds');
const clusterFixtures = fs
  .readdirSync(path.join(e2eDir, 'fixtures', 'operator'))
  .filter((f) => f.startsWith('cluster-') && f.endsWith('.yaml'));

describe('operator fixtures are valid CassandraClusters for crds/', () => {
  let ns = '';
  beforeAll(async () => {
    await kubectl(['apply', '--server-side', '-f', crdDir]);
    const texts = fs.readdirSync(crdDir).map((f) => fs.readFileSync(path.join(crdDir, f), 'utf8'));
    await waitCrdsEstablished(await api(), crdNamesIn(texts));
    ns = await createNamespace('fixtures');
  });
  afterAll(async () => {
    if (ns) await deleteNamespace(ns, { wait: false });
  });

  it('has fixtures', () => {
    expect(clusterFixtures.length).toBeGreaterThanOrEqual(2);
  });

  for (const f of clusterFixtures) {
    it(`${f} passes server-side dry-run`, async () => {
      const yaml = fixture(path.join('operator', f), { NAME: 'e2e' });
      const out = await kubectl(['apply', '-n', ns, '--dry-run=server', '-o', 'json', '-f', '-'], { input: yaml });
      const obj = JSON.parse(out) as { spec: { persistentVolumeClaimRetentionPolicy?: unknown; podTemplate?: { terminationGracePeriodSeconds?: number } } };
      // Defaults from the CRD were applied by the API server.
      expect(obj.spec.persistentVolumeClaimRetentionPolicy).toBeDefined();
      expect(obj.spec.podTemplate?.terminationGracePeriodSeconds).toBe(30);
    });
  }

  it('kubectl explain documents the racks field from the CRD schema', async () => {
    const out = await kubectl(['explain', 'cassandracluster.spec.datacenters.racks']);
    expect(out).toMatch(/KIND:\s+CassandraCluster/);
    expect(out).toMatch(/FIELDS?:/);
    // The fields of a rack, each with its description from the zod schema.
    for (const field of ['name', 'zone', 'nodeAffinityLabels']) expect(out).toMatch(new RegExp(`^\\s+${field}\\b`, 'm'));
    expect(out).not.toMatch(/<empty>/);
  });

  it('kubectl get shows the printer columns', async () => {
    const yaml = fixture('operator/cluster-3-racks.yaml', { NAME: 'columns' });
    await kubectl(['apply', '-n', ns, '-f', '-'], { input: yaml });
    const out = await kubectl(['get', 'cassandraclusters', '-n', ns]);
    const header = out.split('\n')[0] ?? '';
    for (const column of ['NAME', 'READY', 'NODES', 'DATACENTERS', 'OPERATION', 'AGE']) expect(header).toContain(column);
    expect(out).toContain('columns');
    await kubectl(['delete', '-n', ns, 'cassandracluster', 'columns', '--wait=false']);
  });

  it('rejects a size below the number of racks (CEL rule)', async () => {
    const yaml = fixture('operator/cluster-3-racks.yaml', { NAME: 'bad' }).replace('size: 3', 'size: 2');
    await expect(kubectl(['apply', '-n', ns, '--dry-run=server', '-f', '-'], { input: yaml })).rejects.toThrow(/size must be at least the number of racks/);
  });
});
