// Which TOPOLOGY_CHANGE / STATUS_CHANGE events drivers get (Cassandra's Server.EventNotifier and
// StorageService.notify*): UP only once the peer is alive and its RPC_READY is true; DOWN when it
// dies or stops serving; NEW_NODE when it joins the ring, held back until it is UP if it does not
// serve CQL yet; REMOVED_NODE when it leaves; MOVED_NODE when its tokens change. Consecutive
// duplicates per endpoint are suppressed. Pure bookkeeping: callers feed facts, get events.
import type { EndpointAddress } from '../../cluster/index.ts';

/** Structurally the protocol layer's TOPOLOGY_CHANGE and STATUS_CHANGE events. */
export type ClientEvent =
  | { readonly type: 'TOPOLOGY_CHANGE'; readonly change: 'NEW_NODE' | 'REMOVED_NODE' | 'MOVED_NODE'; readonly address: string; readonly port: number }
  | { readonly type: 'STATUS_CHANGE'; readonly change: 'UP' | 'DOWN'; readonly address: string; readonly port: number };

export interface NativeAddress {
  readonly host: string;
  readonly port: number;
}

type Status = 'UP' | 'DOWN';
type Topology = 'NEW_NODE' | 'REMOVED_NODE' | 'MOVED_NODE';

export class ClientEventNotifier {
  private readonly lastStatus = new Map<EndpointAddress, Status>();
  private readonly lastTopology = new Map<EndpointAddress, Topology>();
  private readonly pendingJoined = new Set<EndpointAddress>();
  private readonly out: ClientEvent[] = [];

  /** Events produced since the last call. */
  take(): ClientEvent[] {
    return this.out.splice(0);
  }

  /** The endpoint became a ring member (NORMAL). */
  joined(endpoint: EndpointAddress, native: NativeAddress, serving: boolean): void {
    if (!serving) {
      this.pendingJoined.add(endpoint);
      return;
    }
    this.topology(endpoint, 'NEW_NODE', native);
  }

  left(endpoint: EndpointAddress, native: NativeAddress): void {
    this.pendingJoined.delete(endpoint);
    this.topology(endpoint, 'REMOVED_NODE', native);
  }

  moved(endpoint: EndpointAddress, native: NativeAddress): void {
    this.topology(endpoint, 'MOVED_NODE', native);
  }

  /** Alive and serving CQL (both facts true now). */
  up(endpoint: EndpointAddress, native: NativeAddress): void {
    if (this.pendingJoined.delete(endpoint)) this.topology(endpoint, 'NEW_NODE', native);
    this.status(endpoint, 'UP', native);
  }

  /** Dead, or no longer serving CQL. */
  down(endpoint: EndpointAddress, native: NativeAddress): void {
    this.status(endpoint, 'DOWN', native);
  }

  /** Forget an endpoint entirely (evicted from gossip). */
  forget(endpoint: EndpointAddress): void {
    this.lastStatus.delete(endpoint);
    this.lastTopology.delete(endpoint);
    this.pendingJoined.delete(endpoint);
  }

  private topology(endpoint: EndpointAddress, change: Topology, native: NativeAddress): void {
    if (this.lastTopology.get(endpoint) === change) return;
    this.lastTopology.set(endpoint, change);
    this.out.push({ type: 'TOPOLOGY_CHANGE', change, address: native.host, port: native.port });
  }

  private status(endpoint: EndpointAddress, change: Status, native: NativeAddress): void {
    if (this.lastStatus.get(endpoint) === change) return;
    this.lastStatus.set(endpoint, change);
    this.out.push({ type: 'STATUS_CHANGE', change, address: native.host, port: native.port });
  }
}
