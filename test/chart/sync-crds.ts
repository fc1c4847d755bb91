// Keeps the charts in step with crds/ (generated from operator/api by `npm run gen:crds`): copies
// every CRD byte for byte into charts/cassia-operator/crds/ and derives the cassia-cluster chart's
// values.schema.json from the CassandraCluster spec schema. `--check` writes nothing and exits 1
// on drift (run by `npm run test:chart` in CI); without it the files are written.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { clusterValuesSchema, type Json } from './json-schema.ts';

export const repoDir = path.resolve(import.meta.dirname, '..', '..');
export const crdSourceDir = path.join(repoDir, 'crds');
export const operatorChartDir = path.join(repoDir, 'charts', 'cassia-operator');
export const clusterChartDir = path.join(repoDir, 'charts', 'cassia-cluster');
export const CLUSTER_CRD_FILE = 'cassia.dev_cassandraclusters.yaml';

/** Every file the charts derive from crds/: path -> expected text. */
export function expectedFiles(readSource: (file: string) => string, sourceNames: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of sourceNames) files.set(path.join(operatorChartDir, 'crds', name), readSource(name));
  if (!sourceNames.includes(CLUSTER_CRD_FILE)) throw new Error(`crds/${CLUSTER_CRD_FILE} is missing`);
  const crd = parse(readSource(CLUSTER_CRD_FILE)) as Json;
  files.set(path.join(clusterChartDir, 'values.schema.json'), `${JSON.stringify(clusterValuesSchema(crd), null, 2)}\n`);
  return files;
}

export interface SyncIo {
  list(dir: string): string[];
  read(file: string): string | undefined;
  write(file: string, text: string): void;
  remove(file: string): void;
  log(line: string): void;
}

const realIo: SyncIo = {
  list: (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort() : []),
  read: (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined),
  write: (file, text) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  },
  remove: (file) => fs.rmSync(file),
  log: (line) => console.log(line),
};

/** 0 when in sync (or written); 1 when --check finds drift. */
export function sync(options: { check: boolean }, io: SyncIo = realIo): number {
  const sources = io.list(crdSourceDir);
  const expected = expectedFiles((name) => io.read(path.join(crdSourceDir, name)) ?? '', sources);
  const chartCrdDir = path.join(operatorChartDir, 'crds');
  const stale = io.list(chartCrdDir).filter((f) => !sources.includes(f)).map((f) => path.join(chartCrdDir, f));
  const drift = [...expected].filter(([file, text]) => io.read(file) !== text).map(([file]) => file);
  const rel = (f: string): string => path.relative(repoDir, f);
  if (options.check) {
    if (drift.length === 0 && stale.length === 0) {
      io.log(`sync-crds: charts match crds/ (${expected.size} files)`);
      return 0;
    }
    for (const f of drift) io.log(`sync-crds: ${rel(f)} is out of date`);
    for (const f of stale) io.log(`sync-crds: ${rel(f)} has no source in crds/`);
    io.log('sync-crds: run `node test/chart/sync-crds.ts` and commit the result');
    return 1;
  }
  for (const f of drift) {
    io.write(f, expected.get(f)!);
    io.log(`sync-crds: wrote ${rel(f)}`);
  }
  for (const f of stale) {
    io.remove(f);
    io.log(`sync-crds: removed ${rel(f)}`);
  }
  if (drift.length === 0 && stale.length === 0) io.log('sync-crds: already in sync');
  return 0;
}

if (import.meta.main) process.exit(sync({ check: process.argv.includes('--check') }));
