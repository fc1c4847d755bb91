// A benchmark of the node's own code in its process (bench:storage) runs under the Node.js flags
// a node process starts with (node-image/cli/runtime-flags.ts), which only a command line can
// set: a run started without them runs itself again with them and exits as that run does.
import { spawnSync } from 'node:child_process';
import { nodeRuntimeFlags } from '../../node-image/cli/runtime-flags.ts';

const MARK = 'CASSIA_BENCH_NODE_FLAGS';

/** Returns when this process already has the node's flags; otherwise reruns the script with them and exits. */
export function runUnderNodeRuntimeFlags(): void {
  if (process.env[MARK] === '1') return;
  const script = process.argv[1];
  if (script === undefined) return;
  const result = spawnSync(process.execPath, [...nodeRuntimeFlags(), ...process.execArgv, script, ...process.argv.slice(2)], {
    stdio: 'inherit', env: { ...process.env, [MARK]: '1' },
  });
  process.exit(result.status ?? 1);
}
