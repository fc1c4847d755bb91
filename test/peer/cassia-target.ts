// The Cassia side of the peer comparison. It starts a Cassia node in-process through `startNode`
// from node-image/src/node.ts when that export exists (checked at run time), uses an already running
// node when CASSIA_PEER_CASSIA_CONTACT_POINT is set, and otherwise says why the Cassia side is skipped.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommitLogSyncMode } from './cassandra/index.ts';

export const CASSIA_NODE_MODULE = resolve(import.meta.dirname, '..', '..', 'node-image', 'src', 'node.ts');
/** Cassia nodes live on 127.0.0.x; the peer runs use the top of that range. */
export const CASSIA_PEER_ADDRESS_DEFAULT = '127.0.0.250';

/** What the peer harness passes to node.ts's `startNode` (the interface it expects). */
export interface PeerStartNodeOptions {
  readonly clusterName: string;
  readonly listenAddress: string;
  readonly rpcAddress: string;
  readonly nativePort: number;
  readonly dataDir: string;
  readonly commitLogSync: CommitLogSyncMode;
}

export interface RunningTarget {
  readonly name: 'cassia' | 'cassandra';
  readonly contactPoint: string;
  readonly localDataCenter: string;
  stop(): Promise<void>;
}

export type CassiaTargetResult =
  | { readonly ok: true; readonly target: RunningTarget }
  | { readonly ok: false; readonly reason: string };

export interface CassiaTargetOptions {
  readonly commitLogSync: CommitLogSyncMode;
  readonly address?: string;
  readonly nativePort?: number;
}

/** Decides (at run time) whether the Cassia side can run, and starts it if so. */
export async function startCassiaTarget(options: CassiaTargetOptions): Promise<CassiaTargetResult> {
  const external = process.env['CASSIA_PEER_CASSIA_CONTACT_POINT'];
  if (external !== undefined && external !== '') {
    return {
      ok: true,
      target: {
        name: 'cassia',
        contactPoint: external,
        localDataCenter: process.env['CASSIA_PEER_CASSIA_DC'] ?? 'datacenter1',
        stop: async () => {},
      },
    };
  }
  if (process.env['CASSIA_PEER_SKIP_CASSIA'] === '1') return { ok: false, reason: 'CASSIA_PEER_SKIP_CASSIA=1' };
  if (!existsSync(CASSIA_NODE_MODULE)) {
    return { ok: false, reason: 'node-image/src/node.ts does not exist yet (no Cassia node to start)' };
  }
  // An import failure of an existing node.ts is a real failure, not a reason to skip.
  const mod = (await import(pathToFileURL(CASSIA_NODE_MODULE).href)) as Record<string, unknown>;
  const startNode = mod['startNode'];
  if (typeof startNode !== 'function') {
    return { ok: false, reason: 'node-image/src/node.ts does not export startNode yet' };
  }
  const address = options.address ?? CASSIA_PEER_ADDRESS_DEFAULT;
  const nativePort = options.nativePort ?? 9042;
  const dataDir = mkdtempSync(join(tmpdir(), 'cassia-peer-cassia-'));
  const nodeOptions: PeerStartNodeOptions = {
    clusterName: 'cassia-peer',
    listenAddress: address,
    rpcAddress: address,
    nativePort,
    dataDir,
    commitLogSync: options.commitLogSync,
  };
  const handle = (await (startNode as (o: PeerStartNodeOptions) => Promise<unknown>)(nodeOptions)) as {
    stop?: () => Promise<void>;
    close?: () => Promise<void>;
    localDataCenter?: string;
  };
  const stopNode = handle.stop ?? handle.close;
  if (typeof stopNode !== 'function') throw new Error('startNode returned no stop() or close()');
  return {
    ok: true,
    target: {
      name: 'cassia',
      contactPoint: `${address}:${nativePort}`,
      localDataCenter: handle.localDataCenter ?? 'datacenter1',
      stop: async () => {
        await stopNode.call(handle);
        rmSync(dataDir, { recursive: true, force: true });
      },
    },
  };
}

/** The banner printed when the Cassia side does not run: impossible to miss in CI output. */
export function skipBanner(what: string, reason: string): string {
  const line = '!'.repeat(100);
  return `\n${line}\n!!! ${what}: CASSIA SIDE SKIPPED: ${reason}\n!!! Only Apache Cassandra ran. Enable by exporting startNode from node-image/src/node.ts\n!!! (see test/peer/cassia-target.ts) or set CASSIA_PEER_CASSIA_CONTACT_POINT=host:port.\n${line}\n`;
}
