// zod -> CustomResourceDefinition: converts the JSON Schema that z.toJSONSchema emits into a
// Kubernetes structural OpenAPI v3 schema (no $ref, a type everywhere, int-or-string and
// preserve-unknown-fields markers, OpenAPI 3.0 exclusive bounds) and wraps it in the CRD.
// findStructuralProblems() is the gate: the generator refuses to write a CRD that fails it.
import { z } from 'zod';
import {
  API_GROUP,
  API_VERSION,
  CassandraClusterSpecSchema,
  CassandraClusterStatusSchema,
  CATEGORIES,
  KIND,
  PLURAL,
  PRINTER_COLUMNS,
  ROOT_CEL_RULES,
  SHORT_NAMES,
  SINGULAR,
} from './cassandra-cluster.ts';

export type JsonSchema = { [key: string]: unknown };

const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;

/** Converts one zod-emitted JSON Schema node (recursively) into structural OpenAPI v3. */
export function toStructural(node: JsonSchema, defs: Readonly<Record<string, JsonSchema>> = {}, path = '$'): JsonSchema {
  if (typeof node.$ref === 'string') {
    const name = node.$ref.replace(/^#\/\$defs\//, '');
    const target = defs[name];
    if (target === undefined) throw new Error(`${path}: unresolvable $ref ${node.$ref}`);
    const { $ref: _ignored, ...rest } = node;
    return toStructural({ ...target, ...rest }, defs, path);
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === '$id' || key === '$defs' || key === 'id') continue;
    out[key] = value;
  }

  if (out['x-kubernetes-int-or-string'] === true) {
    const anyOf = (out.anyOf as JsonSchema[] | undefined) ?? [];
    const pattern = anyOf.find((s) => typeof s.pattern === 'string')?.pattern;
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    if (pattern !== undefined) out.pattern = pattern;
    return out;
  }
  if (out['x-kubernetes-preserve-unknown-fields'] === true) {
    delete out.propertyNames;
    delete out.additionalProperties;
    if (out.type === undefined) out.type = 'object';
    if (out.type === 'array' && out.items !== undefined) out.items = toStructural(out.items as JsonSchema, defs, `${path}[]`);
    return out;
  }

  if ('const' in out) {
    out.enum = [out.const];
    if (out.type === undefined) out.type = typeof out.const === 'number' ? 'number' : typeof out.const === 'boolean' ? 'boolean' : 'string';
    delete out.const;
  }
  if (Array.isArray(out.type)) throw new Error(`${path}: union types ${JSON.stringify(out.type)} are not structural`);
  if (out.anyOf !== undefined || out.oneOf !== undefined || out.allOf !== undefined || out.not !== undefined) {
    throw new Error(`${path}: anyOf/oneOf/allOf/not are not allowed here (only int-or-string)`);
  }
  if (out.type === 'integer') {
    if (out.maximum === SAFE_INTEGER_BOUND) delete out.maximum;
    if (out.minimum === -SAFE_INTEGER_BOUND) delete out.minimum;
  }
  if (typeof out.exclusiveMinimum === 'number') {
    out.minimum = out.exclusiveMinimum;
    out.exclusiveMinimum = true;
  }
  if (typeof out.exclusiveMaximum === 'number') {
    out.maximum = out.exclusiveMaximum;
    out.exclusiveMaximum = true;
  }
  if (out.format === 'uuid') delete out.pattern;
  if (out.type === 'object') {
    delete out.propertyNames;
    if (out.properties !== undefined) {
      delete out.additionalProperties;
      const props: Record<string, JsonSchema> = {};
      for (const [name, child] of Object.entries(out.properties as Record<string, JsonSchema>)) {
        props[name] = toStructural(child, defs, `${path}.${name}`);
      }
      out.properties = props;
    } else if (out.additionalProperties !== undefined && typeof out.additionalProperties === 'object') {
      out.additionalProperties = toStructural(out.additionalProperties as JsonSchema, defs, `${path}.*`);
    }
  }
  if (out.type === 'array' && out.items !== undefined) {
    out.items = toStructural(out.items as JsonSchema, defs, `${path}[]`);
  }
  return out;
}

