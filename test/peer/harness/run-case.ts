// Runs one corpus case against one target through cassandra-driver and returns its Outcome.
// Parameters imply a prepared statement (unprepared bound values would be typed by guesswork).
import cassandra from 'cassandra-driver';
import type { CorpusCase, MaskKind } from './corpus.ts';
import { canonicalValue, errorOutcome, typeName, type Outcome, type RowsOutcome } from './outcome.ts';
import { metadataOutcome } from './driver-metadata.ts';
import { toDriverValue } from './param-values.ts';

/** A paged case never reads more pages than this (a server that never ends paging is a failure). */
export const PAGES_MAX = 1_000;

/** `metadataClient` (default decoding) serves `metadata` cases; `client` everything else. */
export async function runCase(client: cassandra.Client, c: CorpusCase, metadataClient: cassandra.Client = client): Promise<Outcome> {
  try {
    if (c.metadata !== undefined) return await metadataOutcome(metadataClient, c.metadata);
    if (c.batch !== undefined) {
      const queries = c.batch.statements.map((s) => ({ query: s.cql, params: (s.params ?? []).map(toDriverValue) }));
      const result = await client.batch(queries, { prepare: c.prepare ?? true, logged: c.batch.logged });
      return resultOutcome(c, [result]);
    }
    const cql = c.cql ?? '';
    const params =
      c.namedParams !== undefined
        ? Object.fromEntries(Object.entries(c.namedParams).map(([k, v]) => [k, toDriverValue(v)]))
        : c.params?.map(toDriverValue);
    const prepare = c.prepare ?? params !== undefined;
    const levels = consistencyOptions(c);
    if (c.fetchSize === undefined) {
      return resultOutcome(c, [await client.execute(cql, params, { prepare, ...levels })]);
    }
    const pages: cassandra.types.ResultSet[] = [];
    let pageState: string | undefined;
    for (let page = 0; page < PAGES_MAX; page++) {
      const result = await client.execute(cql, params, { prepare, ...levels, fetchSize: c.fetchSize, ...(pageState === undefined ? {} : { pageState }) });
      pages.push(result);
      if (result.pageState == null) break;
      pageState = result.pageState;
    }
    return resultOutcome(c, pages);
  } catch (error) {
    return errorOutcome(error);
  }
}

function resultOutcome(c: CorpusCase, pages: readonly cassandra.types.ResultSet[]): Outcome {
  const first = pages[0];
  const warnings = pages.flatMap((p) => p.info.warnings ?? []);
  const withWarnings = warnings.length > 0 ? { warnings } : {};
  if (first === undefined || first.columns == null) return { kind: 'void', ...withWarnings };
  const columns = first.columns.map((col) => ({ name: col.name, type: typeName(col.type) }));
  const masks = columns.map((col) => c.mask?.[col.name]);
  const rows: unknown[][] = [];
  for (const page of pages) {
    for (const row of page.rows) {
      const values = row.values() as unknown[];
      rows.push(values.map((v, i) => maskValue(canonicalValue(v), masks[i])));
    }
  }
  const outcome: RowsOutcome = {
    kind: 'rows',
    columns,
    rowCount: rows.length,
    rows: c.columnsOnly === true ? [] : c.unordered === true ? sortRows(rows) : rows,
    ...(c.fetchSize === undefined ? {} : { pages: pages.map((p) => p.rows.length) }),
    ...withWarnings,
  };
  return outcome;
}

function consistencyOptions(c: CorpusCase): { consistency?: number; serialConsistency?: number } {
  const level = (name: string): number => {
    const value = (cassandra.types.consistencies as unknown as Record<string, number>)[name];
    if (value === undefined) throw new Error(`unknown consistency ${name}`);
    return value;
  };
  return {
    ...(c.consistency === undefined ? {} : { consistency: level(c.consistency) }),
    ...(c.serialConsistency === undefined ? {} : { serialConsistency: level(c.serialConsistency) }),
  };
}

function maskValue(value: unknown, mask: MaskKind | undefined): unknown {
  if (mask === undefined) return value;
  switch (mask) {
    case 'presence':
      return value === null ? null : '<present>';
    case 'ignore':
      return '<ignored>';
    default: {
      const never: never = mask;
      throw new Error(`unknown mask ${String(never)}`);
    }
  }
}

function sortRows(rows: unknown[][]): unknown[][] {
  return rows
    .map((row) => ({ row, key: JSON.stringify(row) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((entry) => entry.row);
}

/** Runs a setup statement; any failure is a broken corpus, not a difference. */
export async function runSetup(client: cassandra.Client, cql: string): Promise<void> {
  try {
    await client.execute(cql);
  } catch (error) {
    throw new Error(`setup statement failed: ${cql}\n${(error as Error).message}`, { cause: error });
  }
}
