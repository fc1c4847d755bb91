// Quarantine of corrupt SSTables: their files move to `<table dir>/quarantine/` (kept for
// `nodetool scrub` and for inspection), so reads and compactions carry on without them and a
// restart does not open them again. The TOC moves last: a crash midway leaves a TOC whose
// components are missing, which the next open quarantines again.
import type { Disk } from '../../io/index.ts';
import { ALL_COMPONENTS, Component, QUARANTINE_DIRECTORY, componentFileName, parseSSTableFileName } from './sstable-format.ts';

export function quarantineDirectoryOf(tableDirectory: string): string {
  return `${tableDirectory}/${QUARANTINE_DIRECTORY}`;
}

/** Moves every component of the generation that exists into the quarantine directory. */
export function quarantineSSTable(disk: Disk, directory: string, generation: number): string[] {
  const target = quarantineDirectoryOf(directory);
  disk.mkdirp(target);
  const moved: string[] = [];
  const order = [...ALL_COMPONENTS.filter((c) => c !== Component.TOC), Component.TOC];
  for (const c of order) {
    const name = componentFileName(generation, c);
    if (disk.stat(`${directory}/${name}`) === null) continue;
    disk.rename(`${directory}/${name}`, `${target}/${name}`);
    moved.push(name);
  }
  disk.syncDirectory(target);
  disk.syncDirectory(directory);
  return moved;
}

/** Generations present in the quarantine directory (complete or not). */
export function quarantinedGenerations(disk: Disk, directory: string): number[] {
  const generations = new Set<number>();
  for (const name of disk.list(quarantineDirectoryOf(directory))) {
    const parsed = parseSSTableFileName(name);
    if (parsed !== null && !parsed.temp) generations.add(parsed.generation);
  }
  return [...generations].sort((a, b) => a - b);
}
