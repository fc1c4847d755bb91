// Partition keys as Cassandra serializes them (the bytes the Murmur3 token hashes): a single-column
// key is the column's value bytes; a composite key is `[u16 length][bytes][0x00]` per component, in
// partition-key column order (CompositeType without the static marker).
import { assert, invalidRequest } from '../lib/index.ts';
import { codecFor } from './codecs/type-codec.ts';
import type { CqlType } from './cql-type.ts';

/** Cassandra refuses partition keys (and each composite component) longer than an unsigned short. */
export const PARTITION_KEY_BYTES_MAX = 0xffff;
const COMPONENT_LENGTH_BYTES = 2;
const END_OF_COMPONENT = 0x00;

function checkLength(length: number): void {
  if (length > PARTITION_KEY_BYTES_MAX) throw invalidRequest(`Key length of ${length} is longer than maximum of ${PARTITION_KEY_BYTES_MAX}`);
}

/** The serialized partition key of the partition-key column values (in column order). */
export function serializePartitionKey(components: readonly Buffer[]): Buffer {
  assert(components.length > 0, 'a partition key has at least one component');
  if (components.length === 1) {
    checkLength(components[0]!.length);
    return components[0]!;
  }
  let size = 0;
  for (const c of components) {
    checkLength(c.length);
    size += COMPONENT_LENGTH_BYTES + c.length + 1;
  }
  const out = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const c of components) {
    out.writeUInt16BE(c.length, offset);
    offset += COMPONENT_LENGTH_BYTES;
    c.copy(out, offset);
    offset += c.length;
    out[offset++] = END_OF_COMPONENT;
  }
  return out;
}

/** The column values of a serialized partition key with `count` components (views into `key`). */
export function splitPartitionKey(key: Buffer, count: number): Buffer[] {
  assert(count > 0, 'a partition key has at least one component');
  if (count === 1) return [key];
  const parts: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    assert(offset + COMPONENT_LENGTH_BYTES <= key.length, `partition key too short for component ${i}`);
    const length = key.readUInt16BE(offset);
    offset += COMPONENT_LENGTH_BYTES;
    assert(offset + length + 1 <= key.length, `partition key too short for component ${i}`);
    parts.push(key.subarray(offset, offset + length));
    offset += length;
    assert(key[offset] === END_OF_COMPONENT, `partition key component ${i} lacks its end-of-component byte`);
    offset++;
  }
  assert(offset === key.length, 'partition key has bytes after its last component');
  return parts;
}

/** Human-readable key for logs and errors: components displayed as cqlsh does, joined by ':'. */
export function keyToString(key: Buffer, partitionKeyTypes: readonly CqlType[]): string {
  try {
    const parts = splitPartitionKey(key, partitionKeyTypes.length);
    return parts.map((part, i) => {
      const codec = codecFor(partitionKeyTypes[i]!);
      codec.validate(part);
      return codec.format(part).replaceAll('\\', '\\\\').replaceAll(':', '\\:');
    }).join(':');
  } catch {
    return `0x${key.toString('hex')}`;
  }
}
