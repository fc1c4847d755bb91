// Cell paths of non-frozen list elements are version-1 UUIDs whose timestamps order the list.
// Appends take fresh, increasing timeuuids; prepends take timestamps mirrored around a reference
// instant (2010-01-01, as Cassandra does), so each prepend sorts before every earlier element.

const REFERENCE_TIME_MS = 1262304000000;
/** 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch. */
const UUID_EPOCH_OFFSET_100NS = 122192928000000000n;

export class ListPathSource {
  private lastPrependMs = Number.POSITIVE_INFINITY;
  private prependSub = 9999;
  private readonly nodeAndClock: Buffer;

  /** `nodeAndClock`: 8 random bytes (clock sequence and node) fixed per source. */
  constructor(nodeAndClock: Buffer) {
    this.nodeAndClock = Buffer.from(nodeAndClock.subarray(0, 8));
    this.nodeAndClock[0] = (this.nodeAndClock[0]! & 0x3f) | 0x80;
  }

  /** A timeuuid that sorts before every path this source produced before (for prepends). */
  nextPrependPath(nowMs: number): Buffer {
    const mirrored = REFERENCE_TIME_MS - (nowMs - REFERENCE_TIME_MS);
    if (mirrored < this.lastPrependMs) {
      this.lastPrependMs = mirrored;
      this.prependSub = 9999;
    } else {
      this.prependSub--;
      if (this.prependSub < 0) {
        this.lastPrependMs--;
        this.prependSub = 9999;
      }
    }
    return this.uuidAt(this.lastPrependMs, this.prependSub);
  }

  private uuidAt(ms: number, sub100ns: number): Buffer {
    const t = BigInt(ms) * 10000n + BigInt(sub100ns) + UUID_EPOCH_OFFSET_100NS;
    const out = Buffer.allocUnsafe(16);
    out.writeUInt32BE(Number(t & 0xffffffffn), 0);
    out.writeUInt16BE(Number((t >> 32n) & 0xffffn), 4);
    out.writeUInt16BE(Number((t >> 48n) & 0x0fffn) | 0x1000, 6);
    this.nodeAndClock.copy(out, 8);
    return out;
  }
}
