// `npm run sim -- --seed N [--scenario NAME] [--runs K] [--log] [--debug]`: runs one seed (or K seeds from N)
// of a scenario and prints the result with its trace hash; a failing seed prints its failures and
// the last log lines. The same seed always prints the same trace hash. `--list` names the scenarios.
import { SCENARIOS, formatFailure, runScenario, scenarioNamed } from '../../node-image/src/sim/index.ts';
import { installUnhandledRejectionTrap } from './rejection-trap.ts';

interface Args {
  seed: number;
  scenario: string;
  runs: number;
  log: boolean;
  debug: boolean;
  list: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seed: 1, scenario: SCENARIOS[0]!.name, runs: 1, log: false, debug: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--seed') args.seed = Number.parseInt(value(), 10);
    else if (a === '--scenario') args.scenario = value();
    else if (a === '--runs') args.runs = Number.parseInt(value(), 10);
    else if (a === '--log') args.log = true;
    else if (a === '--debug') args.debug = true;
    else if (a === '--list') args.list = true;
    else throw new Error(`unknown argument ${a} (expected --seed N, --scenario NAME, --runs K, --log, --debug, --list)`);
  }
  if (!Number.isSafeInteger(args.seed) || args.seed < 0) throw new Error('--seed must be a non-negative integer');
  if (!Number.isSafeInteger(args.runs) || args.runs < 1) throw new Error('--runs must be a positive integer');
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.list) {
    for (const s of SCENARIOS) process.stdout.write(`${s.name.padEnd(28)} ${s.description}\n`);
    return 0;
  }
  const scenario = scenarioNamed(args.scenario);
  if (scenario === undefined) {
    process.stderr.write(`unknown scenario ${args.scenario}; known: ${SCENARIOS.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const trap = installUnhandledRejectionTrap();
  let failed = 0;
  try {
    for (let seed = args.seed; seed < args.seed + args.runs; seed++) {
      const result = await runScenario(scenario, seed, { debugLogs: args.debug });
      const stray = trap.take();
      const ok = result.ok && stray.length === 0;
      const line = {
        scenario: result.scenario, seed, ok, trace: result.traceHash, virtualMs: Math.round(result.stats.virtualMs),
        events: result.stats.eventsRun, realMs: Math.round(result.realMs), ...result.summary,
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
      if (!ok) {
        failed++;
        process.stdout.write(`${formatFailure(result)}\n`);
        for (const s of stray) process.stdout.write(`- unhandled rejection: ${s}\n`);
      } else if (args.log) {
        process.stdout.write(`${result.log()}\n`);
      }
    }
  } finally {
    trap.uninstall();
  }
  return failed === 0 ? 0 : 1;
}

// exitCode rather than exit(): output to a pipe is flushed before the process ends.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sim: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 2;
  },
);
