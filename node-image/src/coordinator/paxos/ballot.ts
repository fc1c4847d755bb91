// Paxos ballots: version 1 (time-based) UUIDs whose timestamp is a microsecond count, as
// Cassandra's ballots are. Ballots order by their microseconds, then by the clock-sequence-and-node
// bytes (unsigned), so two coordinators never produce equal ballots. A generator hands out ballots
// strictly above every ballot it has been told about (its own and those seen in replies).
import type { Clock, Random } from '../../io/index.ts';
import { assert } from '../../lib/index.ts';

export const BALLOT_BYTES = 16;
/** 100 ns ticks between the UUID epoch (1582-10-15) and the Unix epoch. */
const UUID_EPOCH_OFFSET_TICKS = 0x01b21dd213814000n;
const TICKS_PER_MICRO = 10n;

export type Ballot = Buffer;

export function ballotFromMicros(micros: number, clockSeqAndNode: Buffer): Ballot {
  assert(Number.isSafeInteger(micros) && micros > 0, 'ballot micros must be a positive safe integer');
  assert(clockSeqAndNode.length === 8, 'clock sequence and node are 8 bytes');
  const ticks = BigInt(micros) * TICKS_PER_MICRO + UUID_EPOCH_OFFSET_TICKS;
  const out = Buffer.alloc(BALLOT_BYTES);
  out.writeUInt32BE(Number(ticks & 0xffffffffn), 0);
  out.writeUInt16BE(Number((ticks >> 32n) & 0xffffn), 4);
  out.writeUInt16BE(Number((ticks >> 48n) & 0x0fffn) | 0x1000, 6);
  clockSeqAndNode.copy(out, 8);
  // RFC 4122 variant bits.
  out[8] = (out[8]! & 0x3f) | 0x80;
  return out;
}

/** The microsecond timestamp of a ballot (what a Paxos commit writes with). */
export function ballotMicros(ballot: Ballot): number {
  assert(ballot.length === BALLOT_BYTES, 'a ballot is 16 bytes');
  const low = BigInt(ballot.readUInt32BE(0));
  const mid = BigInt(ballot.readUInt16BE(4));
  const high = BigInt(ballot.readUInt16BE(6) & 0x0fff);
  const ticks = (high << 48n) | (mid << 32n) | low;
  return Number((ticks - UUID_EPOCH_OFFSET_TICKS) / TICKS_PER_MICRO);
}

export function compareBallots(a: Ballot, b: Ballot): number {
  const ma = ballotMicros(a);
  const mb = ballotMicros(b);
  if (ma !== mb) return ma < mb ? -1 : 1;
  return Buffer.compare(a.subarray(8), b.subarray(8));
}

/** The newer of two optional ballots. */
export function maxBallot(a: Ballot | null, b: Ballot | null): Ballot | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareBallots(a, b) >= 0 ? a : b;
}

export class BallotGenerator {
  private readonly clock: Clock;
  private readonly node: Buffer;
  private lastMicros = 0;

  constructor(options: { clock: Clock; random: Random }) {
    this.clock = options.clock;
    this.node = Buffer.alloc(8);
    options.random.fillBytes(this.node);
  }

  /** Notes a ballot seen in a reply so the next one is above it. */
  observe(ballot: Ballot): void {
    this.lastMicros = Math.max(this.lastMicros, ballotMicros(ballot));
  }

  /** A new ballot above every ballot created or observed so far. */
  next(): Ballot {
    const now = Math.floor(this.clock.nowMs() * 1000);
    this.lastMicros = now > this.lastMicros ? now : this.lastMicros + 1;
    return ballotFromMicros(this.lastMicros, this.node);
  }
}
