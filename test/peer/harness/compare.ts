// Comparison policies. Golden: Cassandra against its own recorded results, exact. Cassia against
// Cassandra: kinds, column names and types, row counts and values exactly; error codes exactly and
// messages loosely; warnings never; a trailing empty page ignored (docs/compatibility.md).
import { isDeepStrictEqual } from 'node:util';
import type { CorpusCase } from './corpus.ts';
import type { Outcome } from './outcome.ts';

/** Differences between a fresh Cassandra outcome and the golden one (same version: exact). */
export function diffGolden(actual: Outcome, golden: Outcome, c: CorpusCase): string[] {
  if (c.messageUnstable === true && actual.kind === 'error' && golden.kind === 'error') {
    return actual.code === golden.code ? [] : [`error ${actual.codeName} differs from golden ${golden.codeName}: ${actual.message}`];
  }
  return isDeepStrictEqual(actual, golden) ? [] : [`differs from golden\n  golden: ${show(golden)}\n  actual: ${show(actual)}`];
}

/** Differences between Cassia's outcome and Cassandra's under the policy above. */
export function diffTargets(cassia: Outcome, cassandra: Outcome, c: CorpusCase): string[] {
  const out: string[] = [];
  if (cassia.kind !== cassandra.kind) {
    return [`outcome kind ${cassia.kind} vs Cassandra's ${cassandra.kind}\n  cassandra: ${show(cassandra)}\n  cassia:    ${show(cassia)}`];
  }
  if (cassia.kind === 'rows' && cassandra.kind === 'rows') {
    if (!isDeepStrictEqual(cassia.columns, cassandra.columns)) {
      out.push(`columns differ\n  cassandra: ${show(cassandra.columns)}\n  cassia:    ${show(cassia.columns)}`);
    }
    if (cassia.rowCount !== cassandra.rowCount) out.push(`row count ${cassia.rowCount} vs Cassandra's ${cassandra.rowCount}`);
    if (!isDeepStrictEqual(cassia.rows, cassandra.rows)) {
      out.push(`rows differ\n  cassandra: ${show(cassandra.rows)}\n  cassia:    ${show(cassia.rows)}`);
    }
    if (!isDeepStrictEqual(trimTrailingEmpty(cassia.pages), trimTrailingEmpty(cassandra.pages))) {
      out.push(`page sizes ${show(cassia.pages)} vs Cassandra's ${show(cassandra.pages)}`);
    }
  } else if (cassia.kind === 'error' && cassandra.kind === 'error') {
    if (cassia.code !== cassandra.code) {
      out.push(`error ${cassia.codeName} (${cassia.code}) vs Cassandra's ${cassandra.codeName} (${cassandra.code})\n  cassandra: ${cassandra.message}\n  cassia:    ${cassia.message}`);
    }
    if (cassia.message.trim() === '') out.push('empty error message');
    out.push(...missingWords(cassia.message, c.messageIncludes));
  } else if (cassia.kind === 'metadata' && cassandra.kind === 'metadata') {
    if (!isDeepStrictEqual(cassia.value, cassandra.value)) {
      out.push(`driver metadata differs\n  cassandra: ${show(cassandra.value)}\n  cassia:    ${show(cassia.value)}`);
    }
  } else if (cassia.kind === 'client-error' && cassandra.kind === 'client-error') {
    if (cassia.errorName !== cassandra.errorName) out.push(`client error ${cassia.errorName} vs Cassandra's ${cassandra.errorName}`);
  }
  return out;
}

/** Violations of the intent a case records (expectError, expectRows, messageIncludes). */
export function checkExpectations(outcome: Outcome, c: CorpusCase): string[] {
  const out: string[] = [];
  if (c.expectError !== undefined) {
    if (outcome.kind !== 'error') out.push(`expected error ${c.expectError}, got ${show(outcome)}`);
    else if (outcome.codeName !== c.expectError) out.push(`expected error ${c.expectError}, got ${outcome.codeName}: ${outcome.message}`);
  } else if (outcome.kind === 'error' || outcome.kind === 'client-error') {
    if (c.messageIncludes === undefined) out.push(`unexpected error: ${show(outcome)}`);
  }
  if (outcome.kind === 'error' && c.messageIncludes !== undefined) out.push(...missingWords(outcome.message, c.messageIncludes));
  if (c.expectRows !== undefined) {
    const count = outcome.kind === 'rows' ? outcome.rowCount : undefined;
    if (count !== c.expectRows) out.push(`expected ${c.expectRows} rows, got ${count === undefined ? outcome.kind : count}`);
  }
  return out;
}

function missingWords(message: string, words: readonly string[] | undefined): string[] {
  if (words === undefined) return [];
  const lower = message.toLowerCase();
  return words.filter((w) => !lower.includes(w.toLowerCase())).map((w) => `error message lacks "${w}": ${message}`);
}

function trimTrailingEmpty(pages: readonly number[] | undefined): readonly number[] | undefined {
  if (pages === undefined) return undefined;
  let end = pages.length;
  while (end > 1 && pages[end - 1] === 0) end--;
  return pages.slice(0, end);
}

const SHOW_CHARS_MAX = 2_000;

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > SHOW_CHARS_MAX ? `${text.slice(0, SHOW_CHARS_MAX)}...` : text;
}
