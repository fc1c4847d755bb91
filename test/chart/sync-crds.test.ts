import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { crdSourceDir, operatorChartDir, sync, type SyncIo } from './sync-crds.ts';
import fs from 'node:fs';

function memoryIo(files: Record<string, string>): SyncIo & { files: Map<string, string>; lines: string[] } {
  const map = new Map(Object.entries(files));
  const lines: string[] = [];
  return {
    files: map,
    lines,
    list: (dir) => [...map.keys()].filter((f) => path.dirname(f) === dir && f.endsWith('.yaml')).map((f) => path.basename(f)).sort(),
    read: (file) => map.get(file),
    write: (file, text) => void map.set(file, text),
    remove: (file) => void map.delete(file),
    log: (line) => void lines.push(line),
  };
}

const crdText = fs.readFileSync(path.join(crdSourceDir, 'cassia.dev_cassandraclusters.yaml'), 'utf8');

describe('sync-crds', () => {
  it('writes the chart CRD copy and the values schema, then finds them in sync', () => {
    const io = memoryIo({ [path.join(crdSourceDir, 'cassia.dev_cassandraclusters.yaml')]: crdText, [path.join(operatorChartDir, 'crds', 'old.yaml')]: 'x' });
    expect(sync({ check: true }, io)).toBe(1);
    expect(io.lines.join('\n')).toMatch(/out of date[\s\S]*old.yaml has no source/);
    expect(sync({ check: false }, io)).toBe(0);
    expect(io.files.get(path.join(operatorChartDir, 'crds', 'cassia.dev_cassandraclusters.yaml'))).toBe(crdText);
    expect(io.files.has(path.join(operatorChartDir, 'crds', 'old.yaml'))).toBe(false);
    expect(sync({ check: true }, io)).toBe(0);
  });

  it('the committed charts are in sync with crds/', () => {
    expect(sync({ check: true }, { ...memoryIo({}), list: (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort() : []), read: (f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : undefined) })).toBe(0);
  });
});
