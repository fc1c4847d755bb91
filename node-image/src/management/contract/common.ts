// Shared value shapes of the management contract: tokens as decimal strings (signed 64-bit do not
// fit a JSON number), host ids as UUIDs, names bounded as CQL and Kubernetes bound them.
import { z } from 'zod';

/** A Murmur3 token, signed 64-bit, as a decimal string. */
export const TokenStringSchema = z.string().regex(/^-?\d{1,19}$/);
export const HostIdSchema = z.uuid();
export const AddressSchema = z.string().min(1).max(253);
/** Keyspace and table names: CQL allows up to 48 characters ([A-Za-z0-9_]). */
export const CqlNameSchema = z.string().regex(/^[A-Za-z0-9_]{1,48}$/);
export const DatacenterNameSchema = z.string().min(1).max(63);
export const RackNameSchema = z.string().min(1).max(63);
/** Milliseconds since the Unix epoch (wall clock of the node). */
export const EpochMsSchema = z.number().int().nonnegative();
export const BytesSchema = z.number().int().nonnegative();
/** Limit on lists a node returns (tables, endpoints, jobs): every list has a bound. */
export const LIST_ITEMS_MAX = 10_000;
/** Tokens per node (num_tokens) the contract accepts. */
export const NODE_TOKENS_MAX = 1536;
