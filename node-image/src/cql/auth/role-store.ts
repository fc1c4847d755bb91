// Reads and writes of system_auth.roles and system_auth.role_members through the coordinator
// (never storage), with the row layouts of Cassandra's CassandraRoleManager: roles(role PK,
// can_login, is_superuser, member_of set<text>, salted_hash) and role_members(role, member). Reads
// and writes of the default 'cassandra' role use QUORUM, of any other role LOCAL_ONE (Cassandra
// 4.0's consistencyForRole). Scans are paged and bounded by ROLES_MAX.
import type { Coordinator } from '../../coordinator/index.ts';
import type { Clock } from '../../io/index.ts';
import { MicrosTimestampSource } from '../../io/index.ts';
import { ConsistencyLevel, murmur3Token, TOKEN_MAX, TOKEN_MIN } from '../../lib/index.ts';
import type { TableMetadata } from '../../schema/index.ts';
import type { Cell, Mutation, PartitionSelector, PartitionUpdate, ReadCommand, ReadPartition, Row } from '../../storage/index.ts';
import { NO_DELETION_TIME, toLivePartition } from '../../storage/index.ts';
import { AUTH_KEYSPACE, AuthTable, authTable } from './auth-schema.ts';

/** Cassandra's DEFAULT_SUPERUSER_NAME and DEFAULT_SUPERUSER_PASSWORD. */
export const DEFAULT_SUPERUSER_NAME = 'cassandra';
export const DEFAULT_SUPERUSER_PASSWORD = 'cassandra';
/** Bound on roles scanned (LIST ROLES) and on members of one role read at once. */
export const ROLES_MAX = 100_000;
/** Rows per page of a bounded scan. */
const SCAN_PAGE_ROWS = 1000;

export interface RoleRecord {
  readonly name: string;
  readonly isSuperuser: boolean;
  readonly canLogin: boolean;
  /** Roles granted directly to this role, sorted. */
  readonly memberOf: readonly string[];
  readonly saltedHash: string | null;
}

export interface RoleChanges {
  readonly isSuperuser?: boolean;
  readonly canLogin?: boolean;
  readonly saltedHash?: string;
}

export class RoleLimitError extends Error {
  override readonly name = 'RoleLimitError';
}

export function consistencyForRole(role: string): ConsistencyLevel {
  return role === DEFAULT_SUPERUSER_NAME ? ConsistencyLevel.QUORUM : ConsistencyLevel.LOCAL_ONE;
}

const TRUE_BYTES = Buffer.from([1]);
const FALSE_BYTES = Buffer.from([0]);
const EMPTY = Buffer.alloc(0);
const ALL_CLUSTERINGS = { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false } as const;

const text = (s: string): Buffer => Buffer.from(s, 'utf8');
const bool = (b: boolean): Buffer => (b ? TRUE_BYTES : FALSE_BYTES);

export interface RoleStoreOptions {
  readonly coordinator: Coordinator;
  readonly clock: Clock;
}

export class RoleStore {
  private readonly coordinator: Coordinator;
  private readonly clock: Clock;
  private readonly timestamps: MicrosTimestampSource;
  private readonly roles: TableMetadata = authTable(AuthTable.roles);
  private readonly members: TableMetadata = authTable(AuthTable.roleMembers);

  constructor(options: RoleStoreOptions) {
    this.coordinator = options.coordinator;
    this.clock = options.clock;
    this.timestamps = new MicrosTimestampSource(options.clock);
  }

  async getRole(name: string, consistency: ConsistencyLevel = consistencyForRole(name)): Promise<RoleRecord | null> {
    const partitions = await this.read(this.roles, single(name), consistency, 1);
    const row = partitions[0]?.rows[0];
    return row === undefined ? null : roleOf(name, row);
  }

  /** Every role, sorted by name (at most ROLES_MAX, else RoleLimitError). */
  async listRoles(consistency: ConsistencyLevel = ConsistencyLevel.LOCAL_ONE): Promise<RoleRecord[]> {
    const out: RoleRecord[] = [];
    await this.scan(this.roles, consistency, (partition) => {
      const row = partition.rows[0];
      if (row !== undefined) out.push(roleOf(partition.key.toString('utf8'), row));
    });
    return out.sort((a, b) => compareNames(a.name, b.name));
  }

