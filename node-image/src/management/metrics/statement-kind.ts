// The kind of a CQL statement from its first keyword, for metric labels: a bounded set of values,
// found by scanning at most a few characters with no allocation (it runs on every QUERY).

export const STATEMENT_KINDS = ['select', 'insert', 'update', 'delete', 'batch', 'schema', 'truncate', 'use', 'other'] as const;
export type StatementKind = (typeof STATEMENT_KINDS)[number];

/** Index of each kind in STATEMENT_KINDS (metric series are kept in arrays by index). */
export const StatementKindIndex = {
  select: 0, insert: 1, update: 2, delete: 3, batch: 4, schema: 5, truncate: 6, use: 7, other: 8,
} as const satisfies Record<StatementKind, number>;

/** Letters of the first keyword that are looked at; longer words are "other". */
const KEYWORD_LETTERS_MAX = 8;
/** Characters skipped (whitespace, comments) before giving up. */
const SCAN_CHARS_MAX = 4096;

/** Base-27 code of a lowercase word: the map key, so no string is built per request. */
function wordCode(word: string): number {
  let code = 0;
  for (let i = 0; i < word.length; i++) code = code * 27 + (word.charCodeAt(i) - 96);
  return code;
}

const KIND_BY_KEYWORD = new Map<number, number>([
  [wordCode('select'), StatementKindIndex.select],
  [wordCode('insert'), StatementKindIndex.insert],
  [wordCode('update'), StatementKindIndex.update],
  [wordCode('delete'), StatementKindIndex.delete],
  [wordCode('begin'), StatementKindIndex.batch],
  [wordCode('apply'), StatementKindIndex.batch],
  [wordCode('create'), StatementKindIndex.schema],
  [wordCode('alter'), StatementKindIndex.schema],
  [wordCode('drop'), StatementKindIndex.schema],
  [wordCode('truncate'), StatementKindIndex.truncate],
  [wordCode('use'), StatementKindIndex.use],
]);

/** Index into STATEMENT_KINDS of the statement `text` starts with (comments and whitespace skipped). */
export function statementKindIndex(text: string): number {
  const end = Math.min(text.length, SCAN_CHARS_MAX);
  let i = 0;
  // Skip whitespace and comments (-- and // to end of line, /* */ blocks).
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
    } else if ((c === 45 || c === 47) && text.charCodeAt(i + 1) === c) {
      while (i < end && text.charCodeAt(i) !== 10) i++;
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      i += 2;
      while (i < end && !(text.charCodeAt(i) === 42 && text.charCodeAt(i + 1) === 47)) i++;
      i += 2;
    } else {
      break;
    }
  }
  let code = 0;
  let letters = 0;
  for (; i < end; i++) {
    let c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c < 97 || c > 122) break;
    if (++letters > KEYWORD_LETTERS_MAX) return StatementKindIndex.other;
    code = code * 27 + (c - 96);
  }
  return KIND_BY_KEYWORD.get(code) ?? StatementKindIndex.other;
}
