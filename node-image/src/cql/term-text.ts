// CQL terms printed back as Cassandra prints them in result column names and error messages
// (`'math'`, `0`, `[1, 2]`, `?`): string constants re-quoted, other constants as written.
import type { Term } from './ast.ts';
import { typeExprToString } from './type-resolver.ts';

/** A term as Cassandra prints it. */
export function formatTermText(t: Term): string {
  switch (t.kind) {
    case 'constant':
      return t.type === 'string' ? `'${t.text.replace(/'/g, "''")}'` : t.text;
    case 'null': return 'null';
    case 'bind': return t.name === null ? '?' : `:${t.name}`;
    case 'list': return `[${t.elements.map(formatTermText).join(', ')}]`;
    case 'set': return `{${t.elements.map(formatTermText).join(', ')}}`;
    case 'map': return `{${t.entries.map(([k, v]) => `${formatTermText(k)}: ${formatTermText(v)}`).join(', ')}}`;
    case 'emptyBraces': return '{}';
    case 'udt': return `{${t.fields.map(([f, v]) => `${f}: ${formatTermText(v)}`).join(', ')}}`;
    case 'tuple': return `(${t.elements.map(formatTermText).join(', ')})`;
    case 'function': return `${t.keyspace === null ? '' : `${t.keyspace}.`}${t.name}(${t.args.map(formatTermText).join(', ')})`;
    case 'cast': return `(${typeExprToString(t.type)})${formatTermText(t.term)}`;
    case 'binary': return `${formatTermText(t.left)} ${t.op} ${formatTermText(t.right)}`;
    case 'negate': return `-${formatTermText(t.term)}`;
  }
}
