// Schema endpoints: schema versions across the cluster (agreement), keyspaces with their
// replication (the operator's RF guard), and a replication change used when a DC is added or removed.
import { z } from 'zod';
import { AddressSchema, CqlNameSchema, DatacenterNameSchema, LIST_ITEMS_MAX } from './common.ts';

/** GET /schema/versions, as `nodetool describecluster`. */
export const SchemaVersionsSchema = z.object({
  /** True when every reachable endpoint reports the same version and none is unreachable. */
  agreement: z.boolean(),
  versions: z.array(z.object({
    schemaVersion: z.uuid(),
    endpoints: z.array(AddressSchema).max(LIST_ITEMS_MAX),
  })).max(LIST_ITEMS_MAX),
  unreachable: z.array(AddressSchema).max(LIST_ITEMS_MAX),
});
export type SchemaVersions = z.infer<typeof SchemaVersionsSchema>;

export const ReplicationStrategyClassSchema = z.enum([
  'SimpleStrategy',
  'NetworkTopologyStrategy',
  'LocalStrategy',
  'EverywhereStrategy',
]);
export type ReplicationStrategyClass = z.infer<typeof ReplicationStrategyClassSchema>;

/** Replication factors: SimpleStrategy uses replicationFactor, NetworkTopologyStrategy datacenters. */
export const ReplicationSchema = z.object({
  class: ReplicationStrategyClassSchema,
  replicationFactor: z.number().int().nonnegative().optional(),
  datacenters: z.record(DatacenterNameSchema, z.number().int().nonnegative()),
});
export type Replication = z.infer<typeof ReplicationSchema>;

export const KeyspaceInfoSchema = z.object({
  name: CqlNameSchema,
  replication: ReplicationSchema,
  durableWrites: z.boolean(),
  /** system* keyspaces; the operator manages system_auth, system_distributed, system_traces. */
  system: z.boolean(),
});
export type KeyspaceInfo = z.infer<typeof KeyspaceInfoSchema>;

/** GET /schema/keyspaces */
export const KeyspacesSchema = z.object({
  keyspaces: z.array(KeyspaceInfoSchema).max(LIST_ITEMS_MAX),
});
export type Keyspaces = z.infer<typeof KeyspacesSchema>;

/**
 * PUT /schema/keyspaces/{keyspace}/replication: ALTER KEYSPACE ... WITH replication =
 * NetworkTopologyStrategy with exactly these per-DC factors. Synchronous; answers after the
 * schema change is applied locally, with the new schema version.
 */
export const SetReplicationRequestSchema = z.object({
  datacenters: z.record(DatacenterNameSchema, z.number().int().min(0).max(32)),
});
export type SetReplicationRequest = z.infer<typeof SetReplicationRequestSchema>;

export const SetReplicationResponseSchema = z.object({
  keyspace: CqlNameSchema,
  replication: ReplicationSchema,
  schemaVersion: z.uuid(),
});
export type SetReplicationResponse = z.infer<typeof SetReplicationResponseSchema>;
