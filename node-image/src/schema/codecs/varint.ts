// Arbitrary-precision integers as CQL varints: minimal big-endian two's complement (0 is one 0x00
// byte). Decoding accepts non-minimal encodings (extra sign bytes) as Cassandra does.

const HEX_DIGITS_PER_BYTE = 2;

/** Minimal two's-complement big-endian bytes of `value`. */
export function bigintToVarint(value: bigint): Buffer {
  if (value >= 0n) {
    let hex = value.toString(16);
    if (hex.length % HEX_DIGITS_PER_BYTE !== 0) hex = '0' + hex;
    // A leading byte >= 0x80 would read back negative: prepend a sign byte.
    if (parseInt(hex[0]!, 16) >= 8) hex = '00' + hex;
    return Buffer.from(hex, 'hex');
  }
  // Smallest byte count n with -2^(8n-1) <= value.
  let byteCount = 1;
  while (value < -(1n << BigInt(byteCount * 8 - 1))) byteCount++;
  const unsigned = (1n << BigInt(byteCount * 8)) + value;
  return Buffer.from(unsigned.toString(16).padStart(byteCount * HEX_DIGITS_PER_BYTE, '0'), 'hex');
}

/** The integer encoded by `bytes` (two's complement, big-endian); empty reads as 0. */
export function varintToBigint(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  const unsigned = BigInt('0x' + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex'));
  return (bytes[0]! & 0x80) !== 0 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}
