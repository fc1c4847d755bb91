// Test-only CqlService: records every call and answers through a replaceable handler. The default
// handler knows a few statements: `SELECT v FROM ks.t` (one int row), `USE <ks>`, `FAIL` (Invalid),
// `THROW` (a plain Error), `HANG` (never answers until released) and anything else -> Void.
import type {
  Authenticator, BatchRequest, ClientSession, CqlService, QueryOptions, QueryResponse, SchemaChangeEvent,
} from '../../cql/index.ts';
import { CqlError, ErrorCode } from '../../lib/index.ts';
import { nativeType } from '../../schema/index.ts';

export type ServiceCall =
  | { readonly op: 'query'; readonly text: string; readonly options: QueryOptions; readonly session: ClientSession }
  | { readonly op: 'prepare'; readonly text: string; readonly session: ClientSession }
  | { readonly op: 'execute'; readonly id: Buffer; readonly options: QueryOptions; readonly session: ClientSession }
  | { readonly op: 'batch'; readonly request: BatchRequest; readonly session: ClientSession };

export const INT_ROWS_METADATA = {
  columns: [{ keyspace: 'ks', table: 't', name: 'v', type: nativeType('int') }],
} as const;

export function intValue(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
}

export class ScriptedCqlService implements CqlService {
  authenticator: Authenticator | null = null;
  readonly calls: ServiceCall[] = [];
  private readonly listeners = new Set<(event: SchemaChangeEvent) => void>();
  private readonly hanging: Array<() => void> = [];
  handler: (call: ServiceCall) => Promise<QueryResponse> = (call) => this.defaultAnswer(call);

  query(text: string, options: QueryOptions, session: ClientSession): Promise<QueryResponse> {
    return this.answer({ op: 'query', text, options, session });
  }

  prepare(text: string, session: ClientSession): Promise<QueryResponse> {
    return this.answer({ op: 'prepare', text, session });
  }

  execute(id: Buffer, options: QueryOptions, session: ClientSession): Promise<QueryResponse> {
    return this.answer({ op: 'execute', id, options, session });
  }

  batch(request: BatchRequest, session: ClientSession): Promise<QueryResponse> {
    return this.answer({ op: 'batch', request, session });
  }

  onSchemaChange(listener: (event: SchemaChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get schemaListenerCount(): number {
    return this.listeners.size;
  }

  emitSchemaChange(event: SchemaChangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Answers every HANG request received so far with Void. */
  releaseHanging(): void {
    for (const release of this.hanging.splice(0)) release();
  }

  get hangingCount(): number {
    return this.hanging.length;
  }

  private answer(call: ServiceCall): Promise<QueryResponse> {
    this.calls.push(call);
    return this.handler(call);
  }

  private async defaultAnswer(call: ServiceCall): Promise<QueryResponse> {
    const text = call.op === 'query' || call.op === 'prepare' ? call.text : '';
    if (call.op === 'prepare') {
      return {
        result: {
          kind: 'prepared',
          id: Buffer.from('0123456789abcdef0123456789abcdef', 'hex'),
          resultMetadataId: Buffer.alloc(16),
          bindMetadata: { columns: INT_ROWS_METADATA.columns, partitionKeyIndexes: [0] },
          resultMetadata: INT_ROWS_METADATA,
        },
        warnings: [],
      };
    }
    if (text === 'THROW') throw new Error('boom');
    if (text === 'FAIL') throw new CqlError(ErrorCode.Invalid, 'unconfigured table nope');
    if (text === 'HANG') {
      await new Promise<void>((resolve) => this.hanging.push(resolve));
      return { result: { kind: 'void' }, warnings: [] };
    }
    if (text.startsWith('USE ')) return { result: { kind: 'setKeyspace', keyspace: text.slice(4) }, warnings: [] };
    if (text.startsWith('SELECT') || call.op === 'execute') {
      return { result: { kind: 'rows', metadata: INT_ROWS_METADATA, rows: [[intValue(42)]], pagingState: null }, warnings: [] };
    }
    return { result: { kind: 'void' }, warnings: [] };
  }
}
