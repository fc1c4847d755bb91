// Small durable facts of this node's topology life, beside local.json in the system directory:
// the bootstrap progress (tokens announced, completed or not) and the decommissioned marker that
// keeps a node that left from rejoining. Each is one JSON document replaced atomically.
import type { Token } from '../../cluster/index.ts';
import { token } from '../../cluster/index.ts';
import type { Disk } from '../../io/index.ts';

export const BOOTSTRAP_FILE_NAME = 'bootstrap.json';
export const DECOMMISSIONED_FILE_NAME = 'decommissioned.json';

export type BootstrapState = 'IN_PROGRESS' | 'COMPLETED';

export interface BootstrapRecord {
  readonly state: BootstrapState;
  readonly tokens: readonly Token[];
}

export function loadBootstrapRecord(disk: Disk, directory: string): BootstrapRecord | null {
  const path = `${directory}/${BOOTSTRAP_FILE_NAME}`;
  if (disk.stat(path) === null) return null;
  try {
    const parsed = JSON.parse(disk.readFile(path).toString('utf8')) as { state?: unknown; tokens?: unknown };
    if ((parsed.state !== 'IN_PROGRESS' && parsed.state !== 'COMPLETED') || !Array.isArray(parsed.tokens)) return null;
    return { state: parsed.state, tokens: parsed.tokens.map((t) => token(BigInt(String(t)))) };
  } catch {
    return null;
  }
}

export function saveBootstrapRecord(disk: Disk, directory: string, record: BootstrapRecord): void {
  const body = JSON.stringify({ state: record.state, tokens: record.tokens.map(String) });
  disk.writeFileAtomic(`${directory}/${BOOTSTRAP_FILE_NAME}`, Buffer.from(body, 'utf8'));
}

export function isDecommissioned(disk: Disk, directory: string): boolean {
  return disk.stat(`${directory}/${DECOMMISSIONED_FILE_NAME}`) !== null;
}

export function markDecommissioned(disk: Disk, directory: string, atMs: number): void {
  disk.writeFileAtomic(`${directory}/${DECOMMISSIONED_FILE_NAME}`, Buffer.from(JSON.stringify({ decommissionedAtMs: atMs }), 'utf8'));
}
