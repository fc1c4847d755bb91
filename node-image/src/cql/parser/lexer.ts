// Hand-written CQL lexer following Cassandra's Lexer.g token rules (longest match; on equal
// length the rule defined first wins, so `P1D` is a DURATION and `true` a BOOLEAN). Produces only
// on-channel tokens as parallel arrays of type/start/end offsets; whitespace and comments are
// skipped. The first lexical error ends the stream with EOF and is kept with its ANTLR message.
import { K, KEYWORD_BY_SPELLING, T } from './tokens.ts';

export interface LexError {
  /** Offset in the text where the error is reported (line/column are derived from it). */
  readonly offset: number;
  /** Message without the `line L:C` header, e.g. `no viable alternative at character '^'`. */
  readonly message: string;
  /** Index of the token slot where the error occurred (the EOF that replaces the rest). */
  readonly tokenIndex: number;
}

export interface TokenStream {
  readonly text: string;
  readonly types: readonly number[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Number of tokens including the final EOF. */
  readonly count: number;
  readonly lexError: LexError | null;
}

const CH = {
  TAB: 9, LF: 10, CR: 13, SPACE: 32, BANG: 33, DQUOTE: 34, DOLLAR: 36, PERCENT: 37, QUOTE: 39, LPAREN: 40,
  RPAREN: 41, STAR: 42, PLUS: 43, COMMA: 44, MINUS: 45, DOT: 46, SLASH: 47, ZERO: 48, NINE: 57, COLON: 58,
  SEMI: 59, LT: 60, EQ: 61, GT: 62, QMARK: 63, UPPER_A: 65, UPPER_P: 80, UPPER_Z: 90, LBRACKET: 91,
  RBRACKET: 93, UNDERSCORE: 95, LOWER_A: 97, LOWER_Z: 122, LBRACE: 123, RBRACE: 125, MICRO: 0xb5,
} as const;

function isDigit(c: number): boolean {
  return c >= CH.ZERO && c <= CH.NINE;
}

function isLetter(c: number): boolean {
  return (c >= CH.LOWER_A && c <= CH.LOWER_Z) || (c >= CH.UPPER_A && c <= CH.UPPER_Z);
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= CH.LOWER_A && c <= 102) || (c >= CH.UPPER_A && c <= 70);
}

function isIdentPart(c: number): boolean {
  return isLetter(c) || isDigit(c) || c === CH.UNDERSCORE;
}

function lower(c: number): number {
  return c >= CH.UPPER_A && c <= CH.UPPER_Z ? c + 32 : c;
}

/** ANTLR's getCharErrorDisplay: the character quoted, with EOF and control characters spelled out. */
export function charDisplay(text: string, offset: number): string {
  if (offset >= text.length) return "'<EOF>'";
  const ch = text[offset]!;
  if (ch === '\n') return "'\\n'";
  if (ch === '\t') return "'\\t'";
  if (ch === '\r') return "'\\r'";
  return `'${ch}'`;
}

/** Length of a UUID literal (8-4-4-4-12 hex digits) starting at `i`, or 0. */
function uuidLength(text: string, i: number): number {
  if (text.length - i < 36) return 0;
  for (let k = 0; k < 36; k++) {
    const c = text.charCodeAt(i + k);
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== CH.MINUS) return 0;
    } else if (!isHex(c)) return 0;
  }
  return 36;
}

/** Length of a duration unit (y mo w d h m s ms us µs ns, case-insensitive) at `i`, or 0. */
function durationUnitLength(text: string, i: number): number {
  const c = lower(text.charCodeAt(i));
  const next = lower(text.charCodeAt(i + 1));
  switch (c) {
    case 121: case 119: case 100: case 104: case 115: return 1; // y w d h s
    case 109: return next === 111 || next === 115 ? 2 : 1; // mo ms m
    case 117: case 110: case CH.MICRO: return next === 115 ? 2 : 0; // us ns µs
    default: return 0;
  }
}

