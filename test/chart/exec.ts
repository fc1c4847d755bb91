// Runs a short-lived command (helm, kubectl, kubeconform, go) and returns its exit code and
// output instead of throwing, since "exit 1" is an answer for kubectl diff and negative lint
// cases. Output and time are bounded; a timeout kills the command and is reported as code 124.
import { spawn } from 'node:child_process';

export const EXEC_OUTPUT_BYTES_MAX = 64 * 1024 * 1024;
export const EXEC_TIMEOUT_MS_DEFAULT = 300_000;
export const EXIT_TIMEOUT = 124;

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function exec(
  file: string,
  args: readonly string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let timedOut = false;
    const collect = (into: Buffer[]) => (chunk: Buffer): void => {
      bytes += chunk.length;
      if (bytes > EXEC_OUTPUT_BYTES_MAX) {
        child.kill('SIGKILL');
        return;
      }
      into.push(chunk);
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? EXEC_TIMEOUT_MS_DEFAULT);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${file}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (bytes > EXEC_OUTPUT_BYTES_MAX) {
        reject(new Error(`${file} ${args.join(' ')}: more than ${EXEC_OUTPUT_BYTES_MAX} bytes of output`));
        return;
      }
      resolve({
        code: timedOut ? EXIT_TIMEOUT : (code ?? (signal ? 128 : 1)),
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: timedOut ? `${stderr}\n(timed out after ${options.timeoutMs ?? EXEC_TIMEOUT_MS_DEFAULT} ms)` : stderr,
      });
    });
    child.stdin.on('error', () => {
      // the command may exit before reading its input; its exit code tells the story
    });
    child.stdin.end(options.input ?? '');
  });
}

/** exec that throws with the command's output unless it exits 0. */
export async function execOk(file: string, args: readonly string[], options: Parameters<typeof exec>[2] = {}): Promise<ExecResult> {
  const r = await exec(file, args, options);
  if (r.code !== 0) throw new Error(`${[file, ...args].join(' ')} exited ${r.code}\n${r.stderr.trim()}\n${r.stdout.trim()}`.trim());
  return r;
}
