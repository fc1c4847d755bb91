// Schema agreement across the cluster (docs/design/coordinator.md, "Schema"): DDLs are decided by
// schema-paxos.ts and installed here; snapshots can also be pushed to live members, waiting
// (bounded) for their acks. Every node gossips its schema version; a node that sees a live peer
// with another version pulls the peer's snapshot and keeps it when newer. Snapshots carry an
// epoch (counter, version): the higher counter wins, ties go to the greater version text, and a
// counter of 0 (a node that never saw DDL) never replaces anything. The epoch is persisted before
// the schema it describes. All installs run one at a time.
import type { EndpointAddress } from '../cluster/index.ts';
import type { Clock, Disk, Logger, TimerHandle, Timers } from '../io/index.ts';
import { Verb } from '../messaging/index.ts';
import type { MessagingService } from '../messaging/index.ts';
import { parseSchema, serializeSchema } from '../schema/index.ts';
import type { SchemaSnapshot } from '../schema/index.ts';
import type { StorageEngine } from '../storage/index.ts';
import { ByteReader, ByteWriter, DecodeError } from '../storage/index.ts';
import type { Membership, MembershipEvent } from './membership.ts';
import { CoordinatorMessageError } from './messages/coordinator-messages.ts';
import type { SchemaStore } from './schema-store.ts';
import { KeyedSerialQueue } from './serial-queue.ts';

export const SCHEMA_EPOCH_FILE_NAME = 'schema-epoch.json';
/** How long a DDL waits for live members to acknowledge the pushed snapshot. */
export const SCHEMA_PUSH_WAIT_MS_DEFAULT = 5000;
/** Members with a different schema version are checked (and pulled from) this often. */
export const SCHEMA_CHECK_INTERVAL_MS = 10_000;
/** Peers asked at most by one catch-up. */
export const SCHEMA_CATCH_UP_PEERS_MAX = 3;
/** A pull of the same version from the same peer is not repeated sooner than this. */
export const SCHEMA_PULL_RETRY_MS = 5000;

export interface SchemaEpoch {
  readonly counter: number;
  readonly version: string;
}

export function isNewerEpoch(candidate: SchemaEpoch, current: SchemaEpoch): boolean {
  if (candidate.counter === 0) return false;
  if (candidate.counter !== current.counter) return candidate.counter > current.counter;
  return candidate.version > current.version;
}

export function encodeSchemaMessage(epoch: SchemaEpoch, snapshot: SchemaSnapshot): Buffer {
  const w = new ByteWriter(4096);
  w.varint(epoch.counter);
  w.string(serializeSchema(snapshot));
  return Buffer.from(w.view());
}

export function decodeSchemaMessage(payload: Buffer): { epoch: SchemaEpoch; snapshot: SchemaSnapshot } {
  try {
    const r = new ByteReader(payload);
    const counter = r.varint();
    const snapshot = parseSchema(r.string());
    if (r.remaining !== 0) throw new CoordinatorMessageError('schema message: trailing bytes');
    return { epoch: { counter, version: snapshot.version }, snapshot };
  } catch (error) {
    if (error instanceof DecodeError) throw new CoordinatorMessageError(`malformed schema message: ${error.message}`);
    throw error;
  }
}

export class SchemaSync {
  private readonly store: SchemaStore;
  private readonly storage: StorageEngine;
  private readonly messaging: MessagingService;
  private readonly membership: Membership;
  private readonly disk: Disk;
  private readonly epochPath: string;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly pushWaitMs: number;
  private readonly onInstalled: (schema: SchemaSnapshot) => void;
  private readonly queue = new KeyedSerialQueue();
  private epochValue: SchemaEpoch;
  /** "peer|version" -> monotonic ms of the last pull attempt. */
  private readonly pulls = new Map<string, number>();
  private unsubscribe: (() => void) | null = null;
  private checkTimer: TimerHandle | null = null;
  private closed = false;

