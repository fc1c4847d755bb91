// Recognises cqlsh's own commands (CONSISTENCY, EXPAND, PAGING, DESCRIBE, SOURCE, EXIT, ...) in a
// statement's text. Anything else (including USE) is CQL for the server: parseShellCommand
// returns null for it. Pure: no I/O.
import { firstWord, stripLeadingComments, withoutSemicolon } from './script-statements.ts';

export const CONSISTENCY_LEVELS: readonly string[] = [
  'ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_ONE', 'LOCAL_QUORUM', 'EACH_QUORUM', 'SERIAL', 'LOCAL_SERIAL',
];
export const SERIAL_CONSISTENCY_LEVELS: readonly string[] = ['SERIAL', 'LOCAL_SERIAL'];

/** A possibly keyspace-qualified name; unquoted parts are lower-cased as CQL does. */
export interface QualifiedName {
  readonly keyspace: string | null;
  readonly name: string;
}

export type DescribeTarget =
  | { readonly kind: 'keyspaces' }
  | { readonly kind: 'tables' }
  | { readonly kind: 'types' }
  | { readonly kind: 'cluster' }
  | { readonly kind: 'schema'; readonly full: boolean }
  | { readonly kind: 'keyspace'; readonly name: string | null }
  | { readonly kind: 'table'; readonly name: QualifiedName }
  | { readonly kind: 'type'; readonly name: QualifiedName }
  | { readonly kind: 'object'; readonly name: QualifiedName };

export type ShellCommand =
  | { readonly kind: 'consistency'; readonly level: string | null }
  | { readonly kind: 'serial-consistency'; readonly level: string | null }
  | { readonly kind: 'expand'; readonly on: boolean | null }
  | { readonly kind: 'paging'; readonly on: boolean | null; readonly pageSize: number | null }
  | { readonly kind: 'describe'; readonly target: DescribeTarget }
  | { readonly kind: 'source'; readonly file: string }
  | { readonly kind: 'exit' }
  | { readonly kind: 'help'; readonly topics: readonly string[] }
  | { readonly kind: 'show'; readonly what: 'version' | 'host' }
  | { readonly kind: 'clear' }
  | { readonly kind: 'unsupported'; readonly message: string }
  | { readonly kind: 'improper'; readonly message: string };

/** Largest page size PAGING accepts. */
export const PAGE_SIZE_MAX = 1_000_000;

const IDENTIFIER = /^(?:"((?:[^"]|"")*)"|([A-Za-z0-9_]+))/;

/** Parses `name` or `ks.name` (quoted parts keep their case); null if `text` is not exactly that. */
export function parseQualifiedName(text: string): QualifiedName | null {
  const parts: string[] = [];
  let rest = text.trim();
  for (;;) {
    const m = IDENTIFIER.exec(rest);
    if (m === null) return null;
    parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.toLowerCase());
    rest = rest.slice(m[0].length).trimStart();
    if (rest === '') break;
    if (rest[0] !== '.') return null;
    rest = rest.slice(1).trimStart();
  }
  if (parts.length === 1) return { keyspace: null, name: parts[0]! };
  if (parts.length === 2) return { keyspace: parts[0]!, name: parts[1]! };
  return null;
}

function improper(word: string, problem?: string): ShellCommand {
  return { kind: 'improper', message: problem === undefined ? `Improper ${word} command.` : `Improper ${word} command (problem at '${problem}').` };
}

function parseSwitch(word: string, args: string): { on: boolean | null } | ShellCommand {
  if (args === '') return { on: null };
  const upper = args.toUpperCase();
  if (upper === 'ON') return { on: true };
  if (upper === 'OFF') return { on: false };
  return improper(word, args.split(/\s+/)[0]);
}

