// Gossip application states. The enum ordinal goes on Cassandra's wire, so the order below is
// Cassandra's ApplicationState order exactly (spec 3.4) and must never change; new states use the
// X1..X10 padding slots.
export const APPLICATION_STATES = [
  'STATUS', 'LOAD', 'SCHEMA', 'DC', 'RACK', 'RELEASE_VERSION', 'REMOVAL_COORDINATOR', 'INTERNAL_IP', 'RPC_ADDRESS',
  'X_11_PADDING', 'SEVERITY', 'NET_VERSION', 'HOST_ID', 'TOKENS', 'RPC_READY', 'INTERNAL_ADDRESS_AND_PORT',
  'NATIVE_ADDRESS_AND_PORT', 'STATUS_WITH_PORT', 'SSTABLE_VERSIONS', 'DISK_USAGE', 'INDEX_STATUS',
  'X1', 'X2', 'X3', 'X4', 'X5', 'X6', 'X7', 'X8', 'X9', 'X10',
] as const;

export type ApplicationState = (typeof APPLICATION_STATES)[number];

/** Named constants for readable call sites: AppState.Status === 'STATUS'. */
export const AppState = {
  Status: 'STATUS',
  Load: 'LOAD',
  Schema: 'SCHEMA',
  Dc: 'DC',
  Rack: 'RACK',
  ReleaseVersion: 'RELEASE_VERSION',
  RemovalCoordinator: 'REMOVAL_COORDINATOR',
  InternalIp: 'INTERNAL_IP',
  RpcAddress: 'RPC_ADDRESS',
  Severity: 'SEVERITY',
  NetVersion: 'NET_VERSION',
  HostId: 'HOST_ID',
  Tokens: 'TOKENS',
  RpcReady: 'RPC_READY',
  InternalAddressAndPort: 'INTERNAL_ADDRESS_AND_PORT',
  NativeAddressAndPort: 'NATIVE_ADDRESS_AND_PORT',
  StatusWithPort: 'STATUS_WITH_PORT',
  SstableVersions: 'SSTABLE_VERSIONS',
  DiskUsage: 'DISK_USAGE',
  IndexStatus: 'INDEX_STATUS',
} as const satisfies Record<string, ApplicationState>;

const ORDINALS: ReadonlyMap<string, number> = new Map(APPLICATION_STATES.map((s, i) => [s, i]));

export function applicationStateOrdinal(state: ApplicationState): number {
  return ORDINALS.get(state)!;
}

/** The state with this ordinal, or undefined for an ordinal Cassandra does not define. */
export function applicationStateOfOrdinal(ordinal: number): ApplicationState | undefined {
  return APPLICATION_STATES[ordinal];
}

export function isApplicationState(name: string): name is ApplicationState {
  return ORDINALS.has(name);
}
