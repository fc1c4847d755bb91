// The commit-log serialization of a Mutation (docs/formats/commit-log.md, "Mutation"):
// keyspace, key, token, then one partition body per table update. Column names are inline.
import { assert } from '../../lib/index.ts';
import type { Mutation, PartitionUpdate } from '../model.ts';
import type { ByteReader } from './byte-reader.ts';
import { DecodeError } from './byte-reader.ts';
import { ByteWriter } from './byte-writer.ts';
import { PartitionDecoder, PartitionEncoder, inlineColumnNames } from './partition-codec.ts';
import type { ColumnNameWriter } from './partition-codec.ts';

/** Version of the mutation encoding, stored in every commit-log segment header. */
export const MUTATION_FORMAT_VERSION = 1;
/** Bound on table updates in one mutation (a batch touches at most a few tables). */
export const MUTATION_UPDATES_MAX = 65535;

/** Distinct strings (keyspaces, table ids, column names) whose encoding an encoder keeps. */
export const ENCODED_STRINGS_MAX = 4096;

/**
 * The encoding of recently written strings (varint length + UTF-8), so the names every mutation
 * repeats are copied, not encoded, each time. Same bytes as ByteWriter.string. Bounded: cleared
 * when full.
 */
class EncodedStrings implements ColumnNameWriter {
  private readonly cache = new Map<string, Buffer>();
  private readonly scratch = new ByteWriter(256);

  write(writer: ByteWriter, value: string): void {
    let bytes = this.cache.get(value);
    if (bytes === undefined) {
      this.scratch.reset();
      this.scratch.string(value);
      bytes = Buffer.from(this.scratch.view());
      if (this.cache.size >= ENCODED_STRINGS_MAX) this.cache.clear();
      this.cache.set(value, bytes);
    }
    writer.bytes(bytes);
  }
}

export class MutationEncoder {
  private readonly strings = new EncodedStrings();
  private readonly partition = new PartitionEncoder(this.strings);

  write(writer: ByteWriter, mutation: Mutation): void {
    assert(mutation.updates.length > 0 && mutation.updates.length <= MUTATION_UPDATES_MAX, 'mutation update count');
    this.strings.write(writer, mutation.keyspace);
    writer.varBytes(mutation.key);
    writer.i64(mutation.token);
    writer.varint(mutation.updates.length);
    for (const update of mutation.updates) {
      this.strings.write(writer, update.tableId);
      this.partition.writePartition(writer, update);
    }
  }
}

export class MutationDecoder {
  private readonly partition = new PartitionDecoder(inlineColumnNames);

  read(reader: ByteReader): Mutation {
    const keyspace = reader.string();
    // Copy the key out of the segment buffer so memtables do not pin whole segments.
    const key = Buffer.from(reader.varBytes());
    const token = reader.i64();
    const n = reader.varint();
    if (n === 0 || n > MUTATION_UPDATES_MAX) throw new DecodeError(`bad update count ${n}`, reader.offset);
    const updates: PartitionUpdate[] = [];
    for (let i = 0; i < n; i++) {
      const tableId = reader.string();
      const contents = this.partition.readPartition(reader);
      updates.push({ tableId, key, token, ...contents });
    }
    return { keyspace, key, token, updates };
  }
}
