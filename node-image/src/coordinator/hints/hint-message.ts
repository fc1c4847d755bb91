// The HINT verb's payload: the target's host id, then a hint file entry's body (f64 creation
// millis, varint gc_grace_seconds, the mutation in the commit-log encoding). The host id lets a
// node receive hints meant for another host (hints transferred by a decommissioning node) and the
// creation time lets the receiver drop updates of tables truncated after the hint was written.
import { ByteReader, ByteWriter, DecodeError } from '../../storage/index.ts';
import { CoordinatorMessageError } from '../messages/coordinator-messages.ts';

export interface HintMessage {
  readonly targetHostId: string;
  readonly createdAtMs: number;
  readonly gcGraceSeconds: number;
  /** The mutation, commit-log encoding. */
  readonly mutationBytes: Buffer;
}

/** A hint's HINT payload (fresh buffer: the transport may keep it). */
export function encodeHintMessage(hint: HintMessage): Buffer {
  const w = new ByteWriter(64 + hint.mutationBytes.length);
  w.string(hint.targetHostId);
  w.f64(hint.createdAtMs);
  w.varint(hint.gcGraceSeconds);
  w.bytes(hint.mutationBytes);
  return Buffer.from(w.view());
}

export function decodeHintMessage(payload: Buffer): HintMessage {
  try {
    const r = new ByteReader(payload);
    const targetHostId = r.string();
    const createdAtMs = r.f64();
    const gcGraceSeconds = r.varint();
    if (!Number.isFinite(createdAtMs)) throw new CoordinatorMessageError(`hint message: creation time ${createdAtMs}`);
    if (r.remaining === 0) throw new CoordinatorMessageError('hint message without a mutation');
    return { targetHostId, createdAtMs, gcGraceSeconds, mutationBytes: payload.subarray(r.offset) };
  } catch (error) {
    if (error instanceof DecodeError || error instanceof RangeError) throw new CoordinatorMessageError(`malformed hint message: ${error.message}`);
    throw error;
  }
}
