// What nodetool needs from its process, injected so commands run in tests without one: output
// streams, environment, the token file, fetch, sleep, and whether a progress bar can be drawn.
import { readFileSync } from 'node:fs';
import type { FetchLike } from '../../src/management/client/index.ts';

export interface NodetoolIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  write(text: string): void;
  writeError(text: string): void;
  readFile(path: string): string;
  /** Defaults to the global fetch. */
  readonly fetch?: FetchLike;
  sleep(ms: number): Promise<void>;
  /** True when stderr is a terminal: long operations draw a progress bar there. */
  readonly interactive: boolean;
  /** Where the progress bar is drawn. */
  readonly progressStream: NodeJS.WritableStream;
  setExitCode(code: number): void;
}

export function processIo(): NodetoolIo {
  return {
    env: process.env,
    write: (text) => void process.stdout.write(text),
    writeError: (text) => void process.stderr.write(text),
    readFile: (path) => readFileSync(path, 'utf8'),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    interactive: process.stderr.isTTY === true,
    progressStream: process.stderr,
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}
