// Wall time of each operator scenario including its cluster setup and teardown: specs append
// `{scenario, wallMs}` lines to <run folder>/scenario-times.jsonl, run.ts prints them.
import fs from 'node:fs';
import path from 'node:path';

export const scenarioTimesFile = 'scenario-times.jsonl';

export function recordScenarioTime(options: { runDir: string; scenario: string; wallMs: number }): void {
  console.log(`scenario ${options.scenario}: ${(options.wallMs / 1000).toFixed(1)}s including cluster setup and teardown`);
  if (options.runDir) fs.appendFileSync(path.join(options.runDir, scenarioTimesFile), JSON.stringify({ scenario: options.scenario, wallMs: options.wallMs }) + '\n');
}

/** Scenario -> wall time (the last line wins). */
export function readScenarioTimes(runDir: string): Map<string, number> {
  const out = new Map<string, number>();
  const file = path.join(runDir, scenarioTimesFile);
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const { scenario, wallMs } = JSON.parse(line) as { scenario: string; wallMs: number };
    out.set(scenario, wallMs);
  }
  return out;
}
