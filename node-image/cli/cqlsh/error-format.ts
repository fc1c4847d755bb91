// Turns a driver error into the line Apache cqlsh prints for it: the Python driver's exception
// class name, then either the server's raw message (SyntaxException, ConfigurationException, ...)
// or `Error from server: code=2200 [Invalid query] message="..."` with an info dict for the
// availability and timeout errors, exactly as the Python driver renders them.

/** The fields of the npm driver's ResponseError that the rendering reads. */
export interface ServerErrorLike {
  readonly code: number;
  readonly message: string;
  readonly consistencies?: number;
  readonly required?: number;
  readonly alive?: number;
  readonly received?: number;
  readonly blockFor?: number;
  readonly failures?: number;
  readonly writeType?: string;
  readonly keyspace?: string;
  readonly table?: string;
}

/** Consistency level names by protocol code (Python driver consistency_value_to_name). */
export const CONSISTENCY_NAMES: readonly string[] = [
  'ANY', 'ONE', 'TWO', 'THREE', 'QUORUM', 'ALL', 'LOCAL_QUORUM', 'EACH_QUORUM', 'SERIAL', 'LOCAL_SERIAL', 'LOCAL_ONE',
];

interface ErrorStyle {
  /** Python exception class name cqlsh prints. */
  readonly className: string;
  /** Python driver summary (the bracketed text after the code). */
  readonly summary: string;
  /**
   * `raw`: the server message alone; `summary`: `Error from server: code=.. [..] message=".."`;
   * `unavailable`, `read-timeout`, `write-timeout`, `failure`: the summary plus the Python driver's
   * info dict; `already-exists`: the Python driver's AlreadyExists sentence.
   */
  readonly render: 'raw' | 'summary' | 'unavailable' | 'read-timeout' | 'write-timeout' | 'failure' | 'already-exists';
}

const ERROR_STYLES: ReadonlyMap<number, ErrorStyle> = new Map<number, ErrorStyle>([
  [0x0000, { className: 'ServerError', summary: 'Server error', render: 'raw' }],
  [0x000a, { className: 'ProtocolException', summary: 'Protocol error', render: 'raw' }],
  [0x0100, { className: 'BadCredentials', summary: 'Bad credentials', render: 'raw' }],
  [0x1000, { className: 'Unavailable', summary: 'Unavailable exception', render: 'unavailable' }],
  [0x1001, { className: 'OverloadedErrorMessage', summary: 'Coordinator node overloaded', render: 'raw' }],
  [0x1002, { className: 'IsBootstrappingErrorMessage', summary: 'Coordinator node is bootstrapping', render: 'raw' }],
  [0x1003, { className: 'TruncateError', summary: 'Error during truncate', render: 'raw' }],
  [0x1100, { className: 'WriteTimeout', summary: "Coordinator node timed out waiting for replica nodes' responses", render: 'write-timeout' }],
  [0x1200, { className: 'ReadTimeout', summary: "Coordinator node timed out waiting for replica nodes' responses", render: 'read-timeout' }],
  [0x1300, { className: 'ReadFailure', summary: 'Replica(s) failed to execute read', render: 'failure' }],
  [0x1400, { className: 'FunctionFailure', summary: 'User Defined Function failure', render: 'summary' }],
  [0x1500, { className: 'WriteFailure', summary: 'Replica(s) failed to execute write', render: 'failure' }],
  [0x2000, { className: 'SyntaxException', summary: 'Syntax error in CQL query', render: 'raw' }],
  [0x2100, { className: 'Unauthorized', summary: 'Unauthorized', render: 'summary' }],
  [0x2200, { className: 'InvalidRequest', summary: 'Invalid query', render: 'summary' }],
  [0x2300, { className: 'ConfigurationException', summary: 'Query invalid because of configuration issue', render: 'raw' }],
  [0x2400, { className: 'AlreadyExists', summary: 'Item already exists', render: 'already-exists' }],
  [0x2500, { className: 'PreparedQueryNotFound', summary: 'Matching prepared statement not found on this node', render: 'raw' }],
]);

function pyString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function pyValue(v: string | number | null | undefined): string {
  if (v === undefined || v === null) return 'None';
  return typeof v === 'number' ? String(v) : pyString(v);
}

/** Python repr of a dict with string keys. */
function pyDict(entries: ReadonlyArray<readonly [string, string | number | null | undefined]>): string {
  return `{${entries.map(([k, v]) => `${pyString(k)}: ${pyValue(v)}`).join(', ')}}`;
}

