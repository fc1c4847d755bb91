// `cassia cqlsh [host[:port]] [port]`: connects one npm cassandra-driver Client pinned to that
// host (as cqlsh pins its WhiteListRoundRobinPolicy) and runs the shell: -e statements, a -f file,
// piped stdin, or an interactive terminal with history (node:readline). TLS with --ssl (tls-options.ts).
// Exit code 2 when a statement failed in a batch mode, 1 when the connection failed, as Apache cqlsh.
import { lookup } from 'node:dns/promises';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Interface } from 'node:readline';
import cassandra from 'cassandra-driver';
import { clusterDir, readManifest } from '../local/cluster-manifest.ts';
import { CqlshShell } from './cqlsh-shell.ts';
import type { ShellIo } from './cqlsh-shell.ts';
import { DriverSchemaSource } from './driver-schema.ts';
import { formatConnectionError } from './error-format.ts';
import { CONSISTENCY_LEVELS } from './shell-commands.ts';
import { StatementBuffer } from './script-statements.ts';
import { CqlshTlsUsageError, driverSslOptions, resolveTlsSettings } from './tls-options.ts';
import type { CqlshTlsFlags, CqlshTlsMaterial, CqlshTlsSettings } from './tls-options.ts';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 9042;
export const CONNECT_TIMEOUT_MS = 5_000;
export const REQUEST_TIMEOUT_MS = 10_000;
/** Entries kept in the history file. */
export const HISTORY_LINES_MAX = 1000;

export interface CqlshFlags extends CqlshTlsFlags {
  readonly execute?: string;
  readonly file?: string;
  readonly keyspace?: string;
  readonly username?: string;
  readonly password?: string;
  readonly consistency?: string;
  readonly dir?: string;
}

export interface CqlshProcessIo {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export class CqlshUsageError extends Error {
  override readonly name = 'CqlshUsageError';
}

/** Host and port from `host`, `host:port`, `[v6]:port` or `host port`; else $CQLSH_HOST/$CQLSH_PORT, the local cluster, the defaults. */
export function resolveTarget(args: readonly string[], env: Readonly<Record<string, string | undefined>>, localNode: { address: string; cqlPort: number } | null): { host: string; port: number } {
  let host = env['CQLSH_HOST'] ?? localNode?.address ?? DEFAULT_HOST;
  let portText = env['CQLSH_PORT'] ?? String(localNode?.cqlPort ?? DEFAULT_PORT);
  const [first, second] = args;
  if (first !== undefined) {
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(first);
    const hostPort = /^([^:]+):(\d+)$/.exec(first);
    if (bracketed !== null) {
      host = bracketed[1]!;
      if (bracketed[2] !== undefined) portText = bracketed[2];
    } else if (hostPort !== null) {
      host = hostPort[1]!;
      portText = hostPort[2]!;
    } else {
      host = first;
      if (env['CQLSH_PORT'] === undefined) portText = String(DEFAULT_PORT);
    }
  }
  if (second !== undefined) portText = second;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CqlshUsageError(`'${portText}' is not a valid port number.`);
  return { host, port };
}

function historyPath(env: Readonly<Record<string, string | undefined>>): string {
  return env['CASSIA_CQLSH_HISTORY'] ?? join(homedir(), '.cassia', 'cqlsh_history');
}

function loadHistory(path: string): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').slice(-HISTORY_LINES_MAX).reverse();
  } catch {
    return [];
  }
}