/**
 * Problems that would make the API server reject the schema or make `kubectl explain` useless:
 * missing types, $ref, unions, properties next to additionalProperties, missing descriptions,
 * unbounded arrays/strings (CEL cost estimation needs bounds). Empty when fine.
 */
export function findStructuralProblems(node: JsonSchema, path = '$', options: { requireDescriptions: boolean } = { requireDescriptions: true }): string[] {
  const problems: string[] = [];
  const visit = (n: JsonSchema, p: string, isProperty: boolean): void => {
    if ('$ref' in n) problems.push(`${p}: $ref`);
    const intOrString = n['x-kubernetes-int-or-string'] === true;
    const preserve = n['x-kubernetes-preserve-unknown-fields'] === true;
    if (n.type === undefined && !intOrString) problems.push(`${p}: no type`);
    if (n.anyOf !== undefined && !intOrString) problems.push(`${p}: anyOf outside int-or-string`);
    if (n.oneOf !== undefined || n.allOf !== undefined) problems.push(`${p}: oneOf/allOf`);
    if (n.properties !== undefined && n.additionalProperties !== undefined) problems.push(`${p}: properties and additionalProperties together`);
    if (options.requireDescriptions && isProperty && typeof n.description !== 'string') problems.push(`${p}: no description`);
    if (n.type === 'array' && typeof n.maxItems !== 'number') problems.push(`${p}: array without maxItems`);
    if (n.type === 'string' && n.enum === undefined && n.format === undefined && typeof n.maxLength !== 'number') problems.push(`${p}: string without maxLength`);
    if (typeof n.exclusiveMinimum === 'number' || typeof n.exclusiveMaximum === 'number') problems.push(`${p}: JSON Schema 2020 exclusive bound`);
    if (preserve) return;
    if (n.properties !== undefined) {
      for (const [name, child] of Object.entries(n.properties as Record<string, JsonSchema>)) visit(child, `${p}.${name}`, true);
    }
    if (n.additionalProperties !== undefined && typeof n.additionalProperties === 'object') visit(n.additionalProperties as JsonSchema, `${p}.*`, false);
    if (n.items !== undefined) visit(n.items as JsonSchema, `${p}[]`, false);
  };
  visit(node, path, false);
  return problems;
}

function schemaOf(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', target: 'draft-2020-12' }) as JsonSchema;
  return toStructural(json, (json.$defs as Record<string, JsonSchema> | undefined) ?? {});
}

/** The openAPIV3Schema of the CassandraCluster resource. */
export function buildOpenApiSchema(): JsonSchema {
  const spec = schemaOf(CassandraClusterSpecSchema);
  // Status is written only by the operator: no defaults there, and required keys are relaxed
  // by the API server's own validation only for what we declare.
  const status = schemaOf(CassandraClusterStatusSchema);
  return {
    type: 'object',
    description: 'A Cassia (Cassandra-compatible) cluster managed by the Cassia operator: datacenters of racks of nodes, with safe scaling, rolling changes, repair and node replacement.',
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion of this object: cassia.dev/v1alpha1.' },
      kind: { type: 'string', description: 'Kind of this object: CassandraCluster.' },
      metadata: { type: 'object' },
      spec,
      status,
    },
    required: ['spec'],
    'x-kubernetes-validations': ROOT_CEL_RULES.map((r) => ({ ...r })),
  };
}

/** The whole CRD object. */
export function buildCrd(): JsonSchema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${PLURAL}.${API_GROUP}`,
      annotations: { 'cassia.dev/generated-by': 'scripts/gen-crds.ts from operator/api' },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: SINGULAR,
        shortNames: [...SHORT_NAMES],
        categories: [...CATEGORIES],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: PRINTER_COLUMNS.map((c) => ({ ...c })),
          schema: { openAPIV3Schema: buildOpenApiSchema() },
        },
      ],
    },
  };
}
