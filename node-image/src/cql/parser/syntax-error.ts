// Cassandra's syntax error texts: ANTLR 3's `line L:C <message>` header and token display, plus
// the query snippet Cassandra's ErrorCollector appends to parser errors, e.g.
// `line 1:9 mismatched input 'FORM' expecting K_FROM (SELECT * [FORM]...)`. Cold path only.
import type { TokenStream } from './lexer.ts';
import { T } from './tokens.ts';

/** Tokens before the error token included in the snippet (ErrorCollector.FIRST_TOKEN_OFFSET). */
const SNIPPET_TOKENS_BEFORE = 10;
/** Tokens after the error token the snippet may include (ErrorCollector.LAST_TOKEN_OFFSET). */
const SNIPPET_TOKENS_AFTER = 2;

export interface Position {
  readonly line: number;
  readonly column: number;
}

export function positionOf(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart };
}

/** The text ANTLR holds for token `i`: unescaped content for strings and quoted names, null for EOF. */
export function antlrTokenText(stream: TokenStream, i: number): string | null {
  const type = stream.types[i]!;
  const start = stream.starts[i]!;
  const end = stream.ends[i]!;
  const text = stream.text;
  if (type === T.EOF) return null;
  if (type === T.STRING_LITERAL) {
    if (text.charCodeAt(start) === 36) return text.slice(start + 2, end - 2);
    return text.slice(start + 1, end - 1).replaceAll("''", "'");
  }
  if (type === T.QUOTED_NAME) return text.slice(start + 1, end - 1).replaceAll('""', '"');
  return text.slice(start, end);
}

/** ANTLR's getTokenErrorDisplay: the token text quoted, newlines and tabs escaped. */
export function tokenDisplay(stream: TokenStream, i: number): string {
  const text = antlrTokenText(stream, i) ?? '<EOF>';
  return `'${text.replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\t', '\\t')}'`;
}

/** `line L:C` for token `i`; EOF is `line 0:-1` as Cassandra's lexer creates it without a position. */
export function tokenHeader(stream: TokenStream, i: number): string {
  if (stream.types[i] === T.EOF) return 'line 0:-1';
  const p = positionOf(stream.text, stream.starts[i]!);
  return `line ${p.line}:${p.column}`;
}

interface FullToken {
  readonly start: number;
  /** ANTLR token text; null for EOF (which has no valid position). */
  readonly text: string | null;
}

/** Hidden-channel tokens (whitespace runs, comments) in a gap between two on-channel tokens. */
function hiddenTokens(text: string, from: number, to: number, out: FullToken[]): void {
  let i = from;
  while (i < to) {
    const c = text.charCodeAt(i);
    const start = i;
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      while (i < to && [32, 9, 10, 13].includes(text.charCodeAt(i))) i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? to : Math.min(to, end + 2);
    } else {
      // `--` or `//` comment, up to and including the line end.
      while (i < to && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      if (i < to) i++;
    }
    out.push({ start, text: text.slice(start, i) });
  }
}

/**
 * ErrorCollector.appendSnippet. `decision` is the on-channel token where the failing decision started
 * (the token stream's index when the error is reported), `fetched` the furthest token looked at.
 */
export function querySnippet(stream: TokenStream, decision: number, fetched: number): string {
  const full: FullToken[] = [];
  let decisionFull = -1;
  let fetchedFull = -1;
  let prevEnd = 0;
  for (let i = 0; i <= fetched && i < stream.count; i++) {
    hiddenTokens(stream.text, prevEnd, stream.starts[i]!, full);
    if (i === decision) decisionFull = full.length;
    if (i === fetched) fetchedFull = full.length;
    full.push({ start: stream.starts[i]!, text: antlrTokenText(stream, i) });
    prevEnd = stream.ends[i]!;
  }
  if (decisionFull < 0 || fetchedFull < 0) return '';
  const from = full[Math.max(0, decisionFull - SNIPPET_TOKENS_BEFORE)]!;
  const to = full[Math.min(fetchedFull, decisionFull + SNIPPET_TOKENS_AFTER)]!;
  const offending = full[decisionFull]!;
  if (from.text === null || to.text === null || offending.text === null) return '';
  return appendSnippet(stream.text, from, to, offending);
}

function javaSplitLines(text: string): string[] {
  const lines = text.split('\n');
  while (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function appendSnippet(query: string, from: FullToken, to: FullToken, offending: FullToken): string {
  const lines = javaSplitLines(query);
  const fromPos = positionOf(query, from.start);
  const toPos = positionOf(query, to.start);
  const offPos = positionOf(query, offending.start);
  const lastChar = (p: Position, t: FullToken): number => p.column + t.text!.length;
  const lineAt = (p: Position): string => lines[p.line - 1] ?? '';

  const includeQueryStart = fromPos.line === 1 && fromPos.column === 0;
  const includeQueryEnd = toPos.line === lines.length && lastChar(toPos, to) === lines[lines.length - 1]!.length;
  let out = ' (';
  if (!includeQueryStart) out += '...';
  const toLine = lineAt(toPos);
  const toEnd = lastChar(toPos, to);
  lines[toPos.line - 1] = toEnd >= toLine.length ? toLine : toLine.slice(0, toEnd);
  const offLine = lineAt(offPos);
  const offEnd = Math.min(lastChar(offPos, offending), offLine.length);
  const offStart = Math.min(offPos.column, offEnd);
  lines[offPos.line - 1] = `${offLine.slice(0, offStart)}[${offLine.slice(offStart, offEnd)}]${offLine.slice(offEnd)}`;
  lines[fromPos.line - 1] = lineAt(fromPos).slice(fromPos.column);
  for (let i = fromPos.line - 1; i <= toPos.line - 1; i++) out += lines[i] ?? '';
  if (!includeQueryEnd) out += '...';
  return `${out})`;
}
