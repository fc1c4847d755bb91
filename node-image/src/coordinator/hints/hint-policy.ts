// Whether a write for a replica that is down (or did not answer) becomes a hint: Cassandra's
// StorageProxy.shouldHint (cassandra-internals.md 4.3), as a pure function of what the caller knows.

export interface HintDecisionInput {
  readonly enabled: boolean;
  readonly disabledDatacenters: ReadonlySet<string>;
  readonly targetDatacenter: string | undefined;
  readonly isSelf: boolean;
  /** Still a ring member (normal, leaving or pending). */
  readonly isRingMember: boolean;
  /** Host id known (hints are keyed by it). */
  readonly hasHostId: boolean;
  /** How long the target has been down as this node sees it (0 when up). */
  readonly downtimeMs: number;
  readonly maxHintWindowMs: number;
  /** Age of the oldest undelivered hint for the target (hint_window_persistent_enabled), or null. */
  readonly oldestHintAgeMs: number | null;
  readonly hostHintBytes: number;
  readonly hostHintBytesMax: number;
  /** min(gc_grace_seconds) of the mutation's tables: 0 means the hint would expire at once. */
  readonly gcGraceSeconds: number;
}

export type HintDecision =
  | { readonly hint: true }
  | { readonly hint: false; readonly reason: 'disabled' | 'datacenter_disabled' | 'self' | 'not_member' | 'no_host_id' | 'window' | 'host_bytes' | 'gc_grace' };

export function decideHint(input: HintDecisionInput): HintDecision {
  if (!input.enabled) return { hint: false, reason: 'disabled' };
  if (input.isSelf) return { hint: false, reason: 'self' };
  if (input.targetDatacenter !== undefined && input.disabledDatacenters.has(input.targetDatacenter)) return { hint: false, reason: 'datacenter_disabled' };
  if (!input.isRingMember) return { hint: false, reason: 'not_member' };
  if (!input.hasHostId) return { hint: false, reason: 'no_host_id' };
  if (input.downtimeMs > input.maxHintWindowMs) return { hint: false, reason: 'window' };
  if (input.oldestHintAgeMs !== null && input.oldestHintAgeMs > input.maxHintWindowMs) return { hint: false, reason: 'window' };
  if (input.hostHintBytes >= input.hostHintBytesMax) return { hint: false, reason: 'host_bytes' };
  if (input.gcGraceSeconds <= 0) return { hint: false, reason: 'gc_grace' };
  return { hint: true };
}
