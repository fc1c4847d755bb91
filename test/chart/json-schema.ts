// Pure conversions of Kubernetes schemas into plain JSON Schema: the CRD's structural OpenAPI v3
// (-> the cassia-cluster chart's values.schema.json, and kubeconform schemas) and the API
// server's OpenAPI v2 (-> one standalone kubeconform schema per kind). Strict mode closes every
// object that lists its properties, so a misspelt field is an error instead of being pruned.

export type Json = Record<string, unknown>;

/** Definitions whose wire form is "int or string" / "number or string" in YAML manifests. */
const INT_OR_STRING_DEFINITION = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY_DEFINITION = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/** Every schema written here is draft-07 (exclusive bounds are numbers; kubeconform assumes draft-04 otherwise). */
const DRAFT_07 = 'http://json-schema.org/draft-07/schema#';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ConvertOptions {
  /** Close objects that list properties (additionalProperties: false). */
  readonly strict: boolean;
  /** Accept null wherever a type is given (OpenAPI v2 fields are optional pointers). */
  readonly allowNull: boolean;
}

/** One schema node: drops x-kubernetes-* and format, maps int-or-string, closes objects. */
export function convertSchema(node: unknown, options: ConvertOptions): unknown {
  if (Array.isArray(node)) return node.map((n) => convertSchema(n, options));
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'format' || key === 'nullable') continue;
    if (key === 'properties' && isObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertSchema(v, options)]));
    } else if (key === 'additionalProperties' || key === 'items' || key === 'not') {
      out[key] = typeof value === 'boolean' ? value : convertSchema(value, options);
    } else if (key === 'allOf' || key === 'anyOf' || key === 'oneOf') {
      out[key] = convertSchema(value, options);
    } else if (key === 'definitions' && isObject(value)) {
      out.definitions = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertSchema(v, options)]));
    } else {
      out[key] = value;
    }
  }
  // OpenAPI 3.0 (Kubernetes) writes exclusive bounds as booleans beside minimum/maximum;
  // draft-07 JSON Schema wants the bound itself.
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else {
      delete out[flag];
    }
  }
  const intOrString = node['x-kubernetes-int-or-string'] === true || node.format === 'int-or-string';
  if (intOrString && out.anyOf === undefined && out.oneOf === undefined) {
    delete out.type;
    out.oneOf = [{ type: 'string' }, { type: 'integer' }];
  }
  const preserveUnknown = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (options.strict && !preserveUnknown && isObject(out.properties) && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  const nullable = options.allowNull || node.nullable === true;
  if (nullable && typeof out.type === 'string') out.type = [out.type, 'null'];
  return out;
}

export interface CrdVersionSchema {
  readonly group: string;
  readonly kind: string;
  readonly version: string;
  readonly schema: Json;
}

/** The openAPIV3Schema of every served version of a CRD. */
export function crdVersionSchemas(crd: Json): CrdVersionSchema[] {
  const spec = crd.spec as { group: string; names: { kind: string }; versions: Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: Json } }> };
  return spec.versions
    .filter((v) => v.served !== false && v.schema?.openAPIV3Schema !== undefined)
    .map((v) => ({ group: spec.group, kind: spec.names.kind, version: v.name, schema: v.schema!.openAPIV3Schema! }));
}

/** kubeconform's file name for a kind under the template KUBECONFORM_SCHEMA_TEMPLATE. */
export function kubeconformFileName(options: { group: string; version: string; kind: string }): string {
  // kubeconform's {{ .Group }} is the first part of apiVersion: the group, or "v1" for core.
  const group = options.group === '' ? options.version : options.group;
  return `${options.kind.toLowerCase()}_${group}_${options.version}.json`;
}
export const KUBECONFORM_SCHEMA_TEMPLATE = '{{ .ResourceKind }}_{{ .Group }}_{{ .ResourceAPIVersion }}.json';

