import { describe, expect, it } from 'vitest';
import { applySnapshot, kindsOf, objectId, parseManifests, subsetMismatches } from './manifests.ts';

describe('parseManifests', () => {
  it('splits documents, skips empty ones, names objects', () => {
    const objects = parseManifests('---\n# comment only\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: ns}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\n');
    expect(objects.map((o) => objectId(o))).toEqual(['ConfigMap/ns/a', 'ClusterRole/r']);
    expect(objectId(objects[1]!, 'x')).toBe('ClusterRole/x/r');
    expect(kindsOf(objects)).toEqual([{ group: '', version: 'v1', kind: 'ConfigMap' }, { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole' }]);
  });

  it('refuses a document that is not an object', () => {
    expect(() => parseManifests('just a string\n')).toThrow(/not a Kubernetes object/);
  });
});

describe('subsetMismatches', () => {
  it('accepts server-side defaults inside objects and list items', () => {
    const manifest = { spec: { ports: [{ name: 'metrics', port: 8081 }] } };
    const live = { spec: { ports: [{ name: 'metrics', port: 8081, protocol: 'TCP' }], type: 'ClusterIP' }, status: {} };
    expect(subsetMismatches(manifest, live)).toEqual([]);
  });

  it('reports canonicalised quantities, dropped empty maps and list length changes', () => {
    expect(subsetMismatches({ cpu: '1000m' }, { cpu: '1' })).toEqual(['.cpu: manifest "1000m", live "1"']);
    expect(subsetMismatches({ metadata: { annotations: {} } }, { metadata: {} })).toEqual(['.metadata.annotations: missing (manifest has {})']);
    expect(subsetMismatches({ items: [1, 2] }, { items: [1] })).toEqual(['.items: expected 2 items, found 1']);
  });
});

describe('applySnapshot', () => {
  it('ignores resourceVersion, status and other managers', () => {
    const a = { metadata: { name: 'x', resourceVersion: '1', managedFields: [{ manager: 'me', time: 't1' }, { manager: 'kcm', time: 't1' }] }, spec: { a: 1 }, status: { n: 1 } };
    const b = { metadata: { name: 'x', resourceVersion: '2', managedFields: [{ manager: 'me', time: 't1' }, { manager: 'kcm', time: 't2' }] }, spec: { a: 1 }, status: { n: 2 } };
    expect(applySnapshot(a, 'me')).toBe(applySnapshot(b, 'me'));
    expect(applySnapshot(a, 'me')).not.toBe(applySnapshot({ ...b, spec: { a: 2 } }, 'me'));
  });
});
