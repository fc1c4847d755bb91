// Payloads of PAXOS_PREPARE / PAXOS_PROPOSE / PAXOS_COMMIT and their responses
// (docs/design/coordinator.md, "Wire formats"). A request names the partition (table id, key) and
// carries a 16-byte ballot, plus the proposal's mutation (commit-log encoding) for propose and
// commit. A prepare response carries the promise, the replica's promised ballot, and its in-progress
// proposal and most recent commit. Decoders throw CoordinatorMessageError on malformed input.
import { ByteReader, ByteWriter, DecodeError } from '../../storage/index.ts';
import { CoordinatorMessageError } from '../messages/coordinator-messages.ts';
import type { PrepareResponse, PaxosPartition } from './paxos-acceptor.ts';
import { BALLOT_BYTES } from './ballot.ts';
import type { Ballot } from './ballot.ts';
import type { PaxosProposal } from './paxos-state-store.ts';

export interface PaxosRequest extends PaxosPartition {
  readonly ballot: Ballot;
  /** Propose and commit: the proposal's mutation bytes; prepare: null. */
  readonly mutation: Buffer | null;
}

function copyOut(w: ByteWriter): Buffer {
  return Buffer.from(w.view());
}

function decoding<T>(what: string, payload: Buffer, fn: (r: ByteReader) => T): T {
  try {
    const r = new ByteReader(payload);
    const out = fn(r);
    if (r.remaining !== 0) throw new CoordinatorMessageError(`${what}: ${r.remaining} trailing bytes`);
    return out;
  } catch (error) {
    if (error instanceof DecodeError) throw new CoordinatorMessageError(`malformed ${what}: ${error.message}`);
    throw error;
  }
}

function readBallot(r: ByteReader): Ballot {
  return Buffer.from(r.bytes(BALLOT_BYTES));
}

function writeProposal(w: ByteWriter, p: PaxosProposal | null): void {
  if (p === null) {
    w.u8(0);
    return;
  }
  w.u8(1);
  w.bytes(p.ballot);
  w.varBytes(p.mutation);
}

function readProposal(r: ByteReader): PaxosProposal | null {
  const has = r.u8();
  if (has === 0) return null;
  if (has !== 1) throw new CoordinatorMessageError('bad proposal flag');
  const ballot = readBallot(r);
  return { ballot, mutation: Buffer.from(r.varBytes()) };
}

export class PaxosMessageCodec {
  private readonly writer = new ByteWriter(1024);

  request(req: PaxosRequest): Buffer {
    const w = this.writer;
    w.reset();
    w.string(req.tableId);
    w.varBytes(req.key);
    w.bytes(req.ballot);
    if (req.mutation === null) w.u8(0);
    else {
      w.u8(1);
      w.varBytes(req.mutation);
    }
    return copyOut(w);
  }

  prepareResponse(res: PrepareResponse): Buffer {
    const w = this.writer;
    w.reset();
    w.u8(res.promised ? 1 : 0);
    w.bytes(res.promisedBallot);
    writeProposal(w, res.inProgress);
    writeProposal(w, res.mostRecentCommit);
    return copyOut(w);
  }

  proposeResponse(accepted: boolean): Buffer {
    return Buffer.from([accepted ? 1 : 0]);
  }
}

export function decodePaxosRequest(payload: Buffer): PaxosRequest {
  return decoding('Paxos request', payload, (r) => {
    const tableId = r.string();
    const key = Buffer.from(r.varBytes());
    const ballot = readBallot(r);
    const mutation = r.u8() === 1 ? Buffer.from(r.varBytes()) : null;
    return { tableId, key, ballot, mutation };
  });
}

export function decodePrepareResponse(payload: Buffer): PrepareResponse {
  return decoding('Paxos prepare response', payload, (r) => {
    const promised = r.u8() === 1;
    const promisedBallot = readBallot(r);
    const inProgress = readProposal(r);
    return { promised, promisedBallot, inProgress, mostRecentCommit: readProposal(r) };
  });
}

export function decodeProposeResponse(payload: Buffer): boolean {
  if (payload.length !== 1 || payload[0]! > 1) throw new CoordinatorMessageError('malformed Paxos propose response');
  return payload[0] === 1;
}
