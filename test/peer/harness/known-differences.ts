// Cases where Cassia differs from Cassandra, each explained in docs/compatibility.md (intended
// differences, or bugs to fix). A listed case that differs passes and is counted; an unlisted one
// fails; a listed one that now matches is reported as fixed. Regenerate the file with
// CASSIA_PEER_UPDATE_KNOWN=1 npm run test:peer and review the diff.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

export const KNOWN_DIFFERENCES_PATH = join(import.meta.dirname, '..', 'cassia-known-differences.yaml');
const SUMMARY_CHARS_MAX = 160;

/** corpus file -> case name -> first line of the first difference seen. */
export type KnownDifferences = Record<string, Record<string, string>>;

export function knownUpdateRequested(): boolean {
  return process.env['CASSIA_PEER_UPDATE_KNOWN'] === '1';
}

export function readKnownDifferences(path: string = KNOWN_DIFFERENCES_PATH): KnownDifferences {
  if (!existsSync(path)) return {};
  return (parse(readFileSync(path, 'utf8')) as KnownDifferences | null) ?? {};
}

export function isKnownDifference(known: KnownDifferences, file: string, caseName: string): boolean {
  return known[file]?.[caseName] !== undefined;
}

/** A one-line description of a difference for the list. */
export function summarizeProblem(problem: string): string {
  const firstLine = problem.split('\n')[0] ?? problem;
  return firstLine.length > SUMMARY_CHARS_MAX ? `${firstLine.slice(0, SUMMARY_CHARS_MAX)}...` : firstLine;
}

export function writeKnownDifferences(known: KnownDifferences, path: string = KNOWN_DIFFERENCES_PATH): void {
  const header = [
    '# Cases where Cassia differs from Apache Cassandra 5.0.9. Every entry must be explained in',
    '# docs/compatibility.md. test:peer passes while these differ and reports them; any other',
    '# difference fails. Regenerate: CASSIA_PEER_UPDATE_KNOWN=1 npm run test:peer',
    '',
  ].join('\n');
  const sorted: KnownDifferences = {};
  for (const file of Object.keys(known).sort()) {
    const cases = known[file]!;
    if (Object.keys(cases).length > 0) sorted[file] = cases;
  }
  writeFileSync(path, `${header}${Object.keys(sorted).length === 0 ? '{}\n' : stringify(sorted, { lineWidth: 0 })}`);
}
