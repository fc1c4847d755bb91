// Deterministic simulation: the real node code (startNode) for N nodes in one process over a
// seeded scheduler with simulated clock, timers, network and disks; workloads, nemeses, checkers.
// Imported only by tests, benchmarks and the replay CLI.
export { SimScheduler, SimStuckError, SIM_EPOCH_MS } from './scheduler.ts';
export type { RunStats } from './scheduler.ts';
export { SimProcess } from './sim-process.ts';
export { SimRandom } from './sim-random.ts';
export { TraceHash } from './trace-hash.ts';
export { LogRing } from './ring-logger.ts';
export { SimNetwork, QUIET_NETWORK, FAULTY_NETWORK } from './sim-network.ts';
export type { NetworkProfile } from './sim-network.ts';
export { SimCluster, SimNode, NodeDiedError, raceDeath, DEFAULT_DISK } from './sim-cluster.ts';
export type { CrashKind, DiskProfile, SimClusterOptions } from './sim-cluster.ts';
export { SimClient, intValue, readInt, rowsOf } from './sim-client.ts';
export type { ClientOutcome, ClientRequest } from './sim-client.ts';
export { History, describeOperation } from './history.ts';
export type { RegisterOperation } from './history.ts';
export { checkLinearizable, registerModel } from './linearizability.ts';
export type { LinearizabilityResult, Model, Operation, RegisterInput, RegisterOutput, RegisterValue } from './linearizability.ts';
export { checkRegisterLinearizable } from './checkers.ts';
export { RegisterWorkload, createRegisterSchema, REGISTER_KEYSPACE, REGISTER_TABLE } from './register-workload.ts';
export { runScenario, formatFailure, replayCommand } from './scenario.ts';
export type { Scenario, ScenarioContext, SimResult } from './scenario.ts';
export { SCENARIOS, scenarioNamed } from './scenarios/index.ts';
