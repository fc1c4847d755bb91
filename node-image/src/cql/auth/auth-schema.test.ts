import { describe, expect, it } from 'vitest';
import { AUTH_KEYSPACE, AUTH_TABLES, systemTableId, withAuthSchema } from './auth-schema.ts';

describe('system_auth schema', () => {
  it('uses the table ids Cassandra 5.0.9 reports in system_schema.tables', () => {
    expect(Object.fromEntries([...AUTH_TABLES.values()].map((t) => [t.name, t.id]))).toEqual({
      network_permissions: 'd46780c2-2f1c-3db9-b4c1-b8d9fbc0cc23',
      resource_role_permissons_index: '5f2fbdad-91f1-3946-bd25-d5da3a5c35ec',
      role_members: '0ecdaa87-f8fb-3e60-88d1-74fb36fe5c0d',
      role_permissions: '3afbe79f-2194-31a7-add7-f5ab90d8ec9c',
      roles: '5bc52802-de25-35ed-aeab-188eecebb090',
    });
    expect(systemTableId('system_auth', 'roles')).toBe('5bc52802-de25-35ed-aeab-188eecebb090');
  });

  it('has Cassandra columns for roles and role_members', () => {
    const roles = AUTH_TABLES.get('roles')!;
    expect(roles.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['role:partition_key', 'can_login:regular', 'is_superuser:regular', 'member_of:regular', 'salted_hash:regular']);
    expect(roles.options.gcGraceSeconds).toBe(7_776_000);
    expect(roles.options.comment).toBe('role definitions');
    expect(AUTH_TABLES.get('role_members')!.columns.map((c) => `${c.name}:${c.kind}`)).toEqual(['role:partition_key', 'member:clustering']);
  });

  it('adds the keyspace once, keeps an altered replication, and fills in missing tables', () => {
    const empty = { version: 'v0', keyspaces: new Map() };
    const first = withAuthSchema(empty, 'v1');
    const ks = first.keyspaces.get(AUTH_KEYSPACE)!;
    expect(ks.replication).toEqual({ class: 'org.apache.cassandra.locator.SimpleStrategy', options: { replication_factor: '1' } });
    expect([...ks.tables.keys()]).toEqual(['network_permissions', 'resource_role_permissons_index', 'role_members', 'role_permissions', 'roles']);
    expect(withAuthSchema(first, 'v2')).toBe(first);

    const altered = { ...ks, replication: { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', options: { dc1: '3' } } };
    const partial = new Map(altered.tables);
    partial.delete('network_permissions');
    const snapshot = { version: 'v3', keyspaces: new Map([[AUTH_KEYSPACE, { ...altered, tables: partial }]]) };
    const repaired = withAuthSchema(snapshot, 'v4');
    expect(repaired.version).toBe('v4');
    expect(repaired.keyspaces.get(AUTH_KEYSPACE)!.replication.options).toEqual({ dc1: '3' });
    expect([...repaired.keyspaces.get(AUTH_KEYSPACE)!.tables.keys()]).toContain('network_permissions');
  });
});