function parseDescribe(word: string, args: string): ShellCommand {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(args);
  if (m === null) return improper(word);
  const what = m[1]!.toLowerCase();
  const rest = m[2]!.trim();
  const noArgs = (target: DescribeTarget): ShellCommand => (rest === '' ? { kind: 'describe', target } : improper(word, rest.split(/\s+/)[0]));
  const named = (make: (name: QualifiedName) => DescribeTarget): ShellCommand => {
    const name = parseQualifiedName(rest);
    return name === null ? improper(word, rest.split(/\s+/)[0] ?? '') : { kind: 'describe', target: make(name) };
  };
  switch (what) {
    case 'keyspaces': return noArgs({ kind: 'keyspaces' });
    case 'tables':
    case 'columnfamilies': return noArgs({ kind: 'tables' });
    case 'types': return noArgs({ kind: 'types' });
    case 'cluster': return noArgs({ kind: 'cluster' });
    case 'schema': return noArgs({ kind: 'schema', full: false });
    case 'full':
      return rest.toLowerCase() === 'schema' ? { kind: 'describe', target: { kind: 'schema', full: true } } : improper(word, rest);
    case 'keyspace': {
      if (rest === '') return { kind: 'describe', target: { kind: 'keyspace', name: null } };
      const name = parseQualifiedName(rest);
      if (name === null || name.keyspace !== null) return improper(word, rest);
      return { kind: 'describe', target: { kind: 'keyspace', name: name.name } };
    }
    case 'table':
    case 'columnfamily': return named((name) => ({ kind: 'table', name }));
    case 'type': return named((name) => ({ kind: 'type', name }));
    default: {
      const name = parseQualifiedName(args);
      return name === null ? improper(word, m[1]) : { kind: 'describe', target: { kind: 'object', name } };
    }
  }
}

/** The shell command `statement` is, or null when it is CQL to send to the server. */
export function parseShellCommand(statement: string): ShellCommand | null {
  const word = firstWord(statement);
  const body = withoutSemicolon(stripLeadingComments(statement));
  const args = body.slice(body.search(/\s|$/)).trim();
  const upperWord = word.toUpperCase();
  switch (word) {
    case 'consistency': {
      if (args === '') return { kind: 'consistency', level: null };
      const level = args.toUpperCase();
      return CONSISTENCY_LEVELS.includes(level) ? { kind: 'consistency', level } : improper(upperWord, args);
    }
    case 'serial': {
      const m = /^consistency\b\s*(.*)$/i.exec(args);
      if (m === null) return improper(upperWord);
      const level = m[1]!.trim().toUpperCase();
      if (level === '') return { kind: 'serial-consistency', level: null };
      return SERIAL_CONSISTENCY_LEVELS.includes(level) ? { kind: 'serial-consistency', level } : improper(upperWord, m[1]!.trim());
    }
    case 'expand': {
      const s = parseSwitch(upperWord, args);
      return 'kind' in s ? s : { kind: 'expand', on: s.on };
    }
    case 'paging': {
      if (/^\d+$/.test(args)) {
        const size = Number(args);
        if (size < 1 || size > PAGE_SIZE_MAX) return { kind: 'improper', message: `Page size must be between 1 and ${PAGE_SIZE_MAX}.` };
        return { kind: 'paging', on: true, pageSize: size };
      }
      const s = parseSwitch(upperWord, args);
      return 'kind' in s ? s : { kind: 'paging', on: s.on, pageSize: null };
    }
    case 'describe':
    case 'desc':
      return args === '' ? improper(upperWord) : parseDescribe(upperWord, args);
    case 'source': {
      const m = /^'((?:[^']|'')*)'$/.exec(args);
      return m === null ? improper(upperWord) : { kind: 'source', file: m[1]!.replace(/''/g, "'") };
    }
    case 'exit':
    case 'quit':
      return args === '' ? { kind: 'exit' } : improper(upperWord, args);
    case 'help':
    case '?':
      return { kind: 'help', topics: args === '' ? [] : args.split(/\s+/) };
    case 'show': {
      const what = args.toLowerCase();
      if (what === 'version' || what === 'host') return { kind: 'show', what };
      return improper(upperWord, args);
    }
    case 'clear':
    case 'cls':
      return { kind: 'clear' };
    case 'tracing':
    case 'capture':
    case 'login':
    case 'debug':
    case 'history':
      return { kind: 'unsupported', message: `${upperWord} is not supported by cassia cqlsh.` };
    default:
      return null;
  }
}
