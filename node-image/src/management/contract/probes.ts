// Probes: liveness (the process answers) and readiness (NORMAL in the ring and serving CQL).
// Both are open (no token) so kubelet probes work; readiness answers 503 with the same body when not ready.
import { z } from 'zod';
import { OperationModeSchema } from './node-info.ts';

export const LivenessSchema = z.object({
  status: z.literal('alive'),
  uptimeMs: z.number().int().nonnegative(),
});
export type Liveness = z.infer<typeof LivenessSchema>;

/** Why a node is not ready; stable strings so the operator can show them. */
export const NotReadyReasonSchema = z.enum([
  'STARTING',
  'NOT_NORMAL',
  'NATIVE_TRANSPORT_DOWN',
  'GOSSIP_DOWN',
  'DRAINED',
]);
export type NotReadyReason = z.infer<typeof NotReadyReasonSchema>;

export const ReadinessSchema = z.object({
  ready: z.boolean(),
  operationMode: OperationModeSchema,
  nativeTransportRunning: z.boolean(),
  /** Empty when ready. */
  reasons: z.array(NotReadyReasonSchema).max(8),
});
export type Readiness = z.infer<typeof ReadinessSchema>;
