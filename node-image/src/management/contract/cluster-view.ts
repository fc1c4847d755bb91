// GET /cluster: every endpoint as this node's gossip sees it (nodetool status/gossipinfo). The
// operator reads decommission progress (LEAVING -> LEFT), joins and dead nodes from here.
import { z } from 'zod';
import { AddressSchema, BytesSchema, DatacenterNameSchema, HostIdSchema, LIST_ITEMS_MAX, RackNameSchema } from './common.ts';

/** Failure-detector view: UP or DOWN. */
export const EndpointStatusSchema = z.enum(['UP', 'DOWN']);
export type EndpointStatus = z.infer<typeof EndpointStatusSchema>;

/**
 * Ring state from gossip STATUS_WITH_PORT, normalised: BOOT -> JOINING, BOOT_REPLACE -> REPLACING,
 * removing -> REMOVING, removed -> REMOVED, hibernate -> HIBERNATING, shutdown -> SHUTDOWN.
 * UNKNOWN when the endpoint has not gossiped a status yet.
 */
export const EndpointStateSchema = z.enum([
  'JOINING',
  'REPLACING',
  'NORMAL',
  'LEAVING',
  'LEFT',
  'MOVING',
  'REMOVING',
  'REMOVED',
  'HIBERNATING',
  'SHUTDOWN',
  'UNKNOWN',
]);
export type EndpointState = z.infer<typeof EndpointStateSchema>;

export const EndpointViewSchema = z.object({
  address: AddressSchema,
  hostId: HostIdSchema.nullable(),
  datacenter: DatacenterNameSchema.nullable(),
  rack: RackNameSchema.nullable(),
  status: EndpointStatusSchema,
  state: EndpointStateSchema,
  tokenCount: z.number().int().nonnegative(),
  loadBytes: BytesSchema.nullable(),
  schemaVersion: z.uuid().nullable(),
  releaseVersion: z.string().max(64).nullable(),
  /** RPC_READY: the endpoint serves CQL. */
  rpcReady: z.boolean(),
  /** True for the answering node itself. */
  isSelf: z.boolean(),
  heartbeat: z.object({ generation: z.number().int(), version: z.number().int() }),
  /** Raw application states by name (STATUS_WITH_PORT, LOAD, ...), for gossipinfo. */
  applicationStates: z.record(z.string().max(64), z.string().max(8192)),
});
export type EndpointView = z.infer<typeof EndpointViewSchema>;

export const ClusterViewSchema = z.object({
  clusterName: z.string().min(1).max(256),
  partitioner: z.string().max(256),
  endpoints: z.array(EndpointViewSchema).max(LIST_ITEMS_MAX),
});
export type ClusterView = z.infer<typeof ClusterViewSchema>;
