// The contract between cluster membership (the gossip driver that maintains the ring and
// liveness) and the parts that route requests (the cluster coordinator, hints, Paxos, schema
// sync, the management API). Implemented by the gossip-backed membership service; a static
// implementation serves tests and the single-node case.
import type { EndpointAddress, HostId, TokenMetadata } from '../cluster/index.ts';
import type { NodeInfo } from './coordinator.ts';

/** Normalized gossip status of an endpoint (management API vocabulary). */
export type EndpointStatus =
  | 'JOINING' | 'REPLACING' | 'NORMAL' | 'LEAVING' | 'LEFT' | 'MOVING' | 'REMOVING' | 'REMOVED' | 'HIBERNATING' | 'SHUTDOWN' | 'UNKNOWN';

export interface MemberView {
  readonly address: EndpointAddress;
  readonly hostId: HostId | null;
  readonly datacenter: string;
  readonly rack: string;
  readonly status: EndpointStatus;
  /** Failure detector verdict (always true for the local node). */
  readonly alive: boolean;
  readonly rpcAddress: string;
  readonly rpcPort: number;
  readonly schemaVersion: string | null;
  readonly releaseVersion: string | null;
  readonly tokens: readonly bigint[];
  readonly loadBytes: number;
  readonly isSelf: boolean;
}

export type MembershipEvent =
  | { readonly kind: 'up'; readonly address: EndpointAddress }
  | { readonly kind: 'down'; readonly address: EndpointAddress }
  | { readonly kind: 'joined'; readonly address: EndpointAddress }
  | { readonly kind: 'left'; readonly address: EndpointAddress }
  | { readonly kind: 'ring-changed'; readonly ring: TokenMetadata }
  | { readonly kind: 'schema-version'; readonly address: EndpointAddress; readonly version: string };

export interface Membership {
  readonly self: EndpointAddress;
  readonly localDatacenter: string;
  readonly localRack: string;
  /** The current ring snapshot (normal, bootstrapping, leaving tokens). */
  ring(): TokenMetadata;
  isAlive(address: EndpointAddress): boolean;
  member(address: EndpointAddress): MemberView | null;
  members(): readonly MemberView[];
  hostIdOf(address: EndpointAddress): HostId | null;
  addressOf(hostId: HostId): EndpointAddress | null;
  /** Peers as system.peers reports them (live or dead ring members, not self). */
  peers(): readonly NodeInfo[];
  /** Publishes this node's schema version in gossip (SCHEMA). */
  setLocalSchemaVersion(version: string): void;
  subscribe(listener: (event: MembershipEvent) => void): () => void;
}
