// Golden files: Cassandra's reviewed outcomes per corpus file (test/peer/golden/<file>.json), keyed
// by case name, tagged with the Cassandra version that produced them. Regenerate with
// CASSIA_PEER_UPDATE_GOLDEN=1 npm run test:peer, then review the diff before committing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Outcome } from './outcome.ts';

export const GOLDEN_DIR = join(import.meta.dirname, '..', 'golden');

export interface GoldenFile {
  readonly cassandraVersion: string;
  readonly cases: Record<string, Outcome>;
}

export function goldenUpdateRequested(): boolean {
  return process.env['CASSIA_PEER_UPDATE_GOLDEN'] === '1';
}

export function readGolden(corpusName: string): GoldenFile | undefined {
  const path = join(GOLDEN_DIR, `${corpusName}.json`);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as GoldenFile;
}

/** One case per line inside the object, so a review diff shows which case changed. */
export function writeGolden(corpusName: string, golden: GoldenFile): void {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  const lines = Object.entries(golden.cases).map(([name, outcome]) => `    ${JSON.stringify(name)}: ${JSON.stringify(outcome)}`);
  const text = `{\n  "cassandraVersion": ${JSON.stringify(golden.cassandraVersion)},\n  "cases": {\n${lines.join(',\n')}\n  }\n}\n`;
  writeFileSync(join(GOLDEN_DIR, `${corpusName}.json`), text);
}