  /** Whether any role exists (the first page of a scan; used by the default superuser setup). */
  async anyRoleExists(consistency: ConsistencyLevel): Promise<boolean> {
    const partitions = await this.read(this.roles, fullRange(), consistency, 1);
    return partitions.some((p) => p.rows.length > 0);
  }

  /** Roles granted `role` directly (its role_members rows), sorted. */
  async membersOf(role: string): Promise<string[]> {
    const partitions = await this.read(this.members, single(role), consistencyForRole(role), ROLES_MAX + 1);
    const rows = partitions[0]?.rows ?? [];
    if (rows.length > ROLES_MAX) throw new RoleLimitError(`role ${role} has more than ${ROLES_MAX} members`);
    return rows.map((r) => r.clustering[0]!.toString('utf8'));
  }

  /**
   * Writes a new role row (marker, is_superuser, can_login, and salted_hash when given).
   * `timestampMicros` 0 makes the write lose to any later change, as Cassandra writes its default
   * superuser so that concurrent first starts of several nodes converge.
   */
  async createRole(role: { readonly name: string; readonly isSuperuser: boolean; readonly canLogin: boolean; readonly saltedHash: string | null },
    timestampMicros: number = this.timestamps.next()): Promise<void> {
    const cells: Cell[] = [liveCell('can_login', bool(role.canLogin), timestampMicros), liveCell('is_superuser', bool(role.isSuperuser), timestampMicros)];
    if (role.saltedHash !== null) cells.push(liveCell('salted_hash', text(role.saltedHash), timestampMicros));
    const row: Row = {
      clustering: [], liveness: { timestampMicros, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME }, deletion: null,
      cells: sortCells(cells), complexDeletions: [],
    };
    await this.write([mutation(this.roles, role.name, { rows: [row] })], consistencyForRole(role.name));
  }

  async updateRole(name: string, changes: RoleChanges): Promise<void> {
    const ts = this.timestamps.next();
    const cells: Cell[] = [];
    if (changes.canLogin !== undefined) cells.push(liveCell('can_login', bool(changes.canLogin), ts));
    if (changes.isSuperuser !== undefined) cells.push(liveCell('is_superuser', bool(changes.isSuperuser), ts));
    if (changes.saltedHash !== undefined) cells.push(liveCell('salted_hash', text(changes.saltedHash), ts));
    if (cells.length === 0) return;
    const row: Row = { clustering: [], liveness: null, deletion: null, cells: sortCells(cells), complexDeletions: [] };
    await this.write([mutation(this.roles, name, { rows: [row] })], consistencyForRole(name));
  }

  /** GRANT `role` TO `member`: member's member_of gains role; role_members gains (role, member). */
  async addMembership(role: string, member: string): Promise<void> {
    const ts = this.timestamps.next();
    const memberOf: Row = {
      clustering: [], liveness: null, deletion: null, cells: [{ ...liveCell('member_of', EMPTY, ts), path: text(role) }], complexDeletions: [],
    };
    const membership: Row = {
      clustering: [text(member)], liveness: { timestampMicros: ts, ttlSeconds: 0, localExpirationTimeSeconds: NO_DELETION_TIME },
      deletion: null, cells: [], complexDeletions: [],
    };
    await this.write([mutation(this.roles, member, { rows: [memberOf] }), mutation(this.members, role, { rows: [membership] })], consistencyForRole(role));
  }

  /** REVOKE `role` FROM `member`. */
  async removeMembership(role: string, member: string): Promise<void> {
    const ts = this.timestamps.next();
    const nowSeconds = this.nowSeconds();
    const memberOf: Row = {
      clustering: [], liveness: null, deletion: null, cells: [{ ...deadCell('member_of', ts, nowSeconds), path: text(role) }], complexDeletions: [],
    };
    const membership: Row = {
      clustering: [text(member)], liveness: null, deletion: { markedForDeleteAtMicros: ts, localDeletionTimeSeconds: nowSeconds }, cells: [], complexDeletions: [],
    };
    await this.write([mutation(this.roles, member, { rows: [memberOf] }), mutation(this.members, role, { rows: [membership] })], consistencyForRole(role));
  }

