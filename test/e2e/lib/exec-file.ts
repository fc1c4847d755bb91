// Promise wrapper over execFile for short-lived helper commands (openssl, kubectl, docker):
// captures output, bounds its size and time, and throws with stderr on a non-zero exit.
import { execFile } from 'node:child_process';

export const execOutputMaxBytes = 32 * 1024 * 1024;
export const execDefaultTimeoutMs = 120_000;

export type ExecResult = { stdout: string; stderr: string };

export async function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? execDefaultTimeoutMs,
        maxBuffer: execOutputMaxBytes,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        if (err) {
          const msg = `${file} ${args.join(' ')} failed: ${err.message}\n${stderr}`.trim();
          reject(new Error(msg));
          return;
        }
        resolve({ stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}
