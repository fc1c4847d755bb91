// A position in the commit log: a segment id and a byte offset inside it. Positions are totally
// ordered (segment ids only grow, across restarts too); a flush records the position up to which
// a table's data is in SSTables, and replay skips that table's entries before it.
export interface CommitLogPosition {
  readonly segmentId: number;
  readonly offsetBytes: number;
}

export const COMMIT_LOG_POSITION_NONE: CommitLogPosition = { segmentId: 0, offsetBytes: 0 };

export function comparePositions(a: CommitLogPosition, b: CommitLogPosition): number {
  if (a.segmentId !== b.segmentId) return a.segmentId < b.segmentId ? -1 : 1;
  return a.offsetBytes - b.offsetBytes;
}

export function maxPosition(a: CommitLogPosition, b: CommitLogPosition): CommitLogPosition {
  return comparePositions(a, b) >= 0 ? a : b;
}
