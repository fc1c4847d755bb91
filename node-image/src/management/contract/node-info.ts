// GET /node: who this node is and what it is doing (Cassandra's `nodetool info` plus the fields
// the operator needs: host id, operation mode, tokens, load, disk space, schema version).
import { z } from 'zod';
import { AddressSchema, BytesSchema, DatacenterNameSchema, EpochMsSchema, HostIdSchema, NODE_TOKENS_MAX, RackNameSchema, TokenStringSchema } from './common.ts';

/** Cassandra's StorageService operation modes. */
export const OperationModeSchema = z.enum([
  'STARTING',
  'JOINING',
  'NORMAL',
  'LEAVING',
  'DECOMMISSIONED',
  'MOVING',
  'DRAINING',
  'DRAINED',
]);
export type OperationMode = z.infer<typeof OperationModeSchema>;

export const NodeInfoSchema = z.object({
  /** Null until the node has a host id (first boot before joining). */
  hostId: HostIdSchema.nullable(),
  clusterName: z.string().min(1).max(256),
  datacenter: DatacenterNameSchema,
  rack: RackNameSchema,
  operationMode: OperationModeSchema,
  /** True once the node finished joining the ring at least once (its tokens are saved). */
  bootstrapped: z.boolean(),
  /** True when the node's own address is among the resolved seeds. */
  isSeed: z.boolean(),
  listenAddress: AddressSchema,
  rpcAddress: AddressSchema,
  nativeTransportPort: z.number().int().min(1).max(65535),
  storagePort: z.number().int().min(1).max(65535),
  nativeTransportRunning: z.boolean(),
  gossipRunning: z.boolean(),
  releaseVersion: z.string().max(64),
  schemaVersion: z.uuid().nullable(),
  /** This node's tokens (decimal strings); empty before it has any. */
  tokens: z.array(TokenStringSchema).max(NODE_TOKENS_MAX),
  /** Live on-disk size of the node's data (SSTables), as gossip LOAD. */
  loadBytes: BytesSchema,
  /** Space of the filesystem holding the first data directory. */
  dataDisk: z.object({ totalBytes: BytesSchema, freeBytes: BytesSchema }),
  startedAtMs: EpochMsSchema,
  uptimeMs: z.number().int().nonnegative(),
  managementApi: z.object({
    version: z.literal('v1'),
    revision: z.number().int().min(1),
  }),
});
export type NodeInfo = z.infer<typeof NodeInfoSchema>;
