// The opaque paging state handed to drivers: where the next page resumes (partition index for
// key lists, last partition position for ranges, last clustering) and how much of the LIMIT and
// PER PARTITION LIMIT is left. Versioned; a state that does not parse is refused as Invalid.
import { invalidRequest } from '../../lib/index.ts';

export interface PagingState {
  /** Index into the statement's list of partition keys (key-list queries). */
  readonly partitionIndex: number;
  /** Last partition returned (range queries). */
  readonly lastKey: Buffer | null;
  readonly lastToken: bigint | null;
  /** Last clustering returned in that partition; null when the partition is finished. */
  readonly lastClustering: readonly Buffer[] | null;
  /** Whether the last partition still has rows after lastClustering. */
  readonly partitionFinished: boolean;
  /** Rows still allowed by LIMIT. */
  readonly remaining: number;
  /** Rows already returned from the last partition (for PER PARTITION LIMIT). */
  readonly rowsInPartition: number;
  /** GROUP BY queries: groups already returned. */
  readonly groupsReturned?: number;
}

const VERSION = 1;

export function encodePagingState(s: PagingState): Buffer {
  return Buffer.from(
    JSON.stringify({
      v: VERSION,
      p: s.partitionIndex,
      k: s.lastKey?.toString('hex') ?? null,
      t: s.lastToken?.toString() ?? null,
      c: s.lastClustering?.map((b) => b.toString('hex')) ?? null,
      f: s.partitionFinished,
      r: Number.isFinite(s.remaining) ? s.remaining : -1,
      n: s.rowsInPartition,
      g: s.groupsReturned ?? null,
    }),
    'utf8',
  );
}

export function decodePagingState(bytes: Buffer): PagingState {
  try {
    const o = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    if (o['v'] !== VERSION) throw new Error('version');
    return {
      partitionIndex: Number(o['p']),
      lastKey: typeof o['k'] === 'string' ? Buffer.from(o['k'], 'hex') : null,
      lastToken: typeof o['t'] === 'string' ? BigInt(o['t']) : null,
      lastClustering: Array.isArray(o['c']) ? (o['c'] as string[]).map((h) => Buffer.from(h, 'hex')) : null,
      partitionFinished: o['f'] === true,
      remaining: Number(o['r']) < 0 ? Number.POSITIVE_INFINITY : Number(o['r']),
      rowsInPartition: Number(o['n']),
      ...(typeof o['g'] === 'number' ? { groupsReturned: o['g'] } : {}),
    };
  } catch {
    throw invalidRequest('Invalid value for the paging state');
  }
}
