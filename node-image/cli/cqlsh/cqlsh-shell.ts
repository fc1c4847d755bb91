// The shell's state machine over one driver connection: runs a statement (a cqlsh command or CQL
// for the server) and prints what Apache cqlsh prints for it. Session state: consistency levels,
// EXPAND, PAGING, the current keyspace (the driver's, after USE). Output goes through ShellIo so
// the same shell serves the terminal, -e, -f and SOURCE.
import type cassandra from 'cassandra-driver';
import { describe, DescribeError } from './describe.ts';
import type { SchemaSource } from './describe.ts';
import { CONSISTENCY_NAMES, formatStatementError } from './error-format.ts';
import { formatExpanded, formatTable, headerCell, columnize } from './result-format.ts';
import { parseShellCommand } from './shell-commands.ts';
import type { ShellCommand } from './shell-commands.ts';
import { splitScript } from './script-statements.ts';
import { formatCell } from './value-format.ts';
import type { CqlColumnType, FormattedValue } from './value-format.ts';

/** cqlsh's default page size (Shell.default_page_size). */
export const DEFAULT_PAGE_SIZE = 100;
/** Page size used while PAGING is OFF: pages are fetched and printed without pausing. */
export const UNPAGED_FETCH_SIZE = 5000;
/** How deep SOURCE may nest (a file sourcing itself stops here). */
export const SOURCE_DEPTH_MAX = 16;
export const SHELL_VERSION = '0.1.0';

export interface ShellIo {
  /** Writes one line of results (a newline is appended). */
  out(line: string): void;
  /** Writes one error line to stderr (a newline is appended). */
  err(line: string): void;
  readFile(path: string): string;
  /** Waits for the user between pages on a terminal (`---MORE---`). */
  pause(prompt: string): Promise<void>;
}

/** Where a statement came from: a terminal (no line numbers) or a script (errors carry `name:line:`). */
export interface StatementContext {
  readonly tty: boolean;
  readonly source: { readonly name: string; readonly line: number } | null;
}

export interface ShellOptions {
  readonly client: cassandra.Client;
  readonly schema: SchemaSource;
  readonly io: ShellIo;
  readonly host: string;
  readonly port: number;
  readonly username: string | null;
  readonly consistency: string;
}

const HELP_TOPICS: Readonly<Record<string, string>> = {
  CONSISTENCY: 'CONSISTENCY [level]: shows or sets the consistency level of later requests (default ONE).',
  SERIAL: 'SERIAL CONSISTENCY [SERIAL|LOCAL_SERIAL]: shows or sets the serial consistency level of conditional updates.',
  EXPAND: 'EXPAND [ON|OFF]: shows or switches expanded (vertical) output.',
  PAGING: 'PAGING [ON|OFF|n]: shows or switches result paging, or sets the page size (default 100).',
  DESCRIBE: 'DESCRIBE KEYSPACES | TABLES | TYPES | KEYSPACE [k] | TABLE [k.]t | TYPE [k.]t | CLUSTER | [FULL] SCHEMA | <name>',
  SOURCE: "SOURCE '<file>': runs the statements of a file; errors do not stop it.",
  SHOW: 'SHOW VERSION | HOST',
  USE: 'USE <keyspace>: makes <keyspace> the current keyspace.',
  EXIT: 'EXIT (or QUIT): leaves the shell.',
  CLEAR: 'CLEAR (or CLS): clears the terminal.',
  HELP: 'HELP [topic]: lists the shell commands, or explains one.',
};

function consistencyCode(name: string): number {
  const code = CONSISTENCY_NAMES.indexOf(name);
  if (code < 0) throw new Error(`unknown consistency level ${name}`);
  return code;
}

function isSelect(statement: string): boolean {
  return statement.trimStart().slice(0, 6).toLowerCase() === 'select';
}

export class CqlshShell {
  /** Set when any statement failed (batch modes exit with 2, as cqlsh). */
  statementError = false;
  /** Set by EXIT/QUIT. */
  stopRequested = false;
  clusterName = '';
  releaseVersion = '';
  cqlVersion = '';

  private readonly client: cassandra.Client;
  private readonly schema: SchemaSource;
  private readonly io: ShellIo;
  private readonly host: string;
  private readonly port: number;
  private readonly username: string | null;
  private consistency: string;
  private serialConsistency = 'SERIAL';
  private expand = false;
  private paging = true;
  private pageSize = DEFAULT_PAGE_SIZE;
  private sourceDepth = 0;

