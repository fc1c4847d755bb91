// Deletion times: a deletion at T shadows everything with a timestamp <= T; between deletions
// the later one supersedes (ties go to the greater local deletion time, as Cassandra's
// DeletionTime.supersedes does).
import type { DeletionTime } from './model.ts';

/** True when `a` supersedes `b` (a null deletion is superseded by any deletion). */
export function supersedes(a: DeletionTime, b: DeletionTime | null): boolean {
  if (b === null) return true;
  if (a.markedForDeleteAtMicros !== b.markedForDeleteAtMicros) return a.markedForDeleteAtMicros > b.markedForDeleteAtMicros;
  return a.localDeletionTimeSeconds > b.localDeletionTimeSeconds;
}

export function maxDeletion(a: DeletionTime | null, b: DeletionTime | null): DeletionTime | null {
  if (a === null) return b;
  if (b === null) return a;
  return supersedes(b, a) ? b : a;
}

/** Does `deletion` shadow data written at `timestampMicros`? */
export function deletes(deletion: DeletionTime | null, timestampMicros: number): boolean {
  return deletion !== null && timestampMicros <= deletion.markedForDeleteAtMicros;
}

export function deletionsEqual(a: DeletionTime | null, b: DeletionTime | null): boolean {
  if (a === null || b === null) return a === b;
  return a.markedForDeleteAtMicros === b.markedForDeleteAtMicros && a.localDeletionTimeSeconds === b.localDeletionTimeSeconds;
}
