// Status vocabulary of a CassandraCluster: condition types and reasons as constants (one file, as
// STYLE.md asks), the condition setter that keeps lastTransitionTime stable, and the printer
// summaries. Events use the same reasons.
import type { Condition, OperationType } from '../../api/index.ts';

export const ConditionType = {
  Ready: 'Ready',
  Progressing: 'Progressing',
  Degraded: 'Degraded',
  ScalingUp: 'ScalingUp',
  ScalingDown: 'ScalingDown',
  Updating: 'Updating',
  Repairing: 'Repairing',
  ReplacingNode: 'ReplacingNode',
  Stopped: 'Stopped',
  AddingDatacenter: 'AddingDatacenter',
  RemovingDatacenter: 'RemovingDatacenter',
  /** A requested change is refused for safety; reason and message say why. */
  Blocked: 'Blocked',
  /** The spec is usable (no reserved config keys, no storage shrink, nodes accept the configuration). */
  Valid: 'Valid',
} as const;
export type ConditionTypeValue = (typeof ConditionType)[keyof typeof ConditionType];

export const Reason = {
  AllNodesReady: 'AllNodesReady',
  NodesNotReady: 'NodesNotReady',
  NodeLost: 'NodeLost',
  NodeNotStarting: 'NodeNotStarting',
  Idle: 'Idle',
  Creating: 'Creating',
  Bootstrapping: 'Bootstrapping',
  BootstrapCancelled: 'BootstrapCancelled',
  NodeJoined: 'NodeJoined',
  Decommissioning: 'Decommissioning',
  DecommissionFailed: 'DecommissionFailed',
  NodeLeft: 'NodeLeft',
  RollingRestart: 'RollingRestart',
  PodRestarted: 'PodRestarted',
  Stopping: 'Stopping',
  StoppedByUser: 'StoppedByUser',
  Resuming: 'Resuming',
  Running: 'Running',
  Replacing: 'Replacing',
  NodeReplaced: 'NodeReplaced',
  AddingDatacenter: 'AddingDatacenter',
  DatacenterAdded: 'DatacenterAdded',
  RebuildFailed: 'RebuildFailed',
  RemovingDatacenter: 'RemovingDatacenter',
  DatacenterRemoved: 'DatacenterRemoved',
  CleanupStarted: 'CleanupStarted',
  CleanupFailed: 'CleanupFailed',
  CleanupDone: 'CleanupDone',
  RepairStarted: 'RepairStarted',
  RepairFinished: 'RepairFinished',
  RepairFailed: 'RepairFailed',
  OperationFailed: 'OperationFailed',
  WaitingForHealthyCluster: 'WaitingForHealthyCluster',
  ScaleDownBelowReplicationFactor: 'ScaleDownBelowReplicationFactor',
  NotEnoughDiskToScaleDown: 'NotEnoughDiskToScaleDown',
  KeyspacesUnknown: 'KeyspacesUnknown',
  DatacenterStillReplicated: 'DatacenterStillReplicated',
  RetryingLater: 'RetryingLater',
  ReplacementImpossible: 'ReplacementImpossible',
  ReservedConfigKeys: 'ReservedConfigKeys',
  StorageShrinkRefused: 'StorageShrinkRefused',
  /** repair.schedule passes the CRD pattern but cannot run (a backwards range, a date that never comes). */
  InvalidRepairSchedule: 'InvalidRepairSchedule',
  /** A node exited refusing the configuration rendered from the spec (a feature its version lacks). */
  NodeRefusedConfiguration: 'NodeRefusedConfiguration',
  /** A best-effort system keyspace's replication cannot be changed by the node; the DC change goes on without it. */
  ReplicationUnchangeable: 'ReplicationUnchangeable',
  SpecValid: 'SpecValid',
  NotBlocked: 'NotBlocked',
  Paused: 'Paused',
  SeedsChanged: 'SeedsChanged',
} as const;
export type ReasonValue = (typeof Reason)[keyof typeof Reason];

/** The condition that is True while an operation of this type runs. */
export const OPERATION_CONDITION: Readonly<Record<OperationType, ConditionTypeValue>> = {
  Create: ConditionType.ScalingUp,
  ScaleUp: ConditionType.ScalingUp,
  ScaleDown: ConditionType.ScalingDown,
  RollingRestart: ConditionType.Updating,
  Stop: ConditionType.Stopped,
  Resume: ConditionType.Stopped,
  ReplaceNode: ConditionType.ReplacingNode,
  AddDatacenter: ConditionType.AddingDatacenter,
  RemoveDatacenter: ConditionType.RemovingDatacenter,
  Cleanup: ConditionType.ScalingUp,
};

/**
 * Sets a condition in place; lastTransitionTime changes only when the status flips, so a pass
 * that changes nothing writes nothing.
 */
export function setCondition(conditions: Condition[], next: { type: string; status: 'True' | 'False' | 'Unknown'; reason: string; message: string }, context: { nowIso: string; generation: number | undefined }): void {
  const message = next.message.length > 1024 ? `${next.message.slice(0, 1021)}...` : next.message;
  const i = conditions.findIndex((c) => c.type === next.type);
  const existing = i >= 0 ? conditions[i] : undefined;
  const condition: Condition = {
    type: next.type,
    status: next.status,
    reason: next.reason,
    message,
    lastTransitionTime: existing !== undefined && existing.status === next.status ? existing.lastTransitionTime : context.nowIso,
  };
  if (context.generation !== undefined) condition.observedGeneration = context.generation;
  if (i >= 0) conditions[i] = condition;
  else conditions.push(condition);
}

export function getCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Condition order in status (stable output). */
export const CONDITION_ORDER: readonly string[] = Object.values(ConditionType);

export function sortConditions(conditions: Condition[]): Condition[] {
  return conditions.sort((a, b) => CONDITION_ORDER.indexOf(a.type) - CONDITION_ORDER.indexOf(b.type));
}