function consistencyName(code: number | undefined): string | null {
  return code === undefined ? null : (CONSISTENCY_NAMES[code] ?? String(code));
}

function summaryMessage(code: number, summary: string, message: string): string {
  return `Error from server: code=${code.toString(16).padStart(4, '0')} [${summary}] message="${message}"`;
}

/**
 * The npm driver replaces the server's message of availability and timeout errors with its own
 * text; cqlsh shows Cassandra's, which these reconstruct from the error's fields.
 */
function serverMessage(error: ServerErrorLike, style: ErrorStyle): string {
  const cl = consistencyName(error.consistencies) ?? 'UNKNOWN';
  switch (style.render) {
    case 'unavailable':
      return `Cannot achieve consistency level ${cl}`;
    case 'read-timeout':
    case 'write-timeout':
      return `Operation timed out - received only ${error.received ?? 0} responses.`;
    case 'failure':
      return `Operation failed - received ${error.received ?? 0} responses and ${error.failures ?? 0} failures`;
    default:
      return error.message;
  }
}

/** `InvalidRequest: Error from server: code=2200 [Invalid query] message="..."` and friends. */
export function formatServerError(error: ServerErrorLike): string {
  const style = ERROR_STYLES.get(error.code) ?? { className: 'ErrorMessage', summary: 'Unknown', render: 'summary' as const };
  const message = serverMessage(error, style);
  const summary = summaryMessage(error.code, style.summary, message);
  const cl = consistencyName(error.consistencies);
  let text: string;
  switch (style.render) {
    case 'raw':
      text = message;
      break;
    case 'summary':
      text = summary;
      break;
    case 'unavailable':
      text = `${summary} info=${pyDict([['consistency', cl], ['required_replicas', error.required], ['alive_replicas', error.alive]])}`;
      break;
    case 'read-timeout':
      text = `${summary} info=${pyDict([['consistency', cl], ['required_responses', error.blockFor], ['received_responses', error.received]])}`;
      break;
    case 'write-timeout':
      text = `${summary} info=${pyDict([
        ['consistency', cl], ['required_responses', error.blockFor], ['received_responses', error.received], ['write_type', error.writeType],
      ])}`;
      break;
    case 'failure':
      text = `${summary} info=${pyDict([
        ['consistency', cl], ['required_responses', error.blockFor], ['received_responses', error.received], ['failures', error.failures],
      ])}`;
      break;
    case 'already-exists':
      text = error.table !== undefined && error.table !== ''
        ? `Table '${error.keyspace ?? ''}.${error.table}' already exists`
        : `Keyspace '${error.keyspace ?? ''}' already exists`;
      break;
  }
  return `${style.className}: ${text}`;
}

function isServerError(error: unknown): error is ServerErrorLike {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number'
    && (error as { name?: unknown }).name === 'ResponseError';
}

/** Any error thrown by a statement, rendered as cqlsh would print it. */
export function formatStatementError(error: unknown): string {
  if (isServerError(error)) return formatServerError(error);
  if (error instanceof Error) {
    const inner = (error as { innerErrors?: Record<string, unknown> }).innerErrors;
    if (error.name === 'NoHostAvailableError' && inner !== undefined) return `NoHostAvailable: ${formatInnerErrors(inner)}`;
    if (error.name === 'OperationTimedOutError') return `OperationTimedOut: ${error.message}`;
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}

/** `{'127.0.0.1:9042': 'connect ECONNREFUSED ...'}` as cqlsh shows host errors. */
export function formatInnerErrors(inner: Readonly<Record<string, unknown>>): string {
  return `{${Object.entries(inner).map(([host, e]) => {
    const text = isServerError(e) ? formatServerError(e) : e instanceof Error ? e.message : String(e);
    return `${pyString(host)}: ${pyString(text)}`;
  }).join(', ')}}`;
}

/** The line printed when the shell cannot connect (cqlsh: `Connection error: (...)`). */
export function formatConnectionError(error: unknown): string {
  if (error instanceof Error) {
    const inner = (error as { innerErrors?: Record<string, unknown> }).innerErrors;
    if (inner !== undefined && Object.keys(inner).length > 0) {
      return `Connection error: ('Unable to connect to any servers', ${formatInnerErrors(inner)})`;
    }
    return `Connection error: ${error.message}`;
  }
  return `Connection error: ${String(error)}`;
}
