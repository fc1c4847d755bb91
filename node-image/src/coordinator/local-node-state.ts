// The node's durable identity (system.local in Cassandra): host id, tokens, cluster name and the
// gossip generation, kept in one JSON file replaced atomically. A restart keeps the host id and
// tokens and bumps the generation strictly (seconds since the epoch, at least previous + 1).
import type { Clock, Disk, Random } from '../io/index.ts';
import { TOKEN_MAX, TOKEN_MIN } from '../lib/index.ts';
import { randomUuid, uuidToString } from '../schema/index.ts';

export const LOCAL_STATE_FILE_NAME = 'local.json';
const FORMAT = 'cassia-local-state';
const VERSION = 1;

export interface LocalNodeState {
  readonly hostId: string;
  readonly clusterName: string;
  readonly tokens: readonly bigint[];
  readonly generation: number;
  readonly bootstrapped: boolean;
}

export class LocalStateError extends Error {
  override readonly name = 'LocalStateError';
}

function randomToken(random: Random): bigint {
  const bytes = new Uint8Array(8);
  random.fillBytes(bytes);
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  const t = BigInt.asIntN(64, v);
  return t === TOKEN_MIN ? TOKEN_MAX : t;
}

/** Loads the local state, or creates it (new host id, tokens) on first boot; bumps the generation. */
export function openLocalNodeState(options: {
  disk: Disk; clock: Clock; random: Random; directory: string; clusterName: string; numTokens: number; initialTokens: readonly bigint[] | null;
}): LocalNodeState {
  const { disk, directory } = options;
  disk.mkdirp(directory);
  const path = `${directory}/${LOCAL_STATE_FILE_NAME}`;
  const nowSeconds = Math.floor(options.clock.nowMs() / 1000);
  let state: LocalNodeState;
  if (disk.stat(path) !== null) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(disk.readFile(path).toString('utf8')) as Record<string, unknown>;
    } catch (error) {
      throw new LocalStateError(`corrupt ${path}: ${(error as Error).message}`);
    }
    if (parsed['format'] !== FORMAT || parsed['version'] !== VERSION) throw new LocalStateError(`${path}: unknown format`);
    const clusterName = String(parsed['clusterName']);
    if (clusterName !== options.clusterName) {
      throw new LocalStateError(`Saved cluster name ${clusterName} != configured name ${options.clusterName}`);
    }
    const previous = Number(parsed['generation']);
    state = {
      hostId: String(parsed['hostId']),
      clusterName,
      tokens: (parsed['tokens'] as string[]).map((t) => BigInt(t)),
      generation: Math.max(nowSeconds, previous + 1),
      bootstrapped: parsed['bootstrapped'] === true,
    };
  } else {
    const tokens = options.initialTokens ?? Array.from({ length: options.numTokens }, () => randomToken(options.random));
    state = {
      hostId: uuidToString(randomUuid(options.random)),
      clusterName: options.clusterName,
      tokens: [...new Set(tokens)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      generation: nowSeconds,
      bootstrapped: false,
    };
  }
  saveLocalNodeState(disk, directory, state);
  return state;
}

export function saveLocalNodeState(disk: Disk, directory: string, state: LocalNodeState): void {
  const body = JSON.stringify({
    format: FORMAT, version: VERSION, hostId: state.hostId, clusterName: state.clusterName,
    tokens: state.tokens.map((t) => t.toString()), generation: state.generation, bootstrapped: state.bootstrapped,
  });
  disk.writeFileAtomic(`${directory}/${LOCAL_STATE_FILE_NAME}`, Buffer.from(body, 'utf8'));
}
