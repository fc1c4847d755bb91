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

function countLines(text: string, end: number): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}

/** Splits a whole script (`-f`, `SOURCE`, `-e`, piped stdin) into statements with their end lines. */
export function splitScript(text: string): ScriptStatement[] {
  const out: ScriptStatement[] = [];
  let cursor = 0;
  for (const statement of splitStatements(text)) {
    let at = text.indexOf(statement, cursor);
    if (at < 0) at = cursor;
    cursor = at + statement.length;
    let rest = statement;
    let offset = at;
    // A shell command ends at its newline; what follows on later lines is the next statement.
    for (;;) {
      const newline = rest.indexOf('\n');
      if (newline < 0 || !NEWLINE_COMMANDS.has(firstWord(rest))) {
        out.push({ text: rest, line: countLines(text, offset + rest.length) });
        break;
      }
      out.push({ text: rest.slice(0, newline).trim(), line: countLines(text, offset + newline) });
      const remainder = rest.slice(newline + 1);
      const next = splitStatements(remainder)[0];
      if (next === undefined) break;
      offset = offset + newline + 1 + remainder.indexOf(next);
      rest = next;
    }
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
