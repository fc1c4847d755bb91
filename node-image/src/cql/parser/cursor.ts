// The parser's position in a token stream: lookahead, consumption, bind marker numbering and
// the syntax errors Cassandra would report at that point. Errors are thrown as CqlError 0x2000
// with Cassandra's wording; a lexical error wins when the parser had already looked at (ANTLR
// would have lexed) the place where it occurred, as ANTLR reports errors in order of occurrence.
import { syntaxError } from '../../lib/index.ts';
import type { CqlError } from '../../lib/index.ts';
import type { TokenStream } from './lexer.ts';
import { positionOf, querySnippet, tokenDisplay, tokenHeader } from './syntax-error.ts';
import { T, TOKEN_NAMES } from './tokens.ts';

/** Deepest nesting of parentheses, collections and function calls; bounds parser recursion. */
export const NESTING_DEPTH_MAX = 200;

export class Cursor {
  readonly stream: TokenStream;
  readonly text: string;
  readonly types: readonly number[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  /** Index of the last token (EOF); the parser never consumes it. */
  readonly last: number;
  pos = 0;
  /** Furthest token index looked at beyond `pos` (for ordering lexical vs. syntax errors). */
  maxPeek = 0;
  depth = 0;
  /** Name of each bind marker created so far (null for `?`), in order of appearance. */
  readonly bindNames: Array<string | null> = [];

  constructor(stream: TokenStream) {
    this.stream = stream;
    this.text = stream.text;
    this.types = stream.types;
    this.starts = stream.starts;
    this.ends = stream.ends;
    this.last = stream.count - 1;
  }

  /** Type of the current token (LT(1)). */
  peek(): number {
    return this.types[this.pos]!;
  }

  /** Type of the k-th token ahead (k = 1 is the current one). */
  la(k: number): number {
    const i = this.pos + k - 1;
    if (i >= this.last) {
      this.maxPeek = this.last;
      return T.EOF;
    }
    if (i > this.maxPeek) this.maxPeek = i;
    return this.types[i]!;
  }

  /** Type of the token at absolute index `i` (EOF past the end). */
  typeAt(i: number): number {
    if (i >= this.last) {
      this.maxPeek = this.last;
      return T.EOF;
    }
    if (i > this.maxPeek) this.maxPeek = i;
    return this.types[i]!;
  }

  advance(): void {
    if (this.pos < this.last) this.pos++;
  }

  accept(type: number): boolean {
    if (this.types[this.pos] !== type) return false;
    this.advance();
    return true;
  }

  expect(type: number): void {
    if (this.types[this.pos] !== type) this.mismatch(type);
    this.advance();
  }

  /** Source text of token `i`. */
  raw(i: number): string {
    return this.text.slice(this.starts[i], this.ends[i]);
  }

  newBindMarker(name: string | null): number {
    this.bindNames.push(name);
    return this.bindNames.length - 1;
  }

  enter(): void {
    if (++this.depth > NESTING_DEPTH_MAX) {
      throw this.located(this.pos, `nesting deeper than ${NESTING_DEPTH_MAX} levels at input ${tokenDisplay(this.stream, this.pos)}`);
    }
  }

  leave(): void {
    this.depth--;
  }

  /** `mismatched input 'X' expecting Y` at the current token. */
  mismatch(expected: number): never {
    const name = expected === T.EOF ? 'EOF' : TOKEN_NAMES[expected]!;
    throw this.parserError(this.pos, this.pos, `mismatched input ${tokenDisplay(this.stream, this.pos)} expecting ${name}`);
  }

  /**
   * `no viable alternative at input 'X'` naming token `at` (the lookahead token where the decision
   * failed); the snippet highlights `decision`, where the decision started, as ANTLR rewinds to it.
   */
  noViable(at = this.pos, decision = this.pos): never {
    throw this.parserError(at, decision, `no viable alternative at input ${tokenDisplay(this.stream, at)}`);
  }

  /** An error Cassandra's grammar actions raise (addRecognitionError): the message alone. */
  recognition(message: string): never {
    throw this.lexErrorBefore(this.pos) ?? syntaxError(message);
  }

  /** Valid CQL that the AST cannot express. */
  unsupported(what: string): never {
    throw this.lexErrorBefore(this.pos) ?? syntaxError(`${what} is not supported`);
  }

  /** Raises the lexical error, if any, once the whole statement has been parsed. */
  finish(): void {
    const error = this.lexErrorBefore(this.last);
    if (error !== null) throw error;
  }

  private parserError(at: number, decision: number, message: string): CqlError {
    const lexError = this.lexErrorBefore(Math.max(at, decision));
    if (lexError !== null) return lexError;
    const fetched = Math.max(at, decision);
    return syntaxError(`${tokenHeader(this.stream, at)} ${message}${querySnippet(this.stream, decision, fetched)}`);
  }

  private located(at: number, message: string): CqlError {
    return this.lexErrorBefore(at) ?? syntaxError(`${tokenHeader(this.stream, at)} ${message}`);
  }

  /** The lexical error if the parser has looked at or past the place where it occurred. */
  private lexErrorBefore(at: number): CqlError | null {
    const e = this.stream.lexError;
    if (e === null) return null;
    if (Math.max(at, this.pos, this.maxPeek) < e.tokenIndex) return null;
    const p = positionOf(this.text, e.offset);
    return syntaxError(`line ${p.line}:${p.column} ${e.message}`);
  }
}
