// A cursor over collection, tuple and UDT literal text (`[1, 2]`, `{'a': 1}`, `(1, 'x')`,
// `{f: 1}`), the forms cqlsh displays: single-quoted strings with '' escapes, bare tokens for
// numbers, uuids, durations, dates, blobs and times. The type being read decides what a token is.
import { invalidRequest } from '../../lib/index.ts';

/** Nesting bound of literal text: deeper input is refused instead of recursing without limit. */
export const LITERAL_DEPTH_MAX = 64;

const BARE_STOP = new Set([',', ']', '}', ')', '[', '{', '(', "'", ':', ' ', '\t', '\n', '\r']);

export class LiteralReader {
  readonly text: string;
  position = 0;
  depth = 0;

  constructor(text: string) {
    this.text = text;
  }

  fail(detail: string): never {
    throw invalidRequest(`Invalid literal '${this.text}' at character ${this.position}: ${detail}`);
  }

  skipBlanks(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position]!)) this.position++;
  }

  peek(): string {
    this.skipBlanks();
    return this.text[this.position] ?? '';
  }

  atEnd(): boolean {
    this.skipBlanks();
    return this.position >= this.text.length;
  }

  /** Consumes `char` (after blanks) or fails. */
  expect(char: string): void {
    if (this.peek() !== char) this.fail(`expected '${char}'`);
    this.position++;
  }

  /** Consumes `char` if it is next (after blanks). */
  accept(char: string): boolean {
    if (this.peek() !== char) return false;
    this.position++;
    return true;
  }

  enter(): void {
    if (++this.depth > LITERAL_DEPTH_MAX) this.fail(`nesting deeper than ${LITERAL_DEPTH_MAX}`);
  }

  leave(): void {
    this.depth--;
  }

  /** A single-quoted string (`''` is a quote); the cursor is on the opening quote. */
  readQuoted(): string {
    this.expect("'");
    let out = '';
    for (;;) {
      const end = this.text.indexOf("'", this.position);
      if (end < 0) this.fail('unterminated string');
      out += this.text.slice(this.position, end);
      this.position = end + 1;
      if (this.text[this.position] !== "'") return out;
      out += "'";
      this.position++;
    }
  }

  /** A bare token; `colons` lets it contain ':' followed by a digit (time values). */
  readBare(colons: boolean): string {
    this.skipBlanks();
    const start = this.position;
    while (this.position < this.text.length) {
      const char = this.text[this.position]!;
      // In a time value a ':' is followed by a digit; a map's ':' separator is not.
      const timeColon = colons && char === ':' && /\d/.test(this.text[this.position + 1] ?? '');
      if (BARE_STOP.has(char) && !timeColon) break;
      this.position++;
    }
    if (this.position === start) this.fail('expected a value');
    return this.text.slice(start, this.position);
  }

  /** True (and consumed) when the next bare token is `null`. */
  acceptNull(): boolean {
    this.skipBlanks();
    const candidate = this.text.slice(this.position, this.position + 4);
    const after = this.text[this.position + 4] ?? '';
    if (candidate.toLowerCase() === 'null' && (after === '' || BARE_STOP.has(after))) {
      this.position += 4;
      return true;
    }
    return false;
  }

  /** A UDT field name: bare (matched case-insensitively by the caller) or double-quoted. */
  readFieldName(): { name: string; quoted: boolean } {
    this.skipBlanks();
    if (this.text[this.position] === '"') {
      this.position++;
      let out = '';
      for (;;) {
        const end = this.text.indexOf('"', this.position);
        if (end < 0) this.fail('unterminated quoted identifier');
        out += this.text.slice(this.position, end);
        this.position = end + 1;
        if (this.text[this.position] !== '"') return { name: out, quoted: true };
        out += '"';
        this.position++;
      }
    }
    return { name: this.readBare(false), quoted: false };
  }
}