  constructor(options: {
    store: SchemaStore; storage: StorageEngine; messaging: MessagingService; membership: Membership; disk: Disk; systemDirectory: string;
    logger: Logger; clock: Clock; timers: Timers; pushWaitMs?: number; onInstalled: (schema: SchemaSnapshot) => void;
  }) {
    this.store = options.store;
    this.storage = options.storage;
    this.messaging = options.messaging;
    this.membership = options.membership;
    this.disk = options.disk;
    this.epochPath = `${options.systemDirectory}/${SCHEMA_EPOCH_FILE_NAME}`;
    this.logger = options.logger.child({ component: 'schema' });
    this.clock = options.clock;
    this.timers = options.timers;
    this.pushWaitMs = options.pushWaitMs ?? SCHEMA_PUSH_WAIT_MS_DEFAULT;
    this.onInstalled = options.onInstalled;
    this.epochValue = this.loadEpoch();
  }

  get epoch(): SchemaEpoch {
    return this.epochValue;
  }

  private loadEpoch(): SchemaEpoch {
    const current = this.store.current();
    const stat = this.disk.stat(this.epochPath);
    if (stat !== null) {
      try {
        const parsed = JSON.parse(this.disk.readFile(this.epochPath).toString('utf8')) as { counter?: unknown };
        if (typeof parsed.counter === 'number' && Number.isSafeInteger(parsed.counter) && parsed.counter >= 0) {
          // The epoch is written before the schema: a crash in between leaves a counter ahead of
          // the schema, which only makes this node's next DDL count higher.
          return { counter: parsed.counter, version: current.version };
        }
      } catch {
        // Fall through: treat as absent.
      }
      this.logger.warn({ path: this.epochPath }, 'unreadable schema epoch file; deriving the epoch from the schema');
    }
    // A schema with keyspaces but no epoch (a node that ran alone before) counts as one change.
    return { counter: current.keyspaces.size > 0 ? 1 : 0, version: current.version };
  }

  private saveEpoch(epoch: SchemaEpoch): void {
    this.disk.writeFileAtomic(this.epochPath, Buffer.from(JSON.stringify({ counter: epoch.counter, version: epoch.version }), 'utf8'));
  }

  start(): void {
    this.messaging.handle(Verb.SchemaPush, async (_from, payload) => {
      const { epoch, snapshot } = decodeSchemaMessage(payload);
      await this.offer(epoch, snapshot, 'push');
      return null;
    });
    this.messaging.handle(Verb.SchemaPull, () => encodeSchemaMessage(this.epochValue, this.store.current()));
    this.unsubscribe = this.membership.subscribe((event) => this.onMembership(event));
    this.checkTimer = this.timers.setInterval(() => this.checkPeers(), SCHEMA_CHECK_INTERVAL_MS);
    this.membership.setLocalSchemaVersion(this.store.current().version);
    this.checkPeers();
  }

  stop(): void {
    this.closed = true;
    this.unsubscribe?.();
    this.checkTimer?.cancel();
  }

  private onMembership(event: MembershipEvent): void {
    if (event.kind === 'schema-version') {
      if (event.version !== this.store.current().version) this.pullFrom(event.address, event.version);
    } else if (event.kind === 'up' || event.kind === 'joined') {
      const version = this.membership.member(event.address)?.schemaVersion;
      if (version !== null && version !== undefined && version !== this.store.current().version) this.pullFrom(event.address, version);
    }
  }

  /** Pulls from every live member whose gossiped version differs from ours. */
  checkPeers(): void {
    if (this.closed) return;
    const mine = this.store.current().version;
    for (const m of this.membership.members()) {
      if (m.isSelf || !m.alive || m.schemaVersion === null || m.schemaVersion === mine) continue;
      this.pullFrom(m.address, m.schemaVersion);
    }
  }

