// Every scenario the simulator knows, by name (the replay CLI and test/sim look them up here).
import type { Scenario } from '../scenario.ts';
import { clusterQuorum, clusterQuorumPeriodicLoss } from './cluster-quorum.ts';
import { membershipFaults } from './membership-faults.ts';
import { singleNodeCrash, singleNodePeriodicLoss } from './single-node-crash.ts';

export const SCENARIOS: readonly Scenario[] = [singleNodeCrash, singleNodePeriodicLoss, membershipFaults, clusterQuorum, clusterQuorumPeriodicLoss];

export function scenarioNamed(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
