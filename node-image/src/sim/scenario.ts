// A scenario is a seeded program over a simulated cluster: it starts nodes, runs a workload with a
// nemesis injecting faults, then checks properties. `runScenario` runs one (scenario, seed) pair
// to a SimResult: pass or fail with reasons, the trace hash that a replay must reproduce, run
// statistics, and the log ring to print on failure.
import { realClock } from '../io/real/index.ts';
import { LogRing } from './ring-logger.ts';
import { SimScheduler, SimStuckError } from './scheduler.ts';
import type { RunStats } from './scheduler.ts';
import { SimRandom } from './sim-random.ts';

/** Bound on virtual time per run (one simulated day). */
export const SCENARIO_VIRTUAL_MS_MAX = 86_400_000;

export interface ScenarioContext {
  readonly seed: number;
  readonly scheduler: SimScheduler;
  readonly random: SimRandom;
  /** The run's log ring: scenario notes and every node's log lines. */
  readonly log: LogRing;
  /** A property failed: recorded, and the run goes on to collect the other checks. */
  fail(message: string): void;
  /** Numbers worth printing (operations, crashes, partitions...). */
  readonly summary: Record<string, number | string>;
  /** Keep nodes' debug log lines too (replay --debug); does not change the run. */
  readonly debugLogs: boolean;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(context: ScenarioContext): Promise<void>;
}

export interface SimResult {
  readonly scenario: string;
  readonly seed: number;
  readonly ok: boolean;
  readonly failures: readonly string[];
  readonly traceHash: string;
  readonly stats: RunStats;
  readonly summary: Readonly<Record<string, number | string>>;
  readonly realMs: number;
  /** The kept log lines (formatted on demand). */
  log(): string;
}

/** The command that replays a seed. */
export function replayCommand(scenario: string, seed: number): string {
  return `npm run sim -- --scenario ${scenario} --seed ${seed}`;
}

export async function runScenario(scenario: Scenario, seed: number, options: { debugLogs?: boolean } = {}): Promise<SimResult> {
  // Real time only measures the run; nothing in the simulation sees it.
  const startedRealMs = realClock.monotonicMs();
  const scheduler = new SimScheduler();
  const failures: string[] = [];
  const summary: Record<string, number | string> = {};
  const context: ScenarioContext = {
    seed,
    scheduler,
    random: new SimRandom(seed),
    log: new LogRing({ now: () => scheduler.nowMs }),
    fail: (message) => {
      failures.push(message);
      context.log.note(`CHECK FAILED: ${message.split('\n')[0]}`);
      scheduler.trace.addString(`fail ${message}`);
    },
    summary,
    debugLogs: options.debugLogs ?? false,
  };
  try {
    await scheduler.runMain(() => scenario.run(context), { virtualMsMax: SCENARIO_VIRTUAL_MS_MAX });
  } catch (error) {
    const what = error instanceof SimStuckError ? error.message : `scenario threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    failures.push(what);
    context.log.note(what);
  }
  for (const u of scheduler.uncaught) {
    const error = u.error;
    failures.push(`uncaught exception in ${u.owner} at ${u.atMs.toFixed(3)} ms: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  const log = context.log;
  return {
    scenario: scenario.name,
    seed,
    ok: failures.length === 0,
    failures,
    traceHash: scheduler.trace.hex(),
    stats: scheduler.stats(),
    summary,
    realMs: realClock.monotonicMs() - startedRealMs,
    log: () => log.dump(),
  };
}

/** A failed result as text: seed, replay command, failures, and the last log lines. */
export function formatFailure(result: SimResult, options: { logLines?: number } = {}): string {
  const lines = result.log().split('\n');
  const tail = lines.slice(-(options.logLines ?? 200)).join('\n');
  return [
    `simulation ${result.scenario} failed with seed ${result.seed} (trace ${result.traceHash})`,
    `replay: ${replayCommand(result.scenario, result.seed)}`,
    ...result.failures.map((f) => `- ${f}`),
    `--- last log lines (virtual ms, source, level, message) ---`,
    tail,
  ].join('\n');
}