  constructor(options: ShellOptions) {
    this.client = options.client;
    this.schema = options.schema;
    this.io = options.io;
    this.host = options.host;
    this.port = options.port;
    this.username = options.username;
    this.consistency = options.consistency;
  }

  get keyspace(): string | null {
    return this.client.keyspace ?? null;
  }

  prompt(): string {
    const base = this.keyspace === null ? 'cqlsh> ' : `cqlsh:${this.keyspace}> `;
    return this.username === null ? base : `${this.username}@${base}`;
  }

  continuePrompt(): string {
    return this.keyspace === null ? '   ... ' : `${' '.repeat(this.keyspace.length)}    ... `;
  }

  /** Reads cluster name and versions for the banner and SHOW. */
  async loadVersions(): Promise<void> {
    const result = await this.client.execute('SELECT cluster_name, release_version, cql_version FROM system.local', [], { prepare: false });
    const row = result.rows[0];
    this.clusterName = String(row?.get('cluster_name') ?? '');
    this.releaseVersion = String(row?.get('release_version') ?? '');
    this.cqlVersion = String(row?.get('cql_version') ?? '');
  }

  hostLine(): string {
    return `Connected to ${this.clusterName} at ${this.host}:${this.port}`;
  }

  versionLine(): string {
    return `[cqlsh ${SHELL_VERSION} (cassia) | Cassandra ${this.releaseVersion} | CQL spec ${this.cqlVersion} | Native protocol v4]`;
  }

  /** Runs every statement of a script; stops early only on EXIT. */
  async runScript(text: string, name: string, options: { fixedLine?: number } = {}): Promise<void> {
    for (const statement of splitScript(text)) {
      // cqlsh counts the line after the one that ended the statement (it has read it already).
      const line = options.fixedLine ?? statement.line + 1;
      await this.run(statement.text, { tty: false, source: { name, line } });
      if (this.stopRequested) return;
    }
  }

  /** Runs one statement (without its `;`) and prints its outcome. */
  async run(statement: string, context: StatementContext): Promise<void> {
    const command = parseShellCommand(statement);
    try {
      if (command === null) await this.runCql(statement, context);
      else await this.runCommand(command, context);
    } catch (error) {
      if (error instanceof DescribeError) this.fail(error.message, context);
      else this.fail(formatStatementError(error), context);
    }
  }

  private fail(message: string, context: StatementContext): void {
    this.statementError = true;
    this.io.err(context.source === null ? message : `${context.source.name}:${context.source.line}:${message}`);
  }

  private async runCommand(command: ShellCommand, context: StatementContext): Promise<void> {
    const io = this.io;
    switch (command.kind) {
      case 'consistency':
        if (command.level === null) io.out(`Current consistency level is ${this.consistency}.`);
        else {
          this.consistency = command.level;
          io.out(`Consistency level set to ${command.level}.`);
        }
        return;
      case 'serial-consistency':
        if (command.level === null) io.out(`Current serial consistency level is ${this.serialConsistency}.`);
        else {
          this.serialConsistency = command.level;
          io.out(`Serial consistency level set to ${command.level}.`);
        }
        return;
      case 'expand':
        this.expand = this.switchCommand('EXPAND', 'Expanded output', this.expand, command.on, context);
        return;
      case 'paging': {
        // `PAGING n` only reports the new size (cqlsh SwitchCommandWithValue).
        this.paging = command.pageSize !== null ? true : this.switchCommand('PAGING', 'Query paging', this.paging, command.on, context);
        if (command.pageSize !== null) this.pageSize = command.pageSize;
        if (this.paging) io.out(`Page size: ${this.pageSize}`);
        else this.pageSize = DEFAULT_PAGE_SIZE;
        return;
      }
      case 'describe': {
        const lines = await describe(this.schema, command.target, this.keyspace);
        for (const line of lines) io.out(line);
        return;
      }
      case 'source':
        await this.source(command.file, context);
        return;
      case 'exit':
        this.stopRequested = true;
        return;
      case 'help':
        this.help(command.topics, context);
        return;
      case 'show':
        io.out(command.what === 'version' ? this.versionLine() : this.hostLine());
        return;
      case 'clear':
        if (context.tty) io.out('\x1b[2J\x1b[H');
        return;
      case 'unsupported':
      case 'improper':
        this.fail(command.message, context);
        return;
    }
  }

