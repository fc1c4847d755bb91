import { describe, expect, it } from 'vitest';
import { buildCrd, buildOpenApiSchema, findStructuralProblems, toStructural, type JsonSchema } from './crd.ts';

type Node = JsonSchema & { properties?: Record<string, Node>; items?: Node };

function at(schema: Node, path: string): Node {
  let n: Node = schema;
  for (const part of path.split('.')) {
    if (part === '[]') n = n.items!;
    else n = n.properties![part]!;
    expect(n, path).toBeDefined();
  }
  return n;
}

function rules(n: Node): string[] {
  return ((n['x-kubernetes-validations'] as Array<{ rule: string }> | undefined) ?? []).map((r) => r.rule);
}

describe('CRD generation', () => {
  const schema = buildOpenApiSchema() as Node;

  it('is structural with descriptions on every spec and status field', () => {
    expect(findStructuralProblems(at(schema, 'spec'), '$.spec')).toEqual([]);
    expect(findStructuralProblems(at(schema, 'status'), '$.status')).toEqual([]);
    expect(JSON.stringify(schema)).not.toContain('$ref');
    expect(JSON.stringify(schema)).not.toContain('$schema');
  });

  it('has the CEL rules: immutable clusterName, unique racks, no rack removal, name lengths', () => {
    expect(rules(at(schema, 'spec.clusterName'))).toEqual(['self == oldSelf']);
    const racks = at(schema, 'spec.datacenters.[].racks');
    expect(rules(racks)).toEqual(['self.all(r, self.exists_one(s, s.name == r.name))']);
    const dc = at(schema, 'spec.datacenters.[]');
    expect(rules(dc)).toContain('oldSelf.racks.all(r, self.racks.exists(n, n.name == r.name))');
    expect(rules(dc)).toContain('self.size >= self.racks.size()');
    expect(rules(schema)[0]).toContain('size(self.metadata.name)');
    // Transition rules on list items need a map list to correlate old and new items.
    const dcs = at(schema, 'spec.datacenters');
    expect(dcs['x-kubernetes-list-type']).toBe('map');
    expect(dcs['x-kubernetes-list-map-keys']).toEqual(['name']);
  });

  it('keeps defaults, int-or-string quantities and pass-through objects', () => {
    expect(at(schema, 'spec.numTokens').default).toBe(16);
    expect(at(schema, 'spec.stopped').default).toBe(false);
    expect(at(schema, 'spec.podTemplate').default).toEqual({});
    expect(at(schema, 'spec.datacenters.[].racks').default).toBe(undefined);
    expect(at(schema, 'spec.datacenters.[]').required).toEqual(expect.arrayContaining(['name', 'size', 'racks']));
    const size = at(schema, 'spec.storage.size');
    expect(size['x-kubernetes-int-or-string']).toBe(true);
    expect(size.anyOf).toEqual([{ type: 'integer' }, { type: 'string' }]);
    expect(size.type).toBe(undefined);
    expect(size.default).toBe('10Gi');
    const config = at(schema, 'spec.config');
    expect(config['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(config.type).toBe('object');
    expect(config.additionalProperties).toBe(undefined);
    const intensity = at(schema, 'spec.repair.intensity');
    expect(intensity).toMatchObject({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 });
  });

  it('has no default inside a list item of the spec, so apply-twice and GitOps diffs settle', () => {
    // kubectl's client-side apply and Argo CD's three-way diff compare a list as a whole: a field
    // the API server defaults inside a list item is "changed" on every sync.
    const found: string[] = [];
    const visit = (n: Node, path: string, inList: boolean): void => {
      if (inList && n.default !== undefined) found.push(path);
      for (const [k, child] of Object.entries(n.properties ?? {})) visit(child, `${path}.${k}`, inList);
      if (n.items !== undefined) visit(n.items, `${path}[]`, true);
      if (typeof n.additionalProperties === 'object') visit(n.additionalProperties as Node, `${path}.*`, inList);
    };
    visit(at(schema, 'spec'), 'spec', false);
    expect(found).toEqual([]);
  });

  it('validates repair.schedule with a cron pattern that admits the macros', () => {
    const schedule = at(schema, 'spec.repair.schedule');
    expect(schedule.minLength).toBe(undefined);
    const pattern = new RegExp(schedule.pattern as string);
    expect(pattern.test('@weekly')).toBe(true);
    expect(pattern.test('0 3 * * 0')).toBe(true);
    expect(pattern.test('0 3 * *')).toBe(false);
    expect(schedule.description).toMatch(/@daily/);
  });

  it('describes the racks for kubectl explain', () => {
    const racks = at(schema, 'spec.datacenters.[].racks');
    expect(racks.description).toMatch(/Racks of this datacenter/);
    expect(at(schema, 'spec.datacenters.[].racks.[].zone').description).toMatch(/topology\.kubernetes\.io\/zone/);
  });

  it('wraps the schema in a CRD with status subresource, short name and printer columns', () => {
    const crd = buildCrd() as { metadata: { name: string }; spec: Record<string, unknown> & { versions: Array<Record<string, unknown>>; names: Record<string, unknown> } };
    expect(crd.metadata.name).toBe('cassandraclusters.cassia.dev');
    expect(crd.spec.names.shortNames).toEqual(['cc']);
    const v = crd.spec.versions[0]!;
    expect(v.name).toBe('v1alpha1');
    expect(v.subresources).toEqual({ status: {} });
    expect((v.additionalPrinterColumns as Array<{ name: string }>).map((c) => c.name)).toEqual(['Ready', 'Nodes', 'Datacenters', 'Operation', 'Age']);
  });
});

describe('toStructural', () => {
  it('resolves $ref, converts const and exclusive bounds, drops safe-integer noise', () => {
    const out = toStructural({
      type: 'object',
      properties: {
        a: { $ref: '#/$defs/A' },
        b: { const: 'x' },
        c: { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 },
        d: { type: 'number', exclusiveMaximum: 5 },
      },
    }, { A: { type: 'string', maxLength: 3 } });
    expect(out.properties).toEqual({
      a: { type: 'string', maxLength: 3 },
      b: { type: 'string', enum: ['x'] },
      c: { type: 'integer' },
      d: { type: 'number', maximum: 5, exclusiveMaximum: true },
    });
  });

  it('refuses unions that are not int-or-string', () => {
    expect(() => toStructural({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toThrow(/anyOf/);
    expect(() => toStructural({ type: ['string', 'number'] })).toThrow(/union/);
  });

  it('flags non-structural schemas', () => {
    const problems = findStructuralProblems({
      type: 'object',
      properties: { x: { description: 'd' }, y: { type: 'array', items: { type: 'string', maxLength: 1 }, description: 'd' } },
      additionalProperties: { type: 'string' },
    });
    expect(problems).toEqual([
      '$: properties and additionalProperties together',
      '$.x: no type',
      '$.y: array without maxItems',
      '$.*: string without maxLength',
    ]);
  });
});
