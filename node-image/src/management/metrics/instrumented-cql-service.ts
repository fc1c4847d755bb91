// A CqlService decorator that counts requests and times them, by opcode, statement kind and
// consistency level, and counts errors by code. On the request path it costs a keyword scan (QUERY)
// or a map lookup (EXECUTE), two clock reads and a few typed-array increments (CqlRequestStats);
// the statement kind of an EXECUTE comes from a bounded map filled at PREPARE.
import type { Clock } from '../../io/index.ts';
import { CqlError } from '../../lib/index.ts';
import type { Authenticator, BatchRequest, ClientSession, CqlService, QueryOptions, QueryResponse, SchemaChangeEvent } from '../../cql/index.ts';
import { CONSISTENCY_NONE, CqlRequestStats } from './cql-request-stats.ts';
import { StatementKindIndex, statementKindIndex } from './statement-kind.ts';

const OPCODE_QUERY = 0;
const OPCODE_PREPARE = 1;
const OPCODE_EXECUTE = 2;
const OPCODE_BATCH = 3;
/** Prepared statement ids whose kind is remembered (oldest forgotten first); beyond, EXECUTEs count as "other". */
export const PREPARED_KINDS_MAX = 4096;

export class InstrumentedCqlService implements CqlService {
  readonly authenticator: Authenticator | null;
  private readonly inner: CqlService;
  private readonly clock: Clock;
  private readonly stats: CqlRequestStats;
  /** First 4 bytes of a prepared id -> the id and its statement kind. */
  private readonly preparedKinds = new Map<number, { readonly id: Buffer; readonly kind: number }>();

  constructor(options: { inner: CqlService; clock: Clock; stats: CqlRequestStats }) {
    this.inner = options.inner;
    this.clock = options.clock;
    this.stats = options.stats;
    this.authenticator = options.inner.authenticator;
  }

  query(text: string, options: QueryOptions, session: ClientSession): Promise<QueryResponse> {
    const kind = statementKindIndex(text);
    const series = this.begin(OPCODE_QUERY, kind, options.consistency);
    const startMs = this.clock.monotonicMs();
    let promise: Promise<QueryResponse>;
    try {
      promise = this.inner.query(text, options, session);
    } catch (error) {
      this.failed(OPCODE_QUERY, kind, error);
      throw error;
    }
    return this.observe(promise, series, startMs, OPCODE_QUERY, kind);
  }

  prepare(text: string, session: ClientSession, keyspace: string | null): Promise<QueryResponse> {
    const kind = statementKindIndex(text);
    const series = this.begin(OPCODE_PREPARE, kind, CONSISTENCY_NONE);
    const startMs = this.clock.monotonicMs();
    let promise: Promise<QueryResponse>;
    try {
      promise = this.inner.prepare(text, session, keyspace);
    } catch (error) {
      this.failed(OPCODE_PREPARE, kind, error);
      throw error;
    }
    return this.observe(promise, series, startMs, OPCODE_PREPARE, kind).then((response) => {
      if (response.result.kind === 'prepared') this.rememberKind(response.result.id, kind);
      return response;
    });
  }

  execute(id: Buffer, options: QueryOptions, session: ClientSession): Promise<QueryResponse> {
    const kind = this.kindOf(id);
    const series = this.begin(OPCODE_EXECUTE, kind, options.consistency);
    const startMs = this.clock.monotonicMs();
    let promise: Promise<QueryResponse>;
    try {
      promise = this.inner.execute(id, options, session);
    } catch (error) {
      this.failed(OPCODE_EXECUTE, kind, error);
      throw error;
    }
    return this.observe(promise, series, startMs, OPCODE_EXECUTE, kind);
  }

  batch(request: BatchRequest, session: ClientSession): Promise<QueryResponse> {
    const kind = StatementKindIndex.batch;
    const series = this.begin(OPCODE_BATCH, kind, request.consistency);
    const startMs = this.clock.monotonicMs();
    let promise: Promise<QueryResponse>;
    try {
      promise = this.inner.batch(request, session);
    } catch (error) {
      this.failed(OPCODE_BATCH, kind, error);
      throw error;
    }
    return this.observe(promise, series, startMs, OPCODE_BATCH, kind);
  }

  onSchemaChange(listener: (event: SchemaChangeEvent) => void): () => void {
    return this.inner.onSchemaChange(listener);
  }

  private begin(opcode: number, kind: number, consistency: number): number {
    const series = CqlRequestStats.series(opcode, kind, consistency);
    this.stats.received(series);
    return series;
  }

  /** Times the request when it settles; the answer (or error) passes through unchanged. */
  private observe(promise: Promise<QueryResponse>, series: number, startMs: number, opcode: number, kind: number): Promise<QueryResponse> {
    return promise.then(
      (response) => {
        this.stats.answered(series, (this.clock.monotonicMs() - startMs) / 1000);
        return response;
      },
      (error: unknown) => {
        this.stats.answered(series, (this.clock.monotonicMs() - startMs) / 1000);
        this.failed(opcode, kind, error);
        throw error;
      },
    );
  }

  private failed(opcode: number, kind: number, error: unknown): void {
    this.stats.failed(opcode, kind, error instanceof CqlError ? error.code : null);
  }

  private rememberKind(id: Buffer, kind: number): void {
    if (id.length < 4) return;
    const key = id.readUInt32LE(0);
    this.preparedKinds.delete(key);
    if (this.preparedKinds.size >= PREPARED_KINDS_MAX) this.preparedKinds.delete(this.preparedKinds.keys().next().value!);
    this.preparedKinds.set(key, { id: Buffer.from(id), kind });
  }

  private kindOf(id: Buffer): number {
    if (id.length < 4) return StatementKindIndex.other;
    const entry = this.preparedKinds.get(id.readUInt32LE(0));
    return entry !== undefined && entry.id.equals(id) ? entry.kind : StatementKindIndex.other;
  }
}