  /** cqlsh SwitchCommand: reports, or flips, an ON/OFF setting. */
  private switchCommand(command: string, description: string, state: boolean, on: boolean | null, context: StatementContext): boolean {
    if (on === null) {
      this.io.out(state ? `${description} is currently enabled. Use ${command} OFF to disable` : `${description} is currently disabled. Use ${command} ON to enable.`);
      return state;
    }
    if (on) {
      if (state) {
        this.fail(`${description} is already enabled. Use ${command} OFF to disable.`, context);
        return state;
      }
      this.io.out(`Now ${description} is enabled`);
      return true;
    }
    if (!state) {
      this.fail(`${description} is not enabled.`, context);
      return state;
    }
    this.io.out(`Disabled ${description}.`);
    return false;
  }

  private help(topics: readonly string[], context: StatementContext): void {
    if (topics.length === 0) {
      const header = '\nDocumented shell commands:';
      this.io.out(header);
      this.io.out('='.repeat(header.length));
      for (const line of columnize(Object.keys(HELP_TOPICS).sort(), 79)) this.io.out(line);
      this.io.out('');
      return;
    }
    for (const topic of topics) {
      const text = HELP_TOPICS[topic.toUpperCase()];
      if (text === undefined) this.fail(`*** No help on ${topic}`, context);
      else this.io.out(text);
    }
  }

  private async source(file: string, context: StatementContext): Promise<void> {
    const path = file.startsWith('~/') ? `${process.env['HOME'] ?? ''}${file.slice(1)}` : file;
    if (this.sourceDepth >= SOURCE_DEPTH_MAX) {
      this.fail(`SOURCE nested more than ${SOURCE_DEPTH_MAX} deep; not opening '${path}'`, context);
      return;
    }
    let text: string;
    try {
      text = this.io.readFile(path);
    } catch (error) {
      this.fail(`Could not open '${path}': ${(error as Error).message}`, context);
      return;
    }
    this.sourceDepth++;
    try {
      await this.runScript(text, path);
    } finally {
      this.sourceDepth--;
      // EXIT inside a sourced file ends that file only.
      this.stopRequested = false;
    }
  }

  private queryOptions(pageState: string | undefined): cassandra.QueryOptions {
    return {
      prepare: false,
      consistency: consistencyCode(this.consistency),
      serialConsistency: consistencyCode(this.serialConsistency),
      fetchSize: this.paging ? this.pageSize : UNPAGED_FETCH_SIZE,
      autoPage: false,
      ...(pageState === undefined ? {} : { pageState }),
    };
  }

  private async runCql(statement: string, context: StatementContext): Promise<void> {
    let result = await this.client.execute(statement, [], this.queryOptions(undefined));
    // cqlsh prints the warnings of the first response, after the result.
    const firstResult = result;
    if (isSelect(statement)) {
      this.io.out('');
      let rowCount = 0;
      let first = true;
      for (;;) {
        const rows = result.rows ?? [];
        if (rows.length > 0 || first) {
          this.printPage(result, { withHeader: first || (context.tty && this.paging), tty: context.tty, rowOffset: rowCount });
          rowCount += rows.length;
        }
        const pageState = result.pageState;
        if (pageState === null || pageState === undefined || pageState === '') {
          if (!context.tty) this.io.out('');
          break;
        }
        if (context.tty && this.paging) await this.io.pause('---MORE---');
        result = await this.client.execute(statement, [], this.queryOptions(pageState));
        first = false;
      }
      this.io.out(`(${rowCount} rows)`);
      this.printWarnings(firstResult);
      return;
    }
    if (result.rows !== undefined && result.rows.length > 0) {
      // Conditional updates answer with [applied] (and the current values when not applied).
      this.io.out('');
      this.printPage(result, { withHeader: true, tty: context.tty, rowOffset: 0 });
    }
    this.printWarnings(result);
  }

  private printPage(result: cassandra.types.ResultSet, options: { withHeader: boolean; tty: boolean; rowOffset: number }): void {
    const columns = result.columns ?? [];
    if (columns.length === 0) return;
    const names = columns.map((c) => headerCell(c.name));
    const rows = result.rows ?? [];
    let lines: string[];
    if (rows.length === 0) {
      lines = formatTable(names, null, { withHeader: true, tty: options.tty });
    } else {
      const cells: FormattedValue[][] = rows.map((row) => columns.map((c) => formatCell(row.get(c.name), c.type as CqlColumnType)));
      lines = this.expand ? formatExpanded(names, cells, options.rowOffset) : formatTable(names, cells, options);
    }
    for (const line of lines) this.io.out(line);
  }

  private printWarnings(result: cassandra.types.ResultSet): void {
    const warnings = result.info?.warnings;
    if (warnings === undefined || warnings === null || warnings.length === 0) return;
    this.io.out('');
    this.io.out('Warnings :');
    for (const w of warnings) {
      this.io.out(w);
      this.io.out('');
    }
  }
}
