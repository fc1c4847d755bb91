// Splits a CQL script (cqlsh -f) into statements at semicolons outside string literals, quoted
// names, $$ strings and comments. A `BEGIN [UNLOGGED|COUNTER|LOGGED] BATCH ... APPLY BATCH` is one
// statement whatever semicolons it contains. Statements are returned trimmed, without their
// semicolon; segments holding only whitespace and comments are dropped. Never throws: an
// unterminated string or comment runs to the end of the script (the parser then reports it).

const BATCH_MODIFIERS: ReadonlySet<string> = new Set(['unlogged', 'counter', 'logged']);

const SPLIT_STATE = {
  /** No word seen yet in this statement. */
  START: 0,
  /** Saw BEGIN. */
  BEGIN: 1,
  /** Saw BEGIN and a batch modifier. */
  MODIFIER: 2,
  /** Inside a batch: semicolons do not end the statement until APPLY BATCH. */
  BATCH: 3,
  /** An ordinary statement. */
  OTHER: 4,
} as const;

function isWordStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57);
}

/** Index just past the end of the quoted run starting at `i` (quote doubled to escape). */
function quotedEnd(text: string, i: number, quote: string): number {
  let j = i + 1;
  for (;;) {
    const q = text.indexOf(quote, j);
    if (q < 0) return text.length;
    if (text[q + 1] === quote) {
      j = q + 2;
      continue;
    }
    return q + 1;
  }
}

function endOf(text: string, from: number, terminator: string): number {
  const at = text.indexOf(terminator, from);
  return at < 0 ? text.length : at + terminator.length;
}

export function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let significant = false;
  let state: number = SPLIT_STATE.START;
  let previousWord = '';
  let batchApplied = false;
  const n = text.length;
  let i = 0;
  // Start and end of the statement's significant text (leading and trailing comments excluded).
  let first = 0;
  let last = 0;
  const flush = (): void => {
    if (significant) statements.push(text.slice(first, last));
    significant = false;
    state = SPLIT_STATE.START;
    previousWord = '';
    batchApplied = false;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 39 /* ' */) { mark(i); markOther(); i = last = quotedEnd(text, i, "'"); continue; }
    if (c === 34 /* " */) { mark(i); markOther(); i = last = quotedEnd(text, i, '"'); continue; }
    if (c === 36 /* $ */ && text.charCodeAt(i + 1) === 36) { mark(i); markOther(); i = last = endOf(text, i + 2, '$$'); continue; }
    if ((c === 45 /* - */ && text.charCodeAt(i + 1) === 45) || (c === 47 /* / */ && text.charCodeAt(i + 1) === 47)) {
      const eol = text.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42 /* * */) { i = endOf(text, i + 2, '*/'); continue; }
    if (c === 59 /* ; */) {
      if (state !== SPLIT_STATE.BATCH || batchApplied) flush();
      else last = i + 1;
      i++;
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(text.charCodeAt(j))) j++;
      word(text.slice(i, j).toLowerCase());
      mark(i);
      i = last = j;
      continue;
    }
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) {
      mark(i);
      markOther();
      last = i + 1;
    }
    i++;
  }
  flush();
  return statements;

  function mark(at: number): void {
    if (significant) return;
    significant = true;
    first = at;
  }

  function markOther(): void {
    if (state !== SPLIT_STATE.BATCH) state = SPLIT_STATE.OTHER;
    else batchApplied = false;
  }

  function word(w: string): void {
    switch (state) {
      case SPLIT_STATE.START: state = w === 'begin' ? SPLIT_STATE.BEGIN : SPLIT_STATE.OTHER; break;
      case SPLIT_STATE.BEGIN: state = w === 'batch' ? SPLIT_STATE.BATCH : BATCH_MODIFIERS.has(w) ? SPLIT_STATE.MODIFIER : SPLIT_STATE.OTHER; break;
      case SPLIT_STATE.MODIFIER: state = w === 'batch' ? SPLIT_STATE.BATCH : SPLIT_STATE.OTHER; break;
      case SPLIT_STATE.BATCH: batchApplied = previousWord === 'apply' && w === 'batch'; break;
      default: break;
    }
    previousWord = w;
  }
}
