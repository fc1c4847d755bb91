// The system_auth keyspace as Cassandra 4.0 defines it (roles, role_members, role_permissions,
// resource_role_permissons_index, network_permissions), stored like user data. Table ids are
// Cassandra's: a name-based (MD5, version 3) UUID of keyspace + table name, so that every node
// that creates the keyspace on its own arrives at the same ids and the schemas converge.
import { createHash } from 'node:crypto';
import type { CqlType, KeyspaceMetadata, SchemaSnapshot, TableMetadata } from '../../schema/index.ts';
import { buildKeyspaceMetadata, buildTableMetadata, DEFAULT_TABLE_OPTIONS } from '../../schema/index.ts';

export const AUTH_KEYSPACE = 'system_auth';

export const AuthTable = {
  roles: 'roles',
  roleMembers: 'role_members',
  rolePermissions: 'role_permissions',
  resourceRolePermissionsIndex: 'resource_role_permissons_index',
  networkPermissions: 'network_permissions',
} as const;

/** Cassandra's default for system_auth: SimpleStrategy, one replica (operators raise it with ALTER KEYSPACE). */
export const AUTH_REPLICATION = { class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '1' } } as const;

/** system_auth tables keep tombstones 90 days (Cassandra's AuthKeyspace gc_grace_seconds). */
const AUTH_GC_GRACE_SECONDS = 90 * 24 * 3600;

const TEXT: CqlType = { kind: 'native', name: 'text' };
const BOOLEAN: CqlType = { kind: 'native', name: 'boolean' };
const TEXT_SET: CqlType = { kind: 'set', element: TEXT, frozen: false };
const FROZEN_TEXT_SET: CqlType = { kind: 'set', element: TEXT, frozen: true };

/** UUID.nameUUIDFromBytes(keyspace bytes ++ table bytes), as Cassandra's TableId.forSystemTable. */
export function systemTableId(keyspace: string, table: string): string {
  const h = createHash('md5').update(Buffer.from(keyspace + table, 'utf8')).digest();
  h[6] = (h[6]! & 0x0f) | 0x30;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

interface AuthTableDef {
  readonly name: string;
  readonly comment: string;
  readonly partitionKey: ReadonlyArray<readonly [string, CqlType]>;
  readonly clustering: ReadonlyArray<readonly [string, CqlType]>;
  readonly columns: ReadonlyArray<readonly [string, CqlType]>;
}

const DEFS: readonly AuthTableDef[] = [
  {
    name: AuthTable.roles, comment: 'role definitions', partitionKey: [['role', TEXT]], clustering: [],
    columns: [['can_login', BOOLEAN], ['is_superuser', BOOLEAN], ['member_of', TEXT_SET], ['salted_hash', TEXT]],
  },
  { name: AuthTable.roleMembers, comment: 'role memberships lookup table', partitionKey: [['role', TEXT]], clustering: [['member', TEXT]], columns: [] },
  {
    name: AuthTable.rolePermissions, comment: 'permissions granted to db roles', partitionKey: [['role', TEXT]], clustering: [['resource', TEXT]],
    columns: [['permissions', TEXT_SET]],
  },
  {
    name: AuthTable.resourceRolePermissionsIndex, comment: 'index of db roles with permissions granted on a resource',
    partitionKey: [['resource', TEXT]], clustering: [['role', TEXT]], columns: [],
  },
  { name: AuthTable.networkPermissions, comment: 'user network permissions', partitionKey: [['role', TEXT]], clustering: [], columns: [['dcs', FROZEN_TEXT_SET]] },
];

function tableOf(def: AuthTableDef): TableMetadata {
  return buildTableMetadata({
    keyspace: AUTH_KEYSPACE,
    name: def.name,
    id: systemTableId(AUTH_KEYSPACE, def.name),
    partitionKey: def.partitionKey.map(([name, type]) => ({ name, type })),
    clustering: def.clustering.map(([name, type]) => ({ name, type })),
    columns: def.columns.map(([name, type]) => ({ name, type })),
    options: { ...DEFAULT_TABLE_OPTIONS, comment: def.comment, gcGraceSeconds: AUTH_GC_GRACE_SECONDS },
  });
}

/** The system_auth tables by name (immutable; shared by every node and shard). */
export const AUTH_TABLES: ReadonlyMap<string, TableMetadata> = new Map(DEFS.map((d) => [d.name, tableOf(d)]));

export function authTable(name: (typeof AuthTable)[keyof typeof AuthTable]): TableMetadata {
  const table = AUTH_TABLES.get(name);
  if (table === undefined) throw new Error(`unknown system_auth table ${name}`);
  return table;
}

/**
 * The snapshot with system_auth and each of its tables present, or `current` itself when nothing
 * is missing. An existing keyspace keeps its replication (an operator may have ALTERed it) and an
 * existing table is kept as it is.
 */
export function withAuthSchema(current: SchemaSnapshot, newVersion: string): SchemaSnapshot {
  const existing = current.keyspaces.get(AUTH_KEYSPACE);
  const missing = [...AUTH_TABLES.values()].filter((t) => existing?.tables.has(t.name) !== true);
  if (existing !== undefined && missing.length === 0) return current;
  const keyspace: KeyspaceMetadata = existing === undefined
    ? buildKeyspaceMetadata({ name: AUTH_KEYSPACE, replication: AUTH_REPLICATION, durableWrites: true, tables: missing })
    : buildKeyspaceMetadata({
      name: AUTH_KEYSPACE, replication: existing.replication, durableWrites: existing.durableWrites, tables: [...existing.tables.values(), ...missing],
      views: [...existing.views.values()], types: [...existing.types.values()], functions: existing.functions,
    });
  const keyspaces = new Map(current.keyspaces);
  keyspaces.set(AUTH_KEYSPACE, keyspace);
  return { version: newVersion, keyspaces };
}
