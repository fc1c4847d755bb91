// Cuts shell input into statements: CQL statements end at `;` (split by the node's own
// splitStatements, so strings, comments and BATCH blocks are honoured); cqlsh's own commands
// (CONSISTENCY, DESCRIBE, EXIT, ...) may also end at the end of their line, as in cqlsh.
import { splitStatements } from '../../src/cql/index.ts';

/** Commands cqlsh lets end with a newline instead of `;` (cqlshhandling my_commands_ending_with_newline). */
export const NEWLINE_COMMANDS: ReadonlySet<string> = new Set([
  'help', '?', 'consistency', 'serial', 'describe', 'desc', 'show', 'source', 'capture', 'login', 'debug',
  'tracing', 'expand', 'paging', 'exit', 'quit', 'clear', 'cls', 'history',
]);

export interface ScriptStatement {
  readonly text: string;
  /** 1-based line on which the statement ends. */
  readonly line: number;
}

/** Leading blanks and comments (`-- x`, `// x`, complete `/* x *\/`). */
const LEADING_NOISE = /^(?:\s+|--[^\n]*(?:\n|$)|\/\/[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/** `text` without its leading blanks and comments. */
export function stripLeadingComments(text: string): string {
  return text.slice(LEADING_NOISE.exec(text)![0].length);
}

/** First word of a statement (lower case) after blanks and comments, `?` counting as a word. */
export function firstWord(text: string): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*|\?)/.exec(stripLeadingComments(text));
  return m === null ? '' : m[1]!.toLowerCase();
}

/** Drops a trailing `;` (and surrounding blanks) from a shell command. */
export function withoutSemicolon(text: string): string {
  return text.trim().replace(/;\s*$/, '').trim();
}

/** Counts lines up to an offset incrementally (offsets must not decrease). */
class LineCounter {
  private offset = 0;
  private line = 1;
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  lineAt(offset: number): number {
    for (let i = this.text.indexOf('\n', this.offset); i >= 0 && i < offset; i = this.text.indexOf('\n', i + 1)) this.line++;
    this.offset = Math.max(this.offset, offset);
    return this.line;
  }
}

/** End of a shell command starting at `from`: its newline, or a `;` outside quotes, whichever comes first. */
function commandEnd(text: string, from: number): { end: number; next: number } {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (c === '\n' || (c === ';' && !quoted)) return { end: i, next: i + 1 };
  }
  return { end: text.length, next: text.length };
}

/**
 * Splits a whole script (`-f`, `SOURCE`, `-e`, piped stdin) into statements with their end lines.
 * Shell commands are cut off at their line end first, so that what follows them (a BATCH, say)
 * is split by the CQL rules from its own first word.
 */
export function splitScript(text: string): ScriptStatement[] {
  const out: ScriptStatement[] = [];
  const lines = new LineCounter(text);
  let cursor = 0;
  while (cursor < text.length) {
    const start = cursor + LEADING_NOISE.exec(text.slice(cursor))![0].length;
    if (start >= text.length) break;
    if (NEWLINE_COMMANDS.has(firstWord(text.slice(start, start + 64)))) {
      const { end, next } = commandEnd(text, start);
      const command = text.slice(start, end).trim();
      if (command !== '') out.push({ text: command, line: lines.lineAt(end) });
      cursor = next;
      continue;
    }
    const rest = text.slice(start);
    let at = 0;
    let stoppedAtCommand = false;
    for (const statement of splitStatements(rest)) {
      const found = rest.indexOf(statement, at);
      const offset = found < 0 ? at : found;
      if (offset > 0 && NEWLINE_COMMANDS.has(firstWord(statement))) {
        // Re-split from the command: the CQL splitter did not know it ends at its newline.
        cursor = start + offset;
        stoppedAtCommand = true;
        break;
      }
      at = offset + statement.length;
      out.push({ text: statement, line: lines.lineAt(start + at) });
    }
    if (!stoppedAtCommand) break;
  }
  return out;
}

const SENTINEL = '\ncassia_sentinel';

/**
 * Accumulates interactive lines until they form complete statements. `add` returns the
 * statements to run (possibly none, for blank or comment-only input) once the buffer is complete,
 * or null while more lines are needed.
 */
export class StatementBuffer {
  private buffer = '';

  get pending(): boolean {
    return this.buffer.trim() !== '';
  }

  add(line: string): string[] | null {
    this.buffer += `${line}\n`;
    if (NEWLINE_COMMANDS.has(firstWord(this.buffer))) {
      const command = withoutSemicolon(stripLeadingComments(this.buffer));
      this.buffer = '';
      return command === '' ? [] : [command];
    }
    // A statement can only become complete on a line holding `;`, or when the buffer holds no
    // statement at all (blank lines, comments).
    if (!line.includes(';') && this.buffer.trim() !== '' && !this.onlyComments()) return null;
    if (!this.complete()) return null;
    const statements = splitStatements(this.buffer);
    this.buffer = '';
    return statements;
  }

  /** Whatever is left (end of input): the statements it holds, or null if it is incomplete. */
  flush(): { statements: string[]; complete: boolean } {
    const complete = this.complete();
    const statements = splitStatements(this.buffer);
    this.buffer = '';
    return { statements, complete };
  }

  reset(): void {
    this.buffer = '';
  }

  private onlyComments(): boolean {
    return this.buffer.length < 4096 && splitStatements(this.buffer).length === 0;
  }

  /** Complete when a word appended on a new line would start a statement of its own. */
  private complete(): boolean {
    return splitStatements(this.buffer + SENTINEL).length > splitStatements(this.buffer).length;
  }
}
