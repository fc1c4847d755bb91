// GET /ring[?keyspace=]: the token ring (nodetool ring) and per-endpoint ownership (nodetool
// status "Owns"): effective ownership when a keyspace is given, raw token ownership otherwise.
import { z } from 'zod';
import { AddressSchema, DatacenterNameSchema, HostIdSchema, LIST_ITEMS_MAX, RackNameSchema, TokenStringSchema } from './common.ts';
import { EndpointStateSchema, EndpointStatusSchema } from './cluster-view.ts';

export const RingSchema = z.object({
  keyspace: z.string().nullable(),
  /** Sorted by token (signed order). */
  tokens: z.array(z.object({ token: TokenStringSchema, address: AddressSchema })).max(LIST_ITEMS_MAX * 16),
  endpoints: z.array(z.object({
    address: AddressSchema,
    hostId: HostIdSchema.nullable(),
    datacenter: DatacenterNameSchema.nullable(),
    rack: RackNameSchema.nullable(),
    status: EndpointStatusSchema,
    state: EndpointStateSchema,
    /** Fraction of the ring (0..1) this endpoint owns; effective (with replication) if keyspace set. */
    ownership: z.number().min(0).max(1),
  })).max(LIST_ITEMS_MAX),
});
export type Ring = z.infer<typeof RingSchema>;
