// Pure helpers over rendered manifests: split multi-document YAML into objects, name them, and
// tell whether the live object still holds every field of the manifest (what a GitOps tool
// compares: a manifest field the API server rewrote, e.g. a quantity "1000m" stored as "1",
// shows as a permanent diff).
import { parseAllDocuments } from 'yaml';

export type Json = Record<string, unknown>;

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects of a multi-document YAML text (empty documents and comments skipped). */
export function parseManifests(text: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (!isObject(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string' || !isObject(value.metadata) || typeof value.metadata.name !== 'string') {
      throw new Error(`not a Kubernetes object: ${JSON.stringify(value).slice(0, 200)}`);
    }
    out.push(value as KubeObject);
  }
  return out;
}

/** Group of an apiVersion ("" for core). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** "kind/name" or "kind/namespace/name": unique within one apply. */
export function objectId(o: KubeObject, defaultNamespace?: string): string {
  const ns = o.metadata.namespace ?? defaultNamespace;
  return ns === undefined ? `${o.kind}/${o.metadata.name}` : `${o.kind}/${ns}/${o.metadata.name}`;
}

/** Distinct group/version/kind triples of some objects, in first-seen order. */
export function kindsOf(objects: readonly KubeObject[]): Array<{ group: string; version: string; kind: string }> {
  const seen = new Map<string, { group: string; version: string; kind: string }>();
  for (const o of objects) {
    const group = groupOf(o.apiVersion);
    const version = o.apiVersion.slice(o.apiVersion.indexOf('/') + 1);
    seen.set(`${group}/${version}/${o.kind}`, { group, version, kind: o.kind });
  }
  return [...seen.values()];
}

/**
 * Paths where `live` lacks or differs from a field of `manifest` (empty: the manifest is a subset
 * of the live object). Lists must have the same length; their items are compared as subsets,
 * since the API server defaults fields inside items (container ports get a protocol).
 */
export function subsetMismatches(manifest: unknown, live: unknown, path = '', out: string[] = [], limit = 20): string[] {
  if (out.length >= limit) return out;
  if (isObject(manifest)) {
    if (!isObject(live)) {
      out.push(`${path || '.'}: expected an object, found ${JSON.stringify(live)}`);
      return out;
    }
    for (const [k, v] of Object.entries(manifest)) {
      if (!(k in live)) {
        // An empty map or list in a manifest is often not stored at all: still a diff for
        // tools that compare text, so report it.
        out.push(`${path}.${k}: missing (manifest has ${JSON.stringify(v)})`);
        continue;
      }
      subsetMismatches(v, live[k], `${path}.${k}`, out, limit);
    }
    return out;
  }
  if (Array.isArray(manifest)) {
    if (!Array.isArray(live) || live.length !== manifest.length) {
      out.push(`${path}: expected ${manifest.length} items, found ${Array.isArray(live) ? live.length : JSON.stringify(live)}`);
      return out;
    }
    manifest.forEach((m, i) => subsetMismatches(m, live[i], `${path}[${i}]`, out, limit));
    return out;
  }
  if (manifest !== live) out.push(`${path}: manifest ${JSON.stringify(manifest)}, live ${JSON.stringify(live)}`);
  return out;
}

/**
 * The object as far as a client's apply is concerned: no resourceVersion, no status (written by
 * controllers), and only the managedFields entries of `fieldManager`. Two snapshots that are
 * equal show that a second apply by that manager wrote nothing.
 */
export function applySnapshot(o: Json, fieldManager: string): string {
  const metadata = { ...(o.metadata as Json) };
  delete metadata.resourceVersion;
  const managed = (metadata.managedFields as Array<{ manager?: string }> | undefined) ?? [];
  metadata.managedFields = managed.filter((m) => m.manager === fieldManager);
  const copy: Json = { ...o, metadata };
  delete copy.status;
  return stableStringify(copy);
}

export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (isObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}
