// Column names as dictionary indexes (SSTable Data, encoded memtable rows): a name's index is its
// order of first use. An SSTable stores the list in its Statistics; a memtable's encoded rows
// share one dictionary with the SSTable their flush writes, so their bytes are copied as they are.
import { DecodeError } from './byte-reader.ts';
import type { ByteReader } from './byte-reader.ts';
import type { ByteWriter } from './byte-writer.ts';
import type { ColumnNameReader, ColumnNameWriter } from './partition-codec.ts';

export class ColumnDictionary implements ColumnNameWriter, ColumnNameReader {
  /** The names by index (append-only: an index never changes meaning). */
  readonly names: string[] = [];
  private readonly indexes = new Map<string, number>();

  /** `names`: the dictionary to continue (indexes 0 .. n-1), e.g. a compaction input's. */
  constructor(names: readonly string[] = []) {
    for (const name of names) {
      if (this.indexes.has(name)) continue;
      this.indexes.set(name, this.names.length);
      this.names.push(name);
    }
  }

  write(writer: ByteWriter, name: string): void {
    let i = this.indexes.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.indexes.set(name, i);
    }
    writer.varint(i);
  }

  read(reader: ByteReader): string {
    const at = reader.offset;
    const name = this.names[reader.varint()];
    if (name === undefined) throw new DecodeError('column index beyond the dictionary', at);
    return name;
  }
}
