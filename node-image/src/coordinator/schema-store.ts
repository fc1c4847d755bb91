// Durable home of the schema: one JSON document (docs/formats/schema.md) replaced atomically
// before a schema change is acknowledged, loaded at start before the storage engine opens.
import type { Disk } from '../io/index.ts';
import { parseSchema, serializeSchema } from '../schema/index.ts';
import type { SchemaSnapshot } from '../schema/index.ts';

export const SCHEMA_FILE_NAME = 'schema.json';

export class SchemaStore {
  private readonly disk: Disk;
  private readonly path: string;
  private snapshot: SchemaSnapshot;

  private constructor(disk: Disk, path: string, snapshot: SchemaSnapshot) {
    this.disk = disk;
    this.path = path;
    this.snapshot = snapshot;
  }

  /** Loads the schema from `directory`, or starts from `initial` (persisting it) when there is none. */
  static open(options: { disk: Disk; directory: string; initial: () => SchemaSnapshot }): SchemaStore {
    options.disk.mkdirp(options.directory);
    const path = `${options.directory}/${SCHEMA_FILE_NAME}`;
    if (options.disk.stat(path) !== null) {
      const snapshot = parseSchema(options.disk.readFile(path).toString('utf8'));
      return new SchemaStore(options.disk, path, snapshot);
    }
    const store = new SchemaStore(options.disk, path, options.initial());
    store.install(store.snapshot);
    return store;
  }

  current(): SchemaSnapshot {
    return this.snapshot;
  }

  /** Persists `snapshot` durably, then makes it current. */
  install(snapshot: SchemaSnapshot): void {
    this.disk.writeFileAtomic(this.path, Buffer.from(serializeSchema(snapshot), 'utf8'));
    this.snapshot = snapshot;
  }
}
