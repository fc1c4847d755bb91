// Which operator scenarios of issue 7 (specs/operator-<name>.spec.ts) run. Each one is enabled
// only after it passed for real on the local provider; a disabled one is skipped LOUDLY with its
// reason. CASSIA_E2E_WITH_OPERATOR=1 runs every scenario, disabled ones included.
export type ScenarioGate = { readonly enabled: true } | { readonly enabled: false; readonly reason: string };

export const operatorScenarioNames = [
  'create-cluster',
  'scale',
  'pod-delete',
  'rolling-restart',
  'scale-down-below-rf',
  'stop-resume-delete',
  'failover',
  'multi-dc',
] as const;

export type OperatorScenario = (typeof operatorScenarioNames)[number];

/** Every scenario passed for real on the local provider (figures in docs/design/e2e.md). */
export const operatorScenarios: Readonly<Record<OperatorScenario, ScenarioGate>> = {
  'create-cluster': { enabled: true },
  scale: { enabled: true },
  'pod-delete': { enabled: true },
  'rolling-restart': { enabled: true },
  'scale-down-below-rf': { enabled: true },
  'stop-resume-delete': { enabled: true },
  failover: { enabled: true },
  'multi-dc': { enabled: true },
};

/** True when at least one operator scenario is enabled (the operator is then installed). */
export const operatorScenariosEnabled = Object.values(operatorScenarios).some((g) => g.enabled);

export function operatorScenariosForced(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['CASSIA_E2E_WITH_OPERATOR'] === '1';
}

/** The scenario a spec file runs (`.../operator-<name>.spec.ts`), if it is a gated operator scenario. */
export function scenarioOfSpecFile(file: string): OperatorScenario | undefined {
  const m = /(?:^|\/)operator-([a-z0-9-]+)\.spec\.ts$/.exec(file);
  return m && Object.hasOwn(operatorScenarios, m[1]!) ? (m[1] as OperatorScenario) : undefined;
}

/** Whether a scenario runs: enabled in the table, or forced by CASSIA_E2E_WITH_OPERATOR=1. */
export function scenarioGate(name: OperatorScenario, env: NodeJS.ProcessEnv = process.env): { run: true } | { run: false; reason: string } {
  const gate = operatorScenarios[name];
  if (gate.enabled || operatorScenariosForced(env)) return { run: true };
  return { run: false, reason: gate.reason };
}

/** Whether run.ts must install the operator for these spec files. */
export function operatorScenariosRequested(specFiles: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return specFiles.some((f) => {
    const s = scenarioOfSpecFile(f);
    return s !== undefined && scenarioGate(s, env).run;
  });
}
