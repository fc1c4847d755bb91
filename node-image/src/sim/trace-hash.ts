// An incremental 64-bit FNV-1a hash (two 32-bit lanes) of everything a run does: events run,
// bytes delivered, operations and their outcomes. Two runs of one seed must end with equal hashes.

const FNV_PRIME = 0x01000193;
const scratch = new DataView(new ArrayBuffer(8));

export class TraceHash {
  private low = 0x811c9dc5;
  private high = 0x050c5d1f;
  /** Items hashed so far. */
  count = 0;

  addString(text: string): void {
    let low = this.low;
    let high = this.high;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      low = Math.imul(low ^ (c & 0xff), FNV_PRIME);
      high = Math.imul(high ^ (c >>> 8) ^ (low >>> 24), FNV_PRIME);
    }
    this.low = low >>> 0;
    this.high = high >>> 0;
    this.count++;
  }

  addNumber(value: number): void {
    scratch.setFloat64(0, value);
    let low = this.low;
    let high = this.high;
    for (let i = 0; i < 8; i++) {
      const b = scratch.getUint8(i);
      low = Math.imul(low ^ b, FNV_PRIME);
      high = Math.imul(high ^ b ^ (low >>> 24), FNV_PRIME);
    }
    this.low = low >>> 0;
    this.high = high >>> 0;
    this.count++;
  }

  addBytes(bytes: Uint8Array): void {
    let low = this.low;
    let high = this.high;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      low = Math.imul(low ^ b, FNV_PRIME);
      high = Math.imul(high ^ b ^ (low >>> 24), FNV_PRIME);
    }
    this.low = low >>> 0;
    this.high = high >>> 0;
    this.count++;
  }

  /** 16 hex digits. */
  hex(): string {
    return this.high.toString(16).padStart(8, '0') + this.low.toString(16).padStart(8, '0');
  }
}