  /**
   * DROP ROLE: every member loses `role` from member_of, every role it was granted loses it as a
   * member, then its roles row and its role_members partition are deleted (one logged batch).
   */
  async deleteRole(role: RoleRecord): Promise<void> {
    const members = await this.membersOf(role.name);
    const ts = this.timestamps.next();
    const nowSeconds = this.nowSeconds();
    const deletion = { markedForDeleteAtMicros: ts, localDeletionTimeSeconds: nowSeconds };
    const mutations: Mutation[] = [];
    for (const member of members) {
      const row: Row = {
        clustering: [], liveness: null, deletion: null, cells: [{ ...deadCell('member_of', ts, nowSeconds), path: text(role.name) }], complexDeletions: [],
      };
      mutations.push(mutation(this.roles, member, { rows: [row] }));
    }
    for (const granted of role.memberOf) {
      const row: Row = { clustering: [text(role.name)], liveness: null, deletion, cells: [], complexDeletions: [] };
      mutations.push(mutation(this.members, granted, { rows: [row] }));
    }
    mutations.push(mutation(this.roles, role.name, { partitionDeletion: deletion }));
    mutations.push(mutation(this.members, role.name, { partitionDeletion: deletion }));
    await this.write(mergeByKey(mutations), consistencyForRole(role.name));
  }

  private nowSeconds(): number {
    return Math.floor(this.clock.nowMs() / 1000);
  }

  private async write(mutations: readonly Mutation[], consistency: ConsistencyLevel): Promise<void> {
    await this.coordinator.write(mutations, { consistency, writeType: mutations.length > 1 ? 'BATCH' : 'SIMPLE' });
  }

  private async read(table: TableMetadata, partitions: PartitionSelector, consistency: ConsistencyLevel, rows: number): Promise<ReadPartition[]> {
    const nowSeconds = this.nowSeconds();
    const command: ReadCommand = {
      tableId: table.id, partitions, clustering: ALL_CLUSTERINGS, columns: 'all',
      limits: { rows, perPartitionRows: Infinity, partitions: Infinity }, nowSeconds, resumeAfterClustering: null, includeStaticRow: false,
    };
    const result = await this.coordinator.read(command, { consistency });
    return result.partitions.map((p) => toLivePartition(p, nowSeconds)).filter((p) => p.rows.length > 0);
  }

  /** Visits every live partition of a table without clustering columns, in pages. */
  private async scan(table: TableMetadata, consistency: ConsistencyLevel, visit: (partition: ReadPartition) => void): Promise<void> {
    let start: { token: bigint; key: Buffer | null } = { token: TOKEN_MIN, key: null };
    let startInclusive = true;
    let seen = 0;
    for (;;) {
      const nowSeconds = this.nowSeconds();
      const command: ReadCommand = {
        tableId: table.id, partitions: { kind: 'range', start, startInclusive, end: { token: TOKEN_MAX, key: null }, endInclusive: true },
        clustering: ALL_CLUSTERINGS, columns: 'all', limits: { rows: SCAN_PAGE_ROWS, perPartitionRows: Infinity, partitions: Infinity },
        nowSeconds, resumeAfterClustering: null, includeStaticRow: false,
      };
      const result = await this.coordinator.read(command, { consistency });
      let liveRows = 0;
      for (const p of result.partitions) {
        const live = toLivePartition(p, nowSeconds);
        liveRows += p.rows.length;
        if (live.rows.length > 0) visit(live);
      }
      seen += result.partitions.length;
      if (seen > ROLES_MAX) throw new RoleLimitError(`more than ${ROLES_MAX} rows in ${AUTH_KEYSPACE}.${table.name}`);
      const last = result.partitions[result.partitions.length - 1];
      if (last === undefined || liveRows < SCAN_PAGE_ROWS) return;
      start = { token: last.token, key: last.key };
      startInclusive = false;
    }
  }
}

