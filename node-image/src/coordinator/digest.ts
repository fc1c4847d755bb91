// Read digests: MD5 of a read result's encoded bytes (coordinator-messages.ts), as Cassandra 4.x
// hashes serialized results with MD5. Internal to the cluster: only equality matters.
import { createHash } from 'node:crypto';

export const DIGEST_BYTES = 16;

export function digestOf(bytes: Uint8Array): Buffer {
  return createHash('md5').update(bytes).digest();
}