  private pullFrom(peer: EndpointAddress, version: string): void {
    if (this.closed || !this.membership.isAlive(peer)) return;
    const key = `${peer}|${version}`;
    const now = this.clock.monotonicMs();
    const last = this.pulls.get(key);
    if (last !== undefined && now - last < SCHEMA_PULL_RETRY_MS) return;
    this.pulls.set(key, now);
    if (this.pulls.size > 1024) this.pulls.clear();
    this.messaging.request(peer, Verb.SchemaPull, Buffer.alloc(0), this.pushWaitMs).then(async (payload) => {
      const { epoch, snapshot } = decodeSchemaMessage(payload);
      await this.offer(epoch, snapshot, 'pull');
    }).catch((error: unknown) => {
      this.logger.debug({ peer, err: error }, 'schema pull failed');
    });
  }

  /** Installs a snapshot received from a peer when it is newer than ours. */
  offer(epoch: SchemaEpoch, snapshot: SchemaSnapshot, source: 'push' | 'pull' | 'paxos'): Promise<void> {
    return this.queue.run('schema', async () => {
      if (!isNewerEpoch(epoch, this.epochValue)) return;
      this.logger.info({ from: source, counter: epoch.counter, version: epoch.version }, 'installing schema');
      await this.install(snapshot, epoch);
    });
  }

  /**
   * Pulls (bounded: SCHEMA_CATCH_UP_PEERS_MAX peers, each within the push wait) from live members
   * gossiping another version and installs what is newer. Used before a schema change when the
   * schema Paxos register holds no commit yet (its base is then this node's schema).
   */
  async catchUp(): Promise<void> {
    const mine = this.store.current().version;
    const others = this.membership.members().filter((m) => !m.isSelf && m.alive && m.schemaVersion !== null && m.schemaVersion !== mine);
    for (const m of others.slice(0, SCHEMA_CATCH_UP_PEERS_MAX)) {
      try {
        const payload = await this.messaging.request(m.address, Verb.SchemaPull, Buffer.alloc(0), this.pushWaitMs);
        const { epoch, snapshot } = decodeSchemaMessage(payload);
        await this.offer(epoch, snapshot, 'pull');
      } catch (error) {
        this.logger.debug({ peer: m.address, err: error }, 'schema catch-up pull failed');
      }
    }
  }

  private async install(snapshot: SchemaSnapshot, epoch: SchemaEpoch): Promise<void> {
    const before = this.store.current();
    this.saveEpoch(epoch);
    this.store.install(snapshot);
    this.epochValue = epoch;
    this.storage.setSchema(snapshot);
    for (const id of droppedTableIds(before, snapshot)) await this.storage.dropTable(id);
    this.membership.setLocalSchemaVersion(snapshot.version);
    this.onInstalled(snapshot);
  }

  /** Pushes a snapshot to every live member but `except`, waiting (bounded) for their acks. */
  async push(epoch: SchemaEpoch, snapshot: SchemaSnapshot, except: ReadonlySet<EndpointAddress> = new Set()): Promise<void> {
    const payload = encodeSchemaMessage(epoch, snapshot);
    const targets = this.membership.members().filter((m) => !m.isSelf && m.alive && !except.has(m.address)).map((m) => m.address);
    if (targets.length === 0) return;
    const results = await Promise.allSettled(targets.map((t) => this.messaging.request(t, Verb.SchemaPush, payload, this.pushWaitMs)));
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (failed > 0) this.logger.warn({ failed, targets: targets.length }, 'schema push not acknowledged by every live member; they will pull it');
  }
}

function tableIds(schema: SchemaSnapshot): Set<string> {
  const ids = new Set<string>();
  for (const ks of schema.keyspaces.values()) {
    for (const t of ks.tables.values()) ids.add(t.id);
    for (const v of ks.views.values()) ids.add(v.id);
  }
  return ids;
}

export function droppedTableIds(before: SchemaSnapshot, after: SchemaSnapshot): string[] {
  const remaining = tableIds(after);
  return [...tableIds(before)].filter((id) => !remaining.has(id));
}