function single(name: string): PartitionSelector {
  const key = text(name);
  return { kind: 'single', key, token: murmur3Token(key) };
}

function fullRange(): PartitionSelector {
  return { kind: 'range', start: { token: TOKEN_MIN, key: null }, startInclusive: true, end: { token: TOKEN_MAX, key: null }, endInclusive: true };
}

function liveCell(column: string, value: Buffer, timestampMicros: number): Cell {
  return { column, path: null, value, timestampMicros, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false };
}

function deadCell(column: string, timestampMicros: number, nowSeconds: number): Cell {
  return { column, path: null, value: EMPTY, timestampMicros, ttlSeconds: 0, localDeletionTimeSeconds: nowSeconds, tombstone: true };
}

function sortCells(cells: Cell[]): Cell[] {
  return cells.sort((a, b) => compareNames(a.column, b.column));
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mutation(table: TableMetadata, partitionKey: string, content: { rows?: readonly Row[]; partitionDeletion?: PartitionUpdate['partitionDeletion'] }): Mutation {
  const key = text(partitionKey);
  const token = murmur3Token(key);
  const update: PartitionUpdate = {
    tableId: table.id, key, token, partitionDeletion: content.partitionDeletion ?? null, staticRow: null, rows: content.rows ?? [], rangeTombstones: [],
  };
  return { keyspace: AUTH_KEYSPACE, key, token, updates: [update] };
}

/**
 * One mutation per partition key (a mutation holds one update per table). Updates of the same
 * table and key are merged: the partition deletion and the rows (sorted, cells of one clustering
 * concatenated) — enough for the shapes deleteRole builds.
 */
function mergeByKey(mutations: readonly Mutation[]): Mutation[] {
  const byKey = new Map<string, { key: Buffer; token: bigint; updates: Map<string, PartitionUpdate> }>();
  for (const m of mutations) {
    const k = m.key.toString('hex');
    const entry = byKey.get(k) ?? { key: m.key, token: m.token, updates: new Map<string, PartitionUpdate>() };
    byKey.set(k, entry);
    for (const u of m.updates) {
      const existing = entry.updates.get(u.tableId);
      entry.updates.set(u.tableId, existing === undefined ? u : mergeUpdates(existing, u));
    }
  }
  return [...byKey.values()].map((e) => ({ keyspace: AUTH_KEYSPACE, key: e.key, token: e.token, updates: [...e.updates.values()] }));
}

function mergeUpdates(a: PartitionUpdate, b: PartitionUpdate): PartitionUpdate {
  const deletion = a.partitionDeletion ?? b.partitionDeletion;
  const rows = new Map<string, Row>();
  for (const r of [...a.rows, ...b.rows]) {
    const k = r.clustering.map((c) => c.toString('hex')).join(':');
    const prev = rows.get(k);
    rows.set(k, prev === undefined ? r : {
      ...prev, liveness: prev.liveness ?? r.liveness, deletion: prev.deletion ?? r.deletion,
      cells: sortCells([...prev.cells, ...r.cells]), complexDeletions: [...prev.complexDeletions, ...r.complexDeletions],
    });
  }
  const sorted = [...rows.values()].sort((x, y) => Buffer.compare(x.clustering[0] ?? EMPTY, y.clustering[0] ?? EMPTY));
  return { ...a, partitionDeletion: deletion, rows: sorted };
}

function roleOf(name: string, row: Row): RoleRecord {
  let isSuperuser = false;
  let canLogin = false;
  let saltedHash: string | null = null;
  const memberOf: string[] = [];
  for (const cell of row.cells) {
    switch (cell.column) {
      case 'is_superuser': isSuperuser = cell.value.length > 0 && cell.value[0] !== 0; break;
      case 'can_login': canLogin = cell.value.length > 0 && cell.value[0] !== 0; break;
      case 'salted_hash': saltedHash = cell.value.toString('utf8'); break;
      case 'member_of': if (cell.path !== null) memberOf.push(cell.path.toString('utf8')); break;
      default: break;
    }
  }
  return { name, isSuperuser, canLogin, memberOf: memberOf.sort(compareNames), saltedHash };
}