function saveHistory(path: string, newestFirst: readonly string[]): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${[...newestFirst].slice(0, HISTORY_LINES_MAX).reverse().join('\n')}\n`, { mode: 0o600 });
  } catch {
    // history is a convenience: an unwritable home must not break the shell
  }
}

/** Reads a password from the terminal without echoing it. */
async function readPassword(io: CqlshProcessIo): Promise<string> {
  if (!io.stdin.isTTY) return '';
  io.stdout.write('Password: ');
  io.stdin.setRawMode(true);
  io.stdin.resume();
  let password = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            io.stdin.off('data', onData);
            resolve();
            return;
          }
          if (ch === '\u0003') {
            io.stdin.off('data', onData);
            reject(new Error('interrupted'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') password = password.slice(0, -1);
          else password += ch;
        }
      };
      io.stdin.on('data', onData);
    });
  } finally {
    io.stdin.setRawMode(false);
    io.stdin.pause();
    io.stdout.write('\n');
  }
  return password;
}

/** `~/` expanded as cqlsh does (os.path.expanduser) for paths that come from the environment. */
function expandHome(path: string): string {
  return path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
}

/** Reads the PEM files the settings name; a file that cannot be read is reported as cqlsh reports -f files. */
function loadTlsMaterial(settings: CqlshTlsSettings, io: CqlshProcessIo): CqlshTlsMaterial | null {
  const loaded: Array<string | null> = [];
  for (const path of [settings.caFile, settings.certFile, settings.keyFile]) {
    try {
      loaded.push(path === null ? null : readFileSync(expandHome(path), 'utf8'));
    } catch (error) {
      io.stderr.write(`Can't open '${path}': ${(error as Error).message}\n`);
      return null;
    }
  }
  const [ca, cert, key] = loaded as [string | null, string | null, string | null];
  return { ca, cert, key };
}

function localClusterNode(flags: CqlshFlags, cwd: string): { address: string; cqlPort: number } | null {
  try {
    return readManifest(clusterDir(flags.dir, cwd))?.nodes[0] ?? null;
  } catch {
    return null;
  }
}

export async function runCqlsh(args: readonly string[], flags: CqlshFlags, io: CqlshProcessIo): Promise<number> {
  const { host, port } = resolveTarget(args, io.env, localClusterNode(flags, io.cwd));
  const consistency = (flags.consistency ?? 'ONE').toUpperCase();
  if (!CONSISTENCY_LEVELS.includes(consistency)) throw new CqlshUsageError(`unknown consistency level '${flags.consistency ?? ''}'`);
  if (flags.execute !== undefined && flags.file !== undefined) throw new CqlshUsageError('use either -e or -f, not both');
  let tls: CqlshTlsSettings | null;
  try {
    tls = resolveTlsSettings(flags, io.env);
  } catch (error) {
    if (error instanceof CqlshTlsUsageError) throw new CqlshUsageError(error.message);
    throw error;
  }
  const interactive = flags.execute === undefined && flags.file === undefined && io.stdin.isTTY === true;

  let scriptText: string | null = null;
  if (flags.file !== undefined) {
    try {
      scriptText = readFileSync(flags.file, 'utf8').replace(/^\ufeff/, '');
    } catch (error) {
      io.stderr.write(`Can't open '${flags.file}': ${(error as Error).message}\n`);
      return 1;
    }
  }

  const tlsMaterial = tls === null ? null : loadTlsMaterial(tls, io);
  if (tls !== null && tlsMaterial === null) return 1;

  let password = flags.password;
  if (flags.username !== undefined && password === undefined) password = await readPassword(io);
  let address = host;
  try {
    address = (await lookup(host)).address;
  } catch {
    // let the driver report the unresolvable host
  }
  const contactPoint = address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
  const client = new cassandra.Client({
    contactPoints: [contactPoint],
    keyspace: flags.keyspace,
    policies: { loadBalancing: new cassandra.policies.loadBalancing.AllowListPolicy(new cassandra.policies.loadBalancing.RoundRobinPolicy(), [`${address}:${port}`]) },
    authProvider: flags.username === undefined ? undefined : new cassandra.auth.PlainTextAuthProvider(flags.username, password ?? ''),
    encoding: { map: Map },
    ...(tls === null || tlsMaterial === null ? {} : { sslOptions: driverSslOptions(tls, tlsMaterial) }),
    socketOptions: { connectTimeout: CONNECT_TIMEOUT_MS, readTimeout: REQUEST_TIMEOUT_MS },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1, [cassandra.types.distance.remote]: 0 } },
    queryOptions: { prepare: false, consistency: cassandra.types.consistencies.one },
  });
  try {
    await client.connect();
  } catch (error) {
    io.stderr.write(`${formatConnectionError(error)}\n`);
    await client.shutdown().catch(() => undefined);
    return 1;
  }

  let reader: TerminalReader | null = null;
  const shellIo: ShellIo = {
    out: (line) => io.stdout.write(`${line}\n`),
    err: (line) => io.stderr.write(`${line}\n`),
    readFile: (path) => readFileSync(path, 'utf8').replace(/^\ufeff/, ''),
    pause: async (prompt) => {
      if (reader !== null) await reader.read(prompt);
    },
  };
  const shell = new CqlshShell({
    client, schema: new DriverSchemaSource(client), io: shellIo, host, port, username: flags.username ?? null, consistency,
  });
  try {
    await shell.loadVersions();
    if (flags.execute !== undefined) {
      const text = flags.execute.trimEnd().endsWith(';') ? flags.execute : `${flags.execute};`;
      await shell.runScript(text, '<stdin>', { fixedLine: 1 });
      return shell.statementError ? 2 : 0;
    }
    if (scriptText !== null) {
      await shell.runScript(scriptText, flags.file!);
      return shell.statementError ? 2 : 0;
    }
    if (!interactive) {
      const chunks: Buffer[] = [];
      for await (const chunk of io.stdin) chunks.push(chunk as Buffer);
      await shell.runScript(Buffer.concat(chunks).toString('utf8'), '<stdin>');
      return shell.statementError ? 2 : 0;
    }
    io.stdout.write(`${shell.hostLine()}\n${shell.versionLine()}\nUse HELP for help.\n`);
    const history = historyPath(io.env);
    reader = new TerminalReader(createInterface({
      input: io.stdin, output: io.stdout, terminal: true, history: loadHistory(history), historySize: HISTORY_LINES_MAX, removeHistoryDuplicates: true,
    }));
    await interactiveLoop(shell, reader, io);
    saveHistory(history, reader.history);
    return 0;
  } finally {
    reader?.close();
    await client.shutdown();
  }
}