function digitsEnd(text: string, i: number): number {
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

/** End of `(DIGIT+ UNIT)*` groups starting at `i` (each group must be complete). */
function durationGroupsEnd(text: string, i: number): number {
  for (;;) {
    const d = digitsEnd(text, i);
    if (d === i) return i;
    const u = durationUnitLength(text, d);
    if (u === 0) return i;
    i = d + u;
  }
}

/** End of ISO 8601 designator groups `(DIGIT+ L)` for letters in `order`, each used at most once, in order. */
function designatorsEnd(text: string, i: number, order: string): number {
  let next = 0;
  let end = i;
  for (;;) {
    const d = digitsEnd(text, end);
    if (d === end || d >= text.length) return end;
    const at = order.indexOf(text[d]!, next);
    if (at < 0) return end;
    next = at + 1;
    end = d + 1;
  }
}

/** Length of an ISO 8601 duration body starting at the `P` at `i` (Lexer.g DURATION alternatives), or 0. */
function isoDurationLength(text: string, i: number): number {
  const p = i + 1;
  // Alternative format P0001-02-03T04:05:06.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(text.slice(p, p + 19))) return 20;
  // Time designators only: PT1H2M3S.
  if (text.charCodeAt(p) === 84) {
    const end = designatorsEnd(text, p + 1, 'HMS');
    return end > p + 1 ? end - i : 0;
  }
  // Weeks: P2W.
  const d = digitsEnd(text, p);
  if (d > p && text[d] === 'W') return d + 1 - i;
  // Period designators, then optional time designators: P1Y2M3DT4H.
  const periodEnd = designatorsEnd(text, p, 'YMD');
  if (periodEnd === p) return 0;
  if (text.charCodeAt(periodEnd) === 84) {
    const timeEnd = designatorsEnd(text, periodEnd + 1, 'HMS');
    if (timeEnd > periodEnd + 1) return timeEnd - i;
  }
  return periodEnd - i;
}

/** Token arrays under construction (plain arrays: cheaper to create than typed arrays for short statements). */
class Builder {
  readonly types: number[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  count = 0;

  push(type: number, start: number, end: number): void {
    this.types.push(type);
    this.starts.push(start);
    this.ends.push(end);
    this.count++;
  }
}

/** Splits `text` into CQL tokens. Never throws: a lexical error ends the stream (see TokenStream.lexError). */
export function tokenize(text: string): TokenStream {
  const out = new Builder();
  const n = text.length;
  let i = 0;
  const state: { error: LexError | null } = { error: null };
  const fail = (offset: number, message: string): void => {
    state.error = { offset, message, tokenIndex: out.count };
  };

  scan: while (i < n) {
    const c = text.charCodeAt(i);
    const start = i;
    switch (c) {
      case CH.SPACE: case CH.TAB: case CH.LF: case CH.CR:
        i++;
        continue;
      case CH.LPAREN: out.push(T.LPAREN, i, ++i); continue;
      case CH.RPAREN: out.push(T.RPAREN, i, ++i); continue;
      case CH.LBRACKET: out.push(T.LBRACKET, i, ++i); continue;
      case CH.RBRACKET: out.push(T.RBRACKET, i, ++i); continue;
      case CH.LBRACE: out.push(T.LBRACE, i, ++i); continue;
      case CH.RBRACE: out.push(T.RBRACE, i, ++i); continue;
      case CH.COMMA: out.push(T.COMMA, i, ++i); continue;
      case CH.SEMI: out.push(T.SEMI, i, ++i); continue;
      case CH.STAR: out.push(T.STAR, i, ++i); continue;
      case CH.PERCENT: out.push(T.PERCENT, i, ++i); continue;
      case CH.COLON: out.push(T.COLON, i, ++i); continue;
      case CH.QMARK: out.push(T.QMARK, i, ++i); continue;
      case CH.EQ: out.push(T.EQ, i, ++i); continue;
      case CH.PLUS:
        if (text.charCodeAt(i + 1) === CH.EQ) { out.push(T.PLUS_EQ, i, i += 2); continue; }
        out.push(T.PLUS, i, ++i);
        continue;
      case CH.LT:
        if (text.charCodeAt(i + 1) === CH.EQ) { out.push(T.LTE, i, i += 2); continue; }
        out.push(T.LT, i, ++i);
        continue;
      case CH.GT:
        if (text.charCodeAt(i + 1) === CH.EQ) { out.push(T.GTE, i, i += 2); continue; }
        out.push(T.GT, i, ++i);
        continue;
      case CH.BANG:
        if (text.charCodeAt(i + 1) === CH.EQ) { out.push(T.NEQ, i, i += 2); continue; }
        fail(i + 1, `mismatched character ${charDisplay(text, i + 1)} expecting '='`);
        break scan;
      case CH.DOT:
        if (text.charCodeAt(i + 1) === CH.DOT) { out.push(T.RANGE, i, i += 2); continue; }
        out.push(T.DOT, i, ++i);
        continue;
      case CH.SLASH: {
        const next = text.charCodeAt(i + 1);
        if (next === CH.SLASH) { i = lineCommentEnd(text, i); continue; }
        if (next === CH.STAR) {
          const end = text.indexOf('*/', i + 2);
          if (end < 0) { fail(n, `mismatched character '<EOF>' expecting '*'`); break scan; }
          i = end + 2;
          continue;
        }
        out.push(T.SLASH, i, ++i);
        continue;
      }
      case CH.MINUS: {
        const next = text.charCodeAt(i + 1);
        if (next === CH.MINUS) { i = lineCommentEnd(text, i); continue; }
        if (next === CH.EQ) { out.push(T.MINUS_EQ, i, i += 2); continue; }
        if (isDigit(next)) { i = number(text, i, i + 1, out); continue; }
        if (next === CH.UPPER_P) {
          const len = isoDurationLength(text, i + 1);
          if (len > 0) { out.push(T.DURATION, i, i += 1 + len); continue; }
        }
        if (matchesWordAt(text, i + 1, 'nan')) { out.push(K.NEGATIVE_NAN, i, i += 4); continue; }
        if (matchesWordAt(text, i + 1, 'infinity')) { out.push(K.NEGATIVE_INFINITY, i, i += 9); continue; }
        out.push(T.MINUS, i, ++i);
        continue;
      }
      case CH.QUOTE: {
        let j = i + 1;
        for (;;) {
          const q = text.indexOf("'", j);
          if (q < 0) { fail(n, `mismatched character '<EOF>' expecting '''`); break scan; }
          if (text.charCodeAt(q + 1) === CH.QUOTE) { j = q + 2; continue; }
          j = q + 1;
          break;
        }
        out.push(T.STRING_LITERAL, i, j);
        i = j;
        continue;
      }
      case CH.DQUOTE: {
        if (text.charCodeAt(i + 1) === CH.DQUOTE && text.charCodeAt(i + 2) !== CH.DQUOTE) {
          out.push(T.EMPTY_QUOTED_NAME, i, i += 2);
          continue;
        }
        let j = i + 1;
        for (;;) {
          const q = text.indexOf('"', j);
          if (q < 0) { fail(n, `mismatched character '<EOF>' expecting '"'`); break scan; }
          if (text.charCodeAt(q + 1) === CH.DQUOTE) { j = q + 2; continue; }
          j = q + 1;
          break;
        }
        out.push(T.QUOTED_NAME, i, j);
        i = j;
        continue;
      }
      case CH.DOLLAR: {
        if (text.charCodeAt(i + 1) !== CH.DOLLAR) {
          fail(i + 1, `mismatched character ${charDisplay(text, i + 1)} expecting '$'`);
          break scan;
        }
        // Lexer.g collects characters while more than one remains and "$$" is not next.
        let j = i + 2;
        while (n - j > 1 && !(text.charCodeAt(j) === CH.DOLLAR && text.charCodeAt(j + 1) === CH.DOLLAR)) j++;
        for (const at of [j, j + 1]) {
          if (text.charCodeAt(at) !== CH.DOLLAR) {
            fail(at, `mismatched character ${charDisplay(text, at)} expecting '$'`);
            break scan;
          }
        }
        out.push(T.STRING_LITERAL, i, j + 2);
        i = j + 2;
        continue;
      }
      default:
        break;
    }
    if (isDigit(c)) {
      const uuid = uuidLength(text, i);
      if (uuid > 0) { out.push(T.UUID, i, i += uuid); continue; }
      if (c === CH.ZERO && (text.charCodeAt(i + 1) | 0x20) === 120) {
        let j = i + 2;
        while (j < n && isHex(text.charCodeAt(j))) j++;
        out.push(T.HEXNUMBER, i, j);
        i = j;
        continue;
      }
      i = number(text, i, i, out);
      continue;
    }
    if (isLetter(c)) {
      if (isHex(c)) {
        const uuid = uuidLength(text, i);
        if (uuid > 0) { out.push(T.UUID, i, i += uuid); continue; }
      }
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      if (c === CH.UPPER_P) {
        const len = isoDurationLength(text, i);
        if (len >= j - i) { out.push(T.DURATION, i, i += len); continue; }
      }
      out.push(wordType(text, i, j), i, j);
      i = j;
      continue;
    }
    fail(start, `no viable alternative at character ${charDisplay(text, start)}`);
    break;
  }
  const lexError = state.error;
  out.push(T.EOF, lexError === null ? n : lexError.offset, n);
  return { text, types: out.types, starts: out.starts, ends: out.ends, count: out.count, lexError };
}

/** `--` and `//` comments run to the end of the line (or of the text: more lenient than Lexer.g). */
function lineCommentEnd(text: string, i: number): number {
  for (let j = i + 2; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === CH.LF || c === CH.CR) return j + 1;
  }
  return text.length;
}

function matchesWordAt(text: string, i: number, word: string): boolean {
  if (text.length - i < word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if (lower(text.charCodeAt(i + k)) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Lexes INTEGER, FLOAT or DURATION whose digits start at `digits` (`start` may point at a '-'). */
function number(text: string, start: number, digits: number, out: Builder): number {
  const intEnd = digitsEnd(text, digits);
  const c = text.charCodeAt(intEnd);
  // Duration: DIGIT+ UNIT (DIGIT+ UNIT)*.
  const unit = durationUnitLength(text, intEnd);
  if (unit > 0) {
    const end = durationGroupsEnd(text, intEnd + unit);
    out.push(T.DURATION, start, end);
    return end;
  }
  let end = intEnd;
  let type: number = T.INTEGER;
  if (c === CH.DOT && text.charCodeAt(intEnd + 1) !== CH.DOT) {
    type = T.FLOAT;
    end = digitsEnd(text, intEnd + 1);
  }
  if ((text.charCodeAt(end) | 0x20) === 101) {
    const sign = text.charCodeAt(end + 1);
    const expDigits = sign === CH.PLUS || sign === CH.MINUS ? end + 2 : end + 1;
    const expEnd = digitsEnd(text, expDigits);
    if (expEnd > expDigits) {
      type = T.FLOAT;
      end = expEnd;
    }
  }
  out.push(type, start, end);
  return end;
}

/** Case-insensitive hash of a word (the lexer computes it without allocating a lower-cased copy). */
function wordHash(text: string, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + lower(text.charCodeAt(i))) | 0;
  return h;
}

interface KeywordEntry {
  readonly spelling: string;
  readonly type: number;
}

/** Keywords and booleans by case-insensitive hash of their spelling. */
const WORDS_BY_HASH: ReadonlyMap<number, readonly KeywordEntry[]> = (() => {
  const table = new Map<number, KeywordEntry[]>();
  const add = (spelling: string, type: number): void => {
    const h = wordHash(spelling, 0, spelling.length);
    const list = table.get(h) ?? [];
    list.push({ spelling, type });
    table.set(h, list);
  };
  for (const [spelling, type] of KEYWORD_BY_SPELLING) add(spelling, type);
  add('true', T.BOOLEAN);
  add('false', T.BOOLEAN);
  return table;
})();

/** Longest keyword spelling ("columnfamilies"); longer words are identifiers. */
const KEYWORD_LENGTH_MAX = 14;

function wordType(text: string, start: number, end: number): number {
  const len = end - start;
  if (len > KEYWORD_LENGTH_MAX) return T.IDENT;
  const candidates = WORDS_BY_HASH.get(wordHash(text, start, end));
  if (candidates === undefined) return T.IDENT;
  for (const k of candidates) {
    if (k.spelling.length === len && matchesWordAt(text, start, k.spelling)) return k.type;
  }
  return T.IDENT;
}
