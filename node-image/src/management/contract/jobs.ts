// Operations run as jobs: POST /ops/{operation} answers 202 with a Job; GET /jobs/{id} polls it.
// Jobs are idempotent by requestId, so a caller that crashed after submitting can submit again and
// get the same job back. Exclusive operations run at most one at a time per node.
import { z } from 'zod';
import { CqlNameSchema, DatacenterNameSchema, EpochMsSchema, HostIdSchema, TokenStringSchema } from './common.ts';
import { ManagementErrorCodeSchema } from './errors.ts';

export const OperationSchema = z.enum([
  'decommission',
  'drain',
  'repair',
  'cleanup',
  'rebuild',
  'flush',
  'compact',
  'removenode',
  'seeds-reload',
  'garbagecollect',
  'verify',
  'scrub',
]);
export type Operation = z.infer<typeof OperationSchema>;
export const OPERATIONS = OperationSchema.options;

/** At most one of these runs on a node at a time; a second gets MGMT_ERR_OPERATION_IN_PROGRESS. */
export const EXCLUSIVE_OPERATIONS: ReadonlySet<Operation> = new Set(['decommission', 'drain', 'rebuild', 'removenode']);
/** Finished jobs a node keeps (oldest dropped first), and for how long at least. */
export const JOBS_KEPT_MAX = 100;
export const JOB_RETENTION_MS = 60 * 60 * 1000;
export const REQUEST_ID_CHARS_MAX = 128;

/**
 * Chosen by the caller; the same requestId within JOB_RETENTION_MS returns the existing job
 * (200 instead of 202) whatever the body. The operator uses `<cluster>/<operation-journal-id>/<pod>`.
 */
const requestId = z.string().min(1).max(REQUEST_ID_CHARS_MAX).optional();
const tables = z.array(CqlNameSchema).max(1000).optional();

export const DecommissionRequestSchema = z.object({
  requestId,
  /** Skip the "DC would drop below a keyspace's RF" refusal (Cassandra's --force). */
  force: z.boolean().default(false),
});
export const DrainRequestSchema = z.object({ requestId });
export const RepairRequestSchema = z.object({
  requestId,
  /** All non-system keyspaces when absent. */
  keyspace: CqlNameSchema.optional(),
  tables,
  /** Repair only this node's primary ranges (-pr). Running it on every node repairs each range once. */
  primaryRange: z.boolean().default(true),
  /** Full repair (all SSTables). Incremental repair is not offered yet. */
  full: z.literal(true).default(true),
  /** Restrict participants to these DCs (-dc); all DCs when absent. */
  datacenters: z.array(DatacenterNameSchema).max(64).optional(),
  /** Subrange (-st/-et), both or neither, decimal tokens. */
  startToken: TokenStringSchema.optional(),
  endToken: TokenStringSchema.optional(),
  /** Fraction of streaming/validation throughput to use, (0, 1]. 1 = unthrottled. */
  intensity: z.number().gt(0).max(1).default(1),
}).refine((r) => (r.startToken === undefined) === (r.endToken === undefined), {
  message: 'startToken and endToken go together',
});
export const CleanupRequestSchema = z.object({ requestId, keyspace: CqlNameSchema.optional(), tables });
export const RebuildRequestSchema = z.object({
  requestId,
  /** Stream from replicas in this DC only (a new DC rebuilds from an existing one). */
  sourceDatacenter: DatacenterNameSchema.optional(),
  keyspace: CqlNameSchema.optional(),
});
export const FlushRequestSchema = z.object({ requestId, keyspace: CqlNameSchema.optional(), tables });
export const CompactRequestSchema = z.object({
  requestId,
  keyspace: CqlNameSchema.optional(),
  tables,
  splitOutput: z.boolean().default(false),
});
export const RemoveNodeRequestSchema = z.object({
  requestId,
  /** Host id of a DOWN node to remove from the ring. */
  hostId: HostIdSchema,
  /** Finish a stuck removal without waiting for streams (removenode force). */
  force: z.boolean().default(false),
});
export const SeedsReloadRequestSchema = z.object({ requestId });
/** Drop data shadowed by other SSTables' deletions, one SSTable at a time (nodetool garbagecollect). */
export const GarbageCollectRequestSchema = z.object({ requestId, keyspace: CqlNameSchema.optional(), tables });
/** Check every SSTable's checksums and structure; corrupt ones are quarantined (nodetool verify). */
export const VerifyRequestSchema = z.object({ requestId, keyspace: CqlNameSchema.optional(), tables });
/** Rewrite SSTables around corrupt blocks and salvage quarantined ones (nodetool scrub). */
export const ScrubRequestSchema = z.object({ requestId, keyspace: CqlNameSchema.optional(), tables });

/** Request body schema per operation. */
export const OPERATION_REQUEST_SCHEMAS = {
  decommission: DecommissionRequestSchema,
  drain: DrainRequestSchema,
  repair: RepairRequestSchema,
  cleanup: CleanupRequestSchema,
  rebuild: RebuildRequestSchema,
  flush: FlushRequestSchema,
  compact: CompactRequestSchema,
  removenode: RemoveNodeRequestSchema,
  'seeds-reload': SeedsReloadRequestSchema,
  garbagecollect: GarbageCollectRequestSchema,
  verify: VerifyRequestSchema,
  scrub: ScrubRequestSchema,
} as const satisfies Record<Operation, z.ZodType>;
/** What a caller passes (defaults optional). */
export type OperationRequest<O extends Operation> = z.input<(typeof OPERATION_REQUEST_SCHEMAS)[O]>;

export const JobStateSchema = z.enum(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);
export type JobState = z.infer<typeof JobStateSchema>;
export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export const JobProgressSchema = z.object({
  /** What done/total count: ranges for repair/rebuild, bytes for streams, tables for flush/compact/cleanup. */
  unit: z.enum(['ranges', 'bytes', 'tables', 'steps']),
  done: z.number().nonnegative(),
  total: z.number().nonnegative(),
  /** Human text of the current step, e.g. "streaming 3/7 ranges to 10.0.0.4". */
  message: z.string().max(1024),
});
export type JobProgress = z.infer<typeof JobProgressSchema>;

export const JobSchema = z.object({
  id: z.string().min(1).max(128),
  operation: OperationSchema,
  requestId: z.string().max(REQUEST_ID_CHARS_MAX).nullable(),
  state: JobStateSchema,
  submittedAtMs: EpochMsSchema,
  startedAtMs: EpochMsSchema.nullable(),
  finishedAtMs: EpochMsSchema.nullable(),
  progress: JobProgressSchema,
  /** Set when state is FAILED (or CANCELLED with a reason). */
  error: z.object({ code: ManagementErrorCodeSchema, message: z.string().max(4096) }).nullable(),
  cancellable: z.boolean(),
  /** Operation-specific figures when finished (e.g. repair: rangesRepaired, mismatchedRanges, streamedBytes). */
  result: z.record(z.string().max(64), z.union([z.number(), z.string().max(1024), z.boolean()])),
});
export type Job = z.infer<typeof JobSchema>;

/** GET /jobs: newest first, at most JOBS_KEPT_MAX finished plus the running ones. */
export const JobListSchema = z.object({ jobs: z.array(JobSchema).max(JOBS_KEPT_MAX * 2) });
export type JobList = z.infer<typeof JobListSchema>;
