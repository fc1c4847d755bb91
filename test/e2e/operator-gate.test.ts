import { describe, expect, it } from 'vitest';
import { operatorScenarioNames, operatorScenarios, operatorScenariosRequested, scenarioGate, scenarioOfSpecFile } from './operator-gate.ts';

describe('operator scenario gate', () => {
  it('maps spec files to scenarios (fixtures-valid and harness specs are not gated)', () => {
    expect(scenarioOfSpecFile('/r/test/e2e/specs/operator-scale.spec.ts')).toBe('scale');
    expect(scenarioOfSpecFile('/r/test/e2e/specs/operator-scale-down-below-rf.spec.ts')).toBe('scale-down-below-rf');
    expect(scenarioOfSpecFile('/r/test/e2e/specs/operator-fixtures-valid.spec.ts')).toBeUndefined();
    expect(scenarioOfSpecFile('/r/test/e2e/specs/harness-statefulset.spec.ts')).toBeUndefined();
  });

  it('a disabled scenario gives its reason unless CASSIA_E2E_WITH_OPERATOR=1', () => {
    for (const name of operatorScenarioNames) {
      const g = scenarioGate(name, {});
      expect(g.run).toBe(operatorScenarios[name].enabled);
      if (!g.run) expect(g.reason.length).toBeGreaterThan(0);
      expect(scenarioGate(name, { CASSIA_E2E_WITH_OPERATOR: '1' }).run).toBe(true);
    }
  });

  it('the operator is installed only for a selection holding a scenario that runs', () => {
    expect(operatorScenariosRequested(['/s/harness-statefulset.spec.ts', '/s/operator-fixtures-valid.spec.ts'], { CASSIA_E2E_WITH_OPERATOR: '1' })).toBe(false);
    expect(operatorScenariosRequested(['/s/operator-multi-dc.spec.ts'], { CASSIA_E2E_WITH_OPERATOR: '1' })).toBe(true);
    expect(operatorScenariosRequested(['/s/operator-create-cluster.spec.ts'], {})).toBe(operatorScenarios['create-cluster'].enabled);
  });
});
