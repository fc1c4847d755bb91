// The on-disk layout of a local cluster folder (default .cassia/local): cluster.json (the
// manifest `status`/`down` read) and one folder per node holding cassia.yaml, data, commitlog,
// hints, logs/cassia.log and cassia.pid. The manifest is written before any node starts.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export const DEFAULT_LOCAL_DIR = '.cassia/local';
export const MANIFEST_FILE = 'cluster.json';

const manifestSchema = z.object({
  version: z.literal(1),
  clusterName: z.string().min(1),
  commitLogSync: z.enum(['periodic', 'batch']),
  nodes: z.array(z.object({
    index: z.number().int().min(1),
    name: z.string().min(1),
    address: z.string().min(1),
    dc: z.string().min(1),
    rack: z.string().min(1),
    cqlPort: z.number().int().min(1).max(65535),
    storagePort: z.number().int().min(0).max(65535),
    managementPort: z.number().int().min(0).max(65535),
  })).min(1),
});

export type ClusterManifest = z.output<typeof manifestSchema>;
export type ManifestNode = ClusterManifest['nodes'][number];

export interface NodePaths {
  readonly dir: string;
  readonly config: string;
  readonly data: string;
  readonly commitLog: string;
  readonly hints: string;
  readonly logs: string;
  readonly log: string;
  readonly pid: string;
}

export function clusterDir(dir: string | undefined, cwd: string): string {
  return resolve(cwd, dir ?? DEFAULT_LOCAL_DIR);
}

export function nodePaths(clusterDirectory: string, nodeName: string): NodePaths {
  const dir = join(clusterDirectory, nodeName);
  return {
    dir,
    config: join(dir, 'cassia.yaml'),
    data: join(dir, 'data'),
    commitLog: join(dir, 'commitlog'),
    hints: join(dir, 'hints'),
    logs: join(dir, 'logs'),
    log: join(dir, 'logs', 'cassia.log'),
    pid: join(dir, 'cassia.pid'),
  };
}

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** The manifest of the cluster in `clusterDirectory`, or null if there is none. */
export function readManifest(clusterDirectory: string): ClusterManifest | null {
  const path = join(clusterDirectory, MANIFEST_FILE);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ManifestError(`cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new ManifestError(`${path} is not a cassia local cluster manifest: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

/** Writes the manifest atomically (temp file + rename). */
export function writeManifest(clusterDirectory: string, manifest: ClusterManifest): void {
  mkdirSync(clusterDirectory, { recursive: true });
  const path = join(clusterDirectory, MANIFEST_FILE);
  const temp = `${path}.tmp`;
  writeFileSync(temp, `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`);
  renameSync(temp, path);
}
