// Test and simulator support: Membership without gossip. A board holds the ring, each endpoint's
// status and schema version, and liveness as every node sees it (globally, or per observer to model
// asymmetric failure detection); each node gets a view implementing Membership. Changes are told
// to subscribers as the gossip-backed service tells them (up, down, ring-changed, schema-version),
// delivered through the injected timers so no listener runs inside the call that changed the board.
import type { EndpointAddress, HostId, TokenMetadata } from '../../cluster/index.ts';
import type { Timers } from '../../io/index.ts';
import { assert } from '../../lib/index.ts';
import type { NodeInfo } from '../coordinator.ts';
import type { EndpointStatus, MemberView, Membership, MembershipEvent } from '../membership.ts';

const NIL_SCHEMA = '00000000-0000-0000-0000-000000000000';
/** CQL port reported for every member (tests never connect to it). */
export const STATIC_MEMBERSHIP_NATIVE_PORT = 9042;

export class StaticMembershipBoard {
  private currentRing: TokenMetadata;
  private readonly timers: Timers;
  /** Endpoints every observer sees as down. */
  private readonly downEverywhere = new Set<EndpointAddress>();
  /** observer -> endpoints it sees as down (in addition to downEverywhere). */
  private readonly downAsSeenBy = new Map<EndpointAddress, Set<EndpointAddress>>();
  private readonly statuses = new Map<EndpointAddress, EndpointStatus>();
  private readonly schemaVersions = new Map<EndpointAddress, string>();
  private readonly views = new Map<EndpointAddress, StaticMembership>();
  releaseVersion = '4.0.11';

  constructor(options: { ring: TokenMetadata; timers: Timers }) {
    this.currentRing = options.ring;
    this.timers = options.timers;
  }

  /** The Membership of one node of the ring. */
  view(self: EndpointAddress): StaticMembership {
    let v = this.views.get(self);
    if (v === undefined) {
      assert(this.currentRing.endpoint(self) !== undefined, `${self} is not registered in the ring`);
      v = new StaticMembership(this, self);
      this.views.set(self, v);
    }
    return v;
  }

  ring(): TokenMetadata {
    return this.currentRing;
  }

  setRing(ring: TokenMetadata): void {
    this.currentRing = ring;
    this.broadcast(() => true, { kind: 'ring-changed', ring });
  }

  /**
   * Marks `address` alive or down as seen by `observer` (every node when omitted). Observers
   * whose verdict changes get an up/down event.
   */
  setAlive(address: EndpointAddress, alive: boolean, observer?: EndpointAddress): void {
    const before = new Map<EndpointAddress, boolean>();
    for (const [self, v] of this.views) before.set(self, v.isAlive(address));
    if (observer === undefined) {
      if (alive) {
        this.downEverywhere.delete(address);
        for (const set of this.downAsSeenBy.values()) set.delete(address);
      } else {
        this.downEverywhere.add(address);
      }
    } else {
      let set = this.downAsSeenBy.get(observer);
      if (set === undefined) this.downAsSeenBy.set(observer, (set = new Set()));
      if (alive) set.delete(address);
      else set.add(address);
    }
    for (const [self, v] of this.views) {
      const now = v.isAlive(address);
      if (now !== before.get(self)) this.notify(self, { kind: now ? 'up' : 'down', address });
    }
  }

  isAliveAsSeenBy(observer: EndpointAddress, address: EndpointAddress): boolean {
    if (observer === address) return true;
    if (this.downEverywhere.has(address)) return false;
    return !(this.downAsSeenBy.get(observer)?.has(address) ?? false);
  }

  setStatus(address: EndpointAddress, status: EndpointStatus): void {
    this.statuses.set(address, status);
  }

  statusOf(address: EndpointAddress): EndpointStatus {
    return this.statuses.get(address) ?? (this.currentRing.isMember(address) ? 'NORMAL' : 'UNKNOWN');
  }

  schemaVersionOf(address: EndpointAddress): string | null {
    return this.schemaVersions.get(address) ?? null;
  }

  setSchemaVersion(address: EndpointAddress, version: string): void {
    if (this.schemaVersions.get(address) === version) return;
    this.schemaVersions.set(address, version);
    this.broadcast((self) => self !== address, { kind: 'schema-version', address, version });
  }

  private broadcast(filter: (self: EndpointAddress) => boolean, event: MembershipEvent): void {
    for (const self of this.views.keys()) if (filter(self)) this.notify(self, event);
  }

  private notify(self: EndpointAddress, event: MembershipEvent): void {
    const view = this.views.get(self);
    if (view === undefined) return;
    this.timers.setImmediate(() => view.emit(event));
  }
}

export class StaticMembership implements Membership {
  readonly self: EndpointAddress;
  readonly localDatacenter: string;
  readonly localRack: string;
  private readonly board: StaticMembershipBoard;
  private readonly listeners = new Set<(event: MembershipEvent) => void>();

  constructor(board: StaticMembershipBoard, self: EndpointAddress) {
    this.board = board;
    this.self = self;
    const info = board.ring().endpoint(self)!;
    this.localDatacenter = info.dc;
    this.localRack = info.rack;
  }

  ring(): TokenMetadata {
    return this.board.ring();
  }

  isAlive(address: EndpointAddress): boolean {
    return this.board.isAliveAsSeenBy(this.self, address);
  }

  member(address: EndpointAddress): MemberView | null {
    const info = this.board.ring().endpoint(address);
    if (info === undefined) return null;
    const host = address.slice(0, address.lastIndexOf(':'));
    return {
      address,
      hostId: info.hostId,
      datacenter: info.dc,
      rack: info.rack,
      status: this.board.statusOf(address),
      alive: this.isAlive(address),
      rpcAddress: host,
      rpcPort: STATIC_MEMBERSHIP_NATIVE_PORT,
      schemaVersion: this.board.schemaVersionOf(address),
      releaseVersion: this.board.releaseVersion,
      tokens: this.board.ring().tokensOf(address),
      loadBytes: 0,
      isSelf: address === this.self,
    };
  }

  members(): readonly MemberView[] {
    return this.board.ring().allEndpoints().map((e) => this.member(e.address)!);
  }

  hostIdOf(address: EndpointAddress): HostId | null {
    return this.board.ring().endpoint(address)?.hostId ?? null;
  }

  addressOf(hostId: HostId): EndpointAddress | null {
    return this.board.ring().endpointForHostId(hostId)?.address ?? null;
  }

  peers(): readonly NodeInfo[] {
    const out: NodeInfo[] = [];
    for (const address of this.board.ring().members()) {
      if (address === this.self) continue;
      const m = this.member(address)!;
      const colon = address.lastIndexOf(':');
      out.push({
        hostId: m.hostId ?? '',
        address: address.slice(0, colon),
        rpcAddress: m.rpcAddress,
        rpcPort: m.rpcPort,
        listenPort: Number(address.slice(colon + 1)),
        dataCenter: m.datacenter,
        rack: m.rack,
        tokens: m.tokens,
        schemaVersion: m.schemaVersion ?? NIL_SCHEMA,
        releaseVersion: m.releaseVersion ?? '',
      });
    }
    return out;
  }

  setLocalSchemaVersion(version: string): void {
    this.board.setSchemaVersion(this.self, version);
  }

  subscribe(listener: (event: MembershipEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Delivers a board event to this node's subscribers. */
  emit(event: MembershipEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
