// What gossip knows about one endpoint (Cassandra EndpointState): a heartbeat (generation = the
// process start in seconds, version = a per-process counter) and application states with versions.
// Immutable plain data; the max version of a state is max(heartbeat version, all state versions).
import { APPLICATION_STATES, AppState, type ApplicationState } from './application-state.ts';
import { DEAD_STATES, GossipStatus, SILENT_SHUTDOWN_STATES, type VersionedValue, statusName } from './versioned-value.ts';

export interface HeartBeatState {
  readonly generation: number;
  readonly version: number;
}

/** Version of a heartbeat that has never beaten (HeartBeatState.EMPTY_VERSION). */
export const EMPTY_VERSION = -1;
/** Integer.MAX_VALUE: versions are Java ints on Cassandra's wire. */
export const VERSION_MAX = 2_147_483_647;

export type ApplicationStates = Readonly<Partial<Record<ApplicationState, VersionedValue>>>;

export interface EndpointState {
  readonly heartBeat: HeartBeatState;
  readonly states: ApplicationStates;
}

/** The state of an endpoint known only from persisted peers (HeartBeatState.empty()). */
export const EMPTY_HEARTBEAT: HeartBeatState = { generation: 0, version: EMPTY_VERSION };

/** Application states present, in ordinal order. */
export function stateEntries(state: EndpointState): Array<[ApplicationState, VersionedValue]> {
  const out: Array<[ApplicationState, VersionedValue]> = [];
  for (const key of APPLICATION_STATES) {
    const v = state.states[key];
    if (v !== undefined) out.push([key, v]);
  }
  return out;
}

export function maxVersion(state: EndpointState): number {
  let max = state.heartBeat.version;
  for (const key in state.states) {
    const v = state.states[key as ApplicationState]!;
    if (v.version > max) max = v.version;
  }
  return max;
}

/** STATUS_WITH_PORT's status name, else STATUS's, else '' (Gossiper.getGossipStatus). */
export function gossipStatus(state: EndpointState | undefined): string {
  if (state === undefined) return '';
  const v = state.states[AppState.StatusWithPort] ?? state.states[AppState.Status];
  return v === undefined ? '' : statusName(v.value);
}

/** The full STATUS value (with port variant preferred), or undefined. */
export function statusValue(state: EndpointState): string | undefined {
  return (state.states[AppState.StatusWithPort] ?? state.states[AppState.Status])?.value;
}

export function isDeadState(state: EndpointState): boolean {
  return DEAD_STATES.has(gossipStatus(state));
}

export function isSilentShutdownState(state: EndpointState): boolean {
  return SILENT_SHUTDOWN_STATES.has(gossipStatus(state));
}

export function isShutdownState(state: EndpointState): boolean {
  return gossipStatus(state) === GossipStatus.Shutdown;
}

/** An endpoint with no application state at all (nothing worth gossiping about it). */
export function isEmptyState(state: EndpointState): boolean {
  for (const _ in state.states) return false;
  return true;
}

export function withStates(state: EndpointState, updates: ReadonlyArray<readonly [ApplicationState, VersionedValue]>): EndpointState {
  const states: Partial<Record<ApplicationState, VersionedValue>> = { ...state.states };
  for (const [key, value] of updates) states[key] = value;
  return { heartBeat: state.heartBeat, states };
}

/**
 * The part of a state newer than `version` (Gossiper.getStateForVersionBiggerThan): the heartbeat
 * whenever anything is included, and every application state with a greater version; null when
 * nothing is newer.
 */
export function stateNewerThan(state: EndpointState, version: number): EndpointState | null {
  const states: Partial<Record<ApplicationState, VersionedValue>> = {};
  let any = state.heartBeat.version > version;
  for (const key in state.states) {
    const v = state.states[key as ApplicationState]!;
    if (v.version > version) {
      states[key as ApplicationState] = v;
      any = true;
    }
  }
  return any ? { heartBeat: state.heartBeat, states } : null;
}