/** Prompted line input over node:readline; after the end of input every read returns null. */
class TerminalReader {
  private readonly rl: Interface;
  private readonly lines: AsyncIterator<string>;
  private ended = false;

  constructor(rl: Interface) {
    this.rl = rl;
    this.lines = rl[Symbol.asyncIterator]();
    rl.once('close', () => {
      this.ended = true;
    });
  }

  /** Newest first, as node:readline keeps it. */
  get history(): string[] {
    return (this.rl as unknown as { history: string[] }).history;
  }

  onInterrupt(handler: () => void): void {
    this.rl.on('SIGINT', handler);
  }

  async read(prompt: string): Promise<string | null> {
    if (this.ended) return null;
    this.rl.setPrompt(prompt);
    this.rl.prompt();
    const next = await this.lines.next();
    if (next.done === true) {
      this.ended = true;
      return null;
    }
    return next.value;
  }

  reprompt(prompt: string): void {
    if (this.ended) return;
    this.rl.setPrompt(prompt);
    this.rl.prompt();
  }

  close(): void {
    this.rl.close();
  }
}

async function interactiveLoop(shell: CqlshShell, reader: TerminalReader, io: CqlshProcessIo): Promise<void> {
  const buffer = new StatementBuffer();
  const typed: string[] = [];
  reader.onInterrupt(() => {
    buffer.reset();
    typed.length = 0;
    io.stdout.write('\n');
    reader.reprompt(shell.prompt());
  });
  for (;;) {
    const line = await reader.read(buffer.pending ? shell.continuePrompt() : shell.prompt());
    if (line === null) {
      io.stdout.write('\n');
      const rest = buffer.flush();
      if (!rest.complete) io.stderr.write('Incomplete statement at end of file\n');
      else for (const s of rest.statements) await shell.run(s, { tty: true, source: null });
      return;
    }
    typed.push(line);
    const statements = buffer.add(line);
    if (statements === null) continue;
    if (typed.length > 1) {
      // A statement typed over several lines is recalled as one history entry, as in cqlsh.
      reader.history.unshift(typed.map((l) => l.trim()).join(' '));
    }
    typed.length = 0;
    for (const statement of statements) {
      await shell.run(statement, { tty: true, source: null });
      if (shell.stopRequested) return;
    }
  }
}
