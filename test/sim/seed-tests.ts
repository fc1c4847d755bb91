// Test-side helpers: run a seed of a scenario, and declare one vitest test per seed whose failure
// message carries the seed, the replay command and the log tail.
import { expect, it } from 'vitest';
import { formatFailure, runScenario, scenarioNamed } from '../../node-image/src/sim/index.ts';
import type { SimResult } from '../../node-image/src/sim/index.ts';
import { installUnhandledRejectionTrap } from './rejection-trap.ts';

/** Runs one seed of a scenario; stray unhandled rejections during it fail the seed too. */
export async function runSeed(scenarioName: string, seed: number): Promise<{ result: SimResult; stray: string[] }> {
  const scenario = scenarioNamed(scenarioName);
  if (scenario === undefined) throw new Error(`unknown scenario ${scenarioName}`);
  const trap = installUnhandledRejectionTrap();
  try {
    const result = await runScenario(scenario, seed);
    // Rejections surface on the next turns of the real event loop.
    await new Promise((resolve) => setImmediate(resolve));
    return { result, stray: trap.take() };
  } finally {
    trap.uninstall();
  }
}

/** Declares one test per seed; a failure prints the seed, the replay command and the log tail. */
export function seedTests(scenarioName: string, seeds: { first: number; count: number }): void {
  for (let seed = seeds.first; seed < seeds.first + seeds.count; seed++) {
    it(`${scenarioName} seed ${seed}`, async () => {
      const { result, stray } = await runSeed(scenarioName, seed);
      const problems = [...(result.ok ? [] : [formatFailure(result)]), ...stray.map((s) => `unhandled rejection: ${s}\nreplay: npm run sim -- --scenario ${scenarioName} --seed ${seed}`)];
      expect(problems.join('\n\n'), `seed ${seed}`).toBe('');
    });
  }
}
