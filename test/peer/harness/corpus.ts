// The differential corpus: YAML files under test/peer/corpus, each a sequence of CQL cases run in
// order against one target. Invariant: case names are unique within a file (they key the golden).
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

export const CORPUS_DIR = join(import.meta.dirname, '..', 'corpus');

/** How a column's value is compared when it legitimately varies between runs or implementations. */
export const MASK_KINDS = ['presence', 'ignore'] as const;
export type MaskKind = (typeof MASK_KINDS)[number];

const statementSchema = z.object({
  cql: z.string().min(1),
  params: z.array(z.unknown()).optional(),
});

export const corpusCaseSchema = z
  .object({
    name: z.string().min(1),
    /** One CQL statement (QUERY, or PREPARE + EXECUTE when `prepare`). */
    cql: z.string().min(1).optional(),
    params: z.array(z.unknown()).optional(),
    /** Bound values by marker name (`:name` markers or column names), sent as named values. */
    namedParams: z.record(z.string(), z.unknown()).optional(),
    prepare: z.boolean().optional(),
    /** cassandra-driver consistency names: `one`, `quorum`, `localOne`, `serial`, `localSerial`, ... */
    consistency: z.string().optional(),
    serialConsistency: z.string().optional(),
    /** Opcode BATCH through client.batch(); `cql` must be absent. */
    batch: z
      .object({ logged: z.boolean().default(true), statements: z.array(statementSchema).min(1) })
      .optional(),
    /** Instead of CQL: the schema metadata cassandra-driver builds from system_schema (refreshed first). */
    metadata: z
      .object({ keyspace: z.string(), table: z.string().optional(), udt: z.string().optional() })
      .optional(),
    /** Page through the result with this page size; each page's row count is recorded. */
    fetchSize: z.number().int().positive().optional(),
    /** Column name -> how to compare it (TTL seconds, writetime, now(), host ids...). */
    mask: z.record(z.string(), z.enum(MASK_KINDS)).optional(),
    /** Compare column names/types and the row count, not values (system tables). */
    columnsOnly: z.boolean().optional(),
    /** Compare rows as a multiset (only where order is unspecified by CQL). */
    unordered: z.boolean().optional(),
    /** Recorded intent, checked on every target: the error code name (`invalid`, `syntaxError`...). */
    expectError: z.string().optional(),
    /** Recorded intent, checked on every target: the number of rows. */
    expectRows: z.number().int().nonnegative().optional(),
    /** Cassandra's message lists things in hash order that varies between runs: golden compares codes only. */
    messageUnstable: z.boolean().optional(),
    /** Words every target's error message must contain (case-insensitive). */
    messageIncludes: z.array(z.string()).optional(),
    note: z.string().optional(),
  })
  .refine((c) => [c.cql, c.batch, c.metadata].filter((x) => x !== undefined).length === 1, {
    message: 'a case has exactly one of cql, batch or metadata',
  });

export type CorpusCase = z.infer<typeof corpusCaseSchema>;

const corpusFileSchema = z.object({
  description: z.string(),
  /** Keyspaces this file creates: dropped before setup and after the last case. */
  keyspaces: z.array(z.string().regex(/^peer_[a-z0-9_]+$/)).default([]),
  /** Statements run before the cases; they must succeed and are not compared. */
  setup: z.array(z.string()).default([]),
  cases: z.array(corpusCaseSchema).min(1),
});

export interface CorpusFile {
  /** File name without extension, e.g. `07-select`. */
  readonly name: string;
  readonly description: string;
  readonly keyspaces: readonly string[];
  readonly setup: readonly string[];
  readonly cases: readonly CorpusCase[];
}

export function loadCorpus(dir: string = CORPUS_DIR): CorpusFile[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((fileName) => loadCorpusFile(join(dir, fileName)));
}

export function loadCorpusFile(path: string): CorpusFile {
  let document: unknown;
  try {
    document = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = corpusFileSchema.safeParse(document);
  if (!parsed.success) throw new Error(`${path}: ${z.prettifyError(parsed.error)}`);
  const names = new Set<string>();
  for (const c of parsed.data.cases) {
    if (names.has(c.name)) throw new Error(`${path}: duplicate case name "${c.name}"`);
    names.add(c.name);
  }
  return { name: basename(path, '.yaml'), ...parsed.data };
}
