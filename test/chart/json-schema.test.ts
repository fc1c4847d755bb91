import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clusterValuesSchema, convertSchema, crdKubeconformSchema, crdVersionSchemas, kubeconformFileName, openApiV2KubeconformSchemas, type Json } from './json-schema.ts';

const crd = parse(fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'crds', 'cassia.dev_cassandraclusters.yaml'), 'utf8')) as Json;

describe('convertSchema', () => {
  it('closes objects with properties in strict mode, keeps preserve-unknown-fields open', () => {
    const out = convertSchema({
      type: 'object',
      properties: { a: { type: 'string' }, free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { b: { type: 'string' } } } },
    }, { strict: true, allowNull: false }) as Json;
    expect(out.additionalProperties).toBe(false);
    expect((out.properties as Json).free).toEqual({ type: 'object', properties: { b: { type: 'string' } } });
  });

  it('turns OpenAPI 3.0 boolean exclusive bounds into draft-07 numbers', () => {
    expect(convertSchema({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 }, { strict: false, allowNull: false })).toEqual({ type: 'number', exclusiveMinimum: 0, maximum: 1 });
    expect(convertSchema({ type: 'number', minimum: 0, exclusiveMinimum: false }, { strict: false, allowNull: false })).toEqual({ type: 'number', minimum: 0 });
  });

  it('maps int-or-string, drops formats and x-kubernetes keys, allows null when asked', () => {
    expect(convertSchema({ type: 'string', format: 'int-or-string' }, { strict: true, allowNull: false })).toEqual({ oneOf: [{ type: 'string' }, { type: 'integer' }] });
    expect(convertSchema({ type: 'string', format: 'date-time', 'x-kubernetes-list-type': 'set' }, { strict: true, allowNull: true })).toEqual({ type: ['string', 'null'] });
  });
});

describe('CassandraCluster schemas', () => {
  it('the values schema lists every spec field, closed, clusterName optional', () => {
    const schema = clusterValuesSchema(crd);
    const spec = (crdVersionSchemas(crd)[0]!.schema.properties as Json).spec as Json;
    for (const key of Object.keys(spec.properties as Json)) expect(Object.keys(schema.properties as Json)).toContain(key);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).not.toContain('clusterName');
    expect(schema.required).toContain('datacenters');
    expect(JSON.stringify(schema)).not.toContain('x-kubernetes');
  });

  it('the kubeconform schema adds apiVersion, kind and metadata', () => {
    const v = crdVersionSchemas(crd)[0]!;
    const schema = crdKubeconformSchema(v, { strict: true });
    expect((schema.properties as Json).apiVersion).toEqual({ type: 'string', enum: ['cassia.dev/v1alpha1'] });
    expect(schema.required).toEqual(expect.arrayContaining(['apiVersion', 'kind', 'metadata']));
    expect(kubeconformFileName(v)).toBe('cassandracluster_cassia.dev_v1alpha1.json');
  });
});

describe('openApiV2KubeconformSchemas', () => {
  const openapi = {
    definitions: {
      'io.k8s.api.core.v1.ConfigMap': {
        type: 'object',
        properties: { apiVersion: { type: 'string' }, data: { type: 'object', additionalProperties: { type: 'string' } }, metadata: { $ref: '#/definitions/meta' } },
        'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'ConfigMap' }],
      },
      meta: { type: 'object', properties: { name: { type: 'string' }, port: { $ref: '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString' } } },
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string' },
      unrelated: { type: 'object', properties: { x: { type: 'string' } } },
    },
  };

  it('embeds only the reachable definitions, with core kinds named v1_v1', () => {
    const files = openApiV2KubeconformSchemas(openapi, [{ group: '', version: 'v1', kind: 'ConfigMap' }], { strict: true });
    const schema = files.get('configmap_v1_v1.json')!;
    expect(Object.keys(schema.definitions as Json).sort()).toEqual(['io.k8s.api.core.v1.ConfigMap', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString', 'meta']);
    expect((schema.definitions as Json)['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toEqual({ oneOf: [{ type: 'string' }, { type: 'integer' }] });
    expect(schema.additionalProperties).toBe(false);
  });

  it('throws for a kind the server does not serve', () => {
    expect(() => openApiV2KubeconformSchemas(openapi, [{ group: 'apps', version: 'v1', kind: 'Deployment' }], { strict: true })).toThrow(/no apps\/v1 Deployment/);
  });
});