/** A CRD version as a standalone kubeconform schema (apiVersion, kind, metadata added). */
export function crdKubeconformSchema(v: CrdVersionSchema, options: { strict: boolean }): Json {
  const converted = convertSchema(v.schema, { strict: options.strict, allowNull: false }) as Json;
  const properties = { ...(converted.properties as Json | undefined) };
  properties.apiVersion = { type: 'string', enum: [`${v.group}/${v.version}`] };
  properties.kind = { type: 'string', enum: [v.kind] };
  properties.metadata = { type: 'object' };
  return { $schema: DRAFT_07, ...converted, type: 'object', properties, required: ['apiVersion', 'kind', 'metadata', ...((converted.required as string[] | undefined) ?? [])] };
}

/**
 * The cassia-cluster chart's values schema: CassandraCluster.spec (closed objects, so typos
 * fail), plus the chart's own keys; clusterName becomes optional (the chart defaults it).
 */
export function clusterValuesSchema(crd: Json): Json {
  const [first] = crdVersionSchemas(crd);
  if (first === undefined) throw new Error('the CRD has no served version with a schema');
  const spec = (first.schema.properties as Json | undefined)?.spec;
  if (!isObject(spec)) throw new Error('the CRD schema has no spec');
  const converted = convertSchema(spec, { strict: true, allowNull: false }) as Json;
  const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
  return {
    $schema: DRAFT_07,
    title: `Values of the cassia-cluster chart: metadata, then ${first.kind}.spec (${first.group}/${first.version})`,
    description: 'Generated by test/chart/sync-crds.ts from the CRD in crds/. Do not edit.',
    type: 'object',
    additionalProperties: false,
    required: ((converted.required as string[] | undefined) ?? []).filter((k) => k !== 'clusterName'),
    properties: {
      global: { type: 'object', description: 'Helm global values (when used as a subchart).' },
      nameOverride: { type: 'string', maxLength: 63, pattern: '^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', description: 'Name of the CassandraCluster; the release name when empty.' },
      labels: { ...stringMap, description: 'Extra labels of the CassandraCluster.' },
      annotations: { ...stringMap, description: 'Extra annotations of the CassandraCluster.' },
      ...(converted.properties as Json),
    },
  };
}

/** A group/version/kind as OpenAPI v2 tags definitions (x-kubernetes-group-version-kind). */
export interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

function refsIn(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) for (const n of node) refsIn(n, into);
  else if (isObject(node)) {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/definitions/')) into.add(v.slice('#/definitions/'.length));
      else refsIn(v, into);
    }
  }
}

/**
 * One standalone schema per requested kind from the API server's /openapi/v2 document: the kind's
 * definition with the definitions it reaches embedded (refs stay "#/definitions/..."), int-or-string
 * and quantities accepting numbers, optional fields accepting null. Throws for an unknown kind.
 */
export function openApiV2KubeconformSchemas(openapi: Json, kinds: readonly Gvk[], options: { strict: boolean }): Map<string, Json> {
  const definitions = openapi.definitions as Record<string, Json>;
  const byGvk = new Map<string, string>();
  for (const [name, def] of Object.entries(definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'] as Gvk[] | undefined;
    for (const g of gvks ?? []) byGvk.set(`${g.group}/${g.version}/${g.kind}`, name);
  }
  const special = (name: string): Json | undefined => {
    if (name === INT_OR_STRING_DEFINITION) return { oneOf: [{ type: 'string' }, { type: 'integer' }] };
    if (name === QUANTITY_DEFINITION) return { oneOf: [{ type: 'string' }, { type: 'number' }] };
    return undefined;
  };
  const files = new Map<string, Json>();
  for (const gvk of kinds) {
    const root = byGvk.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
    if (root === undefined) throw new Error(`the API server's OpenAPI has no ${gvk.group || 'core'}/${gvk.version} ${gvk.kind}`);
    const reached = new Set<string>([root]);
    const queue = [root];
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (special(name) !== undefined) continue;
      const refs = new Set<string>();
      refsIn(definitions[name], refs);
      for (const r of refs) {
        if (!reached.has(r)) {
          reached.add(r);
          queue.push(r);
        }
      }
    }
    const embedded: Json = {};
    for (const name of reached) embedded[name] = special(name) ?? convertSchema(definitions[name], { strict: options.strict, allowNull: true });
    files.set(kubeconformFileName(gvk), { $schema: DRAFT_07, ...(embedded[root] as Json), definitions: embedded });
  }
  return files;
}
