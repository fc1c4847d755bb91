// What one endpoint's gossip state says about it, in the Membership contract's vocabulary: status
// (STATUS_WITH_PORT, else STATUS), host id, dc/rack, native (CQL) address and port, schema and
// release versions, tokens and load. Pure; malformed values read as unknown rather than throwing
// (a peer may gossip anything).
import { AppState, GossipStatus, decodeTokens, gossipStatus, hostId as toHostId } from '../../cluster/index.ts';
import type { EndpointAddress, EndpointState, HostId } from '../../cluster/index.ts';
import { parsePeerAddress } from '../../messaging/index.ts';
import type { EndpointStatus, MemberView } from '../membership.ts';

const STATUS_NAMES: Readonly<Record<string, EndpointStatus>> = {
  [GossipStatus.Boot]: 'JOINING',
  [GossipStatus.BootReplace]: 'REPLACING',
  [GossipStatus.Normal]: 'NORMAL',
  [GossipStatus.Leaving]: 'LEAVING',
  [GossipStatus.Left]: 'LEFT',
  [GossipStatus.Moving]: 'MOVING',
  [GossipStatus.Removing]: 'REMOVING',
  [GossipStatus.Removed]: 'REMOVED',
  [GossipStatus.Hibernate]: 'HIBERNATING',
  [GossipStatus.Shutdown]: 'SHUTDOWN',
};

export function endpointStatusOf(state: EndpointState): EndpointStatus {
  return STATUS_NAMES[gossipStatus(state)] ?? 'UNKNOWN';
}

export function hostIdOf(state: EndpointState): HostId | null {
  const v = state.states[AppState.HostId]?.value;
  if (v === undefined) return null;
  try {
    return toHostId(v);
  } catch {
    return null;
  }
}

export function tokensOf(state: EndpointState): bigint[] {
  const v = state.states[AppState.Tokens]?.value;
  if (v === undefined) return [];
  try {
    return decodeTokens(v);
  } catch {
    return [];
  }
}

function hostOf(address: EndpointAddress): string {
  return parsePeerAddress(address).host;
}

/** The CQL address clients use: NATIVE_ADDRESS_AND_PORT, else RPC_ADDRESS, else the internode ip. */
export function nativeAddressOf(address: EndpointAddress, state: EndpointState, defaultPort: number): { host: string; port: number } {
  const native = state.states[AppState.NativeAddressAndPort]?.value;
  if (native !== undefined) {
    try {
      return parsePeerAddress(native);
    } catch {
      // fall through to the older states
    }
  }
  const rpc = state.states[AppState.RpcAddress]?.value;
  return { host: rpc !== undefined && rpc !== '' ? rpc : hostOf(address), port: defaultPort };
}

export function memberViewOf(options: {
  address: EndpointAddress; state: EndpointState; alive: boolean; isSelf: boolean; defaultNativePort: number;
}): MemberView {
  const { address, state } = options;
  const native = nativeAddressOf(address, state, options.defaultNativePort);
  const load = Number(state.states[AppState.Load]?.value ?? '0');
  const tokens = tokensOf(state).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    address,
    hostId: hostIdOf(state),
    datacenter: state.states[AppState.Dc]?.value ?? '',
    rack: state.states[AppState.Rack]?.value ?? '',
    status: endpointStatusOf(state),
    alive: options.alive,
    rpcAddress: native.host,
    rpcPort: native.port,
    schemaVersion: state.states[AppState.Schema]?.value ?? null,
    releaseVersion: state.states[AppState.ReleaseVersion]?.value ?? null,
    tokens,
    loadBytes: Number.isFinite(load) && load >= 0 ? load : 0,
    isSelf: options.isSelf,
  };
}
