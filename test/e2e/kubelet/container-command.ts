// Maps a container (image, command, args) to a local process, and rewrites mount paths in args
// and env values to the per-container folder that stands in for the container's filesystem.
import path from 'node:path';

/** Where our Dockerfiles put the repository inside the images (WORKDIR). */
export const imageAppRoot = '/app';

export type LocalRuntime = { repoDir: string; nodeBin: string; isExecutable: (file: string) => boolean };

export type ResolvedCommand =
  | { ok: true; file: string; args: string[]; kind: 'cassia-node' | 'cassia-operator' | 'local' }
  | { ok: false; reason: 'ErrImagePull'; message: string };

/** The node image's CMD (its ENTRYPOINT is only `tini --`, so container args replace all of it). */
export const nodeImageDefaultCmd = ['node', '--heap-growing-percent=300', '/app/node-image/cli/cassia.ts', 'node', '--config', '/etc/cassia/cassia.yaml'] as const;

/**
 * - image containing `cassia-node`: ENTRYPOINT `tini --`, CMD {@link nodeImageDefaultCmd}; as
 *   on a real runtime, `args` without `command` replace the CMD, so they are the whole command
 *   line (`node /app/node-image/cli/cassia.ts node ...`, as the operator renders it);
 * - image containing `cassia-operator`: ENTRYPOINT `node <repo>/operator/main.ts`, args appended;
 *   for both, a command `node ...`/`cassia ...`/`cassia-operator ...` maps onto the repo and
 *   paths under /app/ become repo paths;
 * - anything else runs only if command[0] is an absolute executable on this host.
 */
export function resolveCommand(options: { image: string; command: readonly string[] | undefined; args: readonly string[] | undefined; runtime: LocalRuntime }): ResolvedCommand {
  const { image, runtime } = options;
  const kind = image.includes('cassia-node') ? 'cassia-node' : image.includes('cassia-operator') ? 'cassia-operator' : 'local';
  let command = options.command ?? [];
  let args = options.args ?? [];
  if (kind === 'cassia-node' && command.length === 0) {
    command = args.length > 0 ? args : nodeImageDefaultCmd;
    args = [];
  }
  if (kind !== 'local') {
    const entry = path.join(runtime.repoDir, kind === 'cassia-node' ? 'node-image/cli/cassia.ts' : 'operator/main.ts');
    const toRepo = (a: string): string => (a === imageAppRoot || a.startsWith(`${imageAppRoot}/`) ? path.join(runtime.repoDir, a.slice(imageAppRoot.length)) : a);
    if (command.length === 0) return { ok: true, kind, file: runtime.nodeBin, args: [entry, ...args.map(toRepo)] };
    const first = path.basename(command[0]!);
    if (first === 'node') return { ok: true, kind, file: runtime.nodeBin, args: [...command.slice(1), ...args].map(toRepo) };
    if (first === 'cassia' || first === 'cassia-operator' || first === 'cassia.ts' || first === 'main.ts') {
      return { ok: true, kind, file: runtime.nodeBin, args: [entry, ...[...command.slice(1), ...args].map(toRepo)] };
    }
    if (path.isAbsolute(command[0]!) && runtime.isExecutable(command[0]!)) return { ok: true, kind, file: command[0]!, args: [...command.slice(1), ...args] };
    return { ok: false, reason: 'ErrImagePull', message: `cannot map command ${JSON.stringify(command)} of image ${image} to a local process` };
  }
  const file = command[0];
  if (file === undefined || !path.isAbsolute(file) || !runtime.isExecutable(file)) {
    return {
      ok: false,
      reason: 'ErrImagePull',
      message: `the local provider cannot run image "${image}": give an absolute local executable as command (got ${JSON.stringify(command)})`,
    };
  }
  return { ok: true, kind, file, args: [...command.slice(1), ...args] };
}

/**
 * Rewrites a value that is, or starts with, a mount path (also `--flag=<path>`) to the same
 * path under `prefix`. Longest mount path wins; other values are returned unchanged, and so are
 * paths under `hostRoots`: host paths that resolveCommand already mapped from the image (the
 * repository), which a mount path such as /tmp must not capture when the checkout lives there.
 */
export function rewriteMountPath(value: string, mountPaths: readonly string[], prefix: string, hostRoots: readonly string[] = []): string {
  const eq = /^(-{1,2}[A-Za-z0-9_.-]+=)(\/.*)$/.exec(value);
  if (eq) return eq[1]! + rewriteMountPath(eq[2]!, mountPaths, prefix, hostRoots);
  for (const root of hostRoots) if (value === root || value.startsWith(`${root}/`)) return value;
  let best: string | undefined;
  for (const mp of mountPaths) {
    const m = mp.replace(/\/+$/, '') || '/';
    if (m === '/') continue;
    if ((value === m || value.startsWith(`${m}/`)) && (best === undefined || m.length > best.length)) best = m;
  }
  return best === undefined ? value : prefix + value;
}
