// UUIDs: text <-> bytes, random (version 4) UUIDs, and version 1 time UUIDs. A TimeuuidGenerator
// yields unique, strictly increasing timeuuids: 100 ns ticks from the injected clock, bumped by one
// when the clock has not moved, with a random clock sequence and node fixed per generator.
import { assert, invalidRequest } from '../lib/index.ts';
import type { Clock, Random } from '../io/index.ts';

export const UUID_BYTES = 16;
/** 100 ns intervals between 1582-10-15 (the UUID epoch) and 1970-01-01. */
const UUID_EPOCH_OFFSET_TICKS = 0x01b21dd213814000n;
const TICKS_PER_MS = 10_000n;
const TICKS_MAX = (1n << 60n) - 1n;
/** minTimeuuid/maxTimeuuid use these clock-sequence-and-node bytes: the extremes of the signed byte order timeuuids compare with. */
const MIN_CLOCK_SEQ_AND_NODE = 0x8080808080808080n;
const MAX_CLOCK_SEQ_AND_NODE = 0x7f7f7f7f7f7f7f7fn;
const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Bytes of a `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` string; undefined when malformed. */
export function parseUuid(text: string): Buffer | undefined {
  if (!UUID_PATTERN.test(text)) return undefined;
  return Buffer.from(text.replaceAll('-', ''), 'hex');
}

/** Bytes of a UUID string; throws Invalid on a malformed one. */
export function uuidToBytes(text: string): Buffer {
  const bytes = parseUuid(text);
  if (bytes === undefined) throw invalidRequest(`Unable to make UUID from '${text}'`);
  return bytes;
}

/** Lowercase 8-4-4-4-12 text of 16 UUID bytes. */
export function uuidToString(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The version nibble of a 16-byte UUID. */
export function uuidVersion(bytes: Uint8Array): number {
  return bytes[6]! >> 4;
}

function timeuuidBytes(ticks: bigint, clockSeqAndNode: bigint): Buffer {
  const out = Buffer.alloc(UUID_BYTES);
  const timeLow = ticks & 0xffffffffn;
  const timeMid = (ticks >> 32n) & 0xffffn;
  const timeHi = (ticks >> 48n) & 0x0fffn;
  out.writeUInt32BE(Number(timeLow), 0);
  out.writeUInt16BE(Number(timeMid), 4);
  out.writeUInt16BE(Number(timeHi) | 0x1000, 6);
  out.writeBigUInt64BE(clockSeqAndNode, 8);
  return out;
}

function ticksOfUnixMs(ms: number): bigint {
  return BigInt(Math.floor(ms)) * TICKS_PER_MS + UUID_EPOCH_OFFSET_TICKS;
}

/** The smallest timeuuid of millisecond `ms` (as CQL's minTimeuuid). */
export function minTimeuuid(ms: number): Buffer {
  return timeuuidBytes(ticksOfUnixMs(ms), MIN_CLOCK_SEQ_AND_NODE);
}

/** The largest timeuuid of millisecond `ms` (as CQL's maxTimeuuid). */
export function maxTimeuuid(ms: number): Buffer {
  return timeuuidBytes(ticksOfUnixMs(ms) + TICKS_PER_MS - 1n, MAX_CLOCK_SEQ_AND_NODE);
}

/** The 60-bit timestamp of a version 1 UUID in 100 ns ticks since 1582-10-15. */
export function timeuuidTicks(bytes: Uint8Array): bigint {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (BigInt(b.readUInt16BE(6) & 0x0fff) << 48n) | (BigInt(b.readUInt16BE(4)) << 32n) | BigInt(b.readUInt32BE(0));
}

/** Unix milliseconds of a version 1 UUID (floor), as CQL's toUnixTimestamp(timeuuid). */
export function timeuuidToUnixMs(bytes: Uint8Array): number {
  const ticks = timeuuidTicks(bytes) - UUID_EPOCH_OFFSET_TICKS;
  const ms = ticks / TICKS_PER_MS;
  return Number(ticks < 0n && ticks % TICKS_PER_MS !== 0n ? ms - 1n : ms);
}

/** A random (version 4, IETF variant) UUID. */
export function randomUuid(random: Random): Buffer {
  const out = Buffer.alloc(UUID_BYTES);
  random.fillBytes(out);
  out[6] = (out[6]! & 0x0f) | 0x40;
  out[8] = (out[8]! & 0x3f) | 0x80;
  return out;
}

/** Strictly increasing version 1 UUIDs for one owner (a shard or a node): never share one across threads. */
export class TimeuuidGenerator {
  private readonly clock: Clock;
  private readonly clockSeqAndNode: bigint;
  private lastTicks = 0n;

  constructor(clock: Clock, random: Random) {
    this.clock = clock;
    const bits = Buffer.alloc(8);
    random.fillBytes(bits);
    bits[0] = (bits[0]! & 0x3f) | 0x80; // IETF variant over a 14-bit random clock sequence
    bits[2] = bits[2]! | 0x01; // multicast bit: a random node id, not a MAC address (RFC 4122 4.5)
    this.clockSeqAndNode = bits.readBigUInt64BE(0);
  }

  /** The next timeuuid: its time is the clock's, or one tick past the previous one if the clock has not advanced. */
  next(): Buffer {
    let ticks = ticksOfUnixMs(this.clock.nowMs());
    if (ticks <= this.lastTicks) ticks = this.lastTicks + 1n;
    assert(ticks <= TICKS_MAX, "timeuuid clock past year 5236");
    this.lastTicks = ticks;
    return timeuuidBytes(ticks, this.clockSeqAndNode);
  }

  /** A timeuuid for millisecond `ms` with this generator's clock sequence and node (not tracked for monotonicity). */
  atMs(ms: number): Buffer {
    return timeuuidBytes(ticksOfUnixMs(ms), this.clockSeqAndNode);
  }
}
