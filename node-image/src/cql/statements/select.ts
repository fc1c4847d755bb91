// SELECT: plans a read from the WHERE clause (partition keys, token range or full scan;
// clustering slices; per-row filters), pages through the data source in bounded chunks, applies
// LIMIT / PER PARTITION LIMIT / DISTINCT / ORDER BY, evaluates the selection (or aggregates,
// GROUP BY, JSON) and returns one page with an opaque paging state.
import type { ConsistencyLevel } from '../../lib/index.ts';
import { invalidRequest, TOKEN_MAX, TOKEN_MIN } from '../../lib/index.ts';
import type { ColumnMetadata, TableMetadata } from '../../schema/index.ts';
import { clusteringComparator, codecFor, splitPartitionKey } from '../../schema/index.ts';
import type { ClusteringFilter, ReadCommand, ReadPartition, ReadResult, Row } from '../../storage/index.ts';
import { toLivePartition } from '../../storage/index.ts';
import type { SelectStatement } from '../ast.ts';
import type { PartitionTarget, WhereAnalysis } from '../restrictions.ts';
import { analyzeWhere, clusteringSlices, FILTERING_MESSAGE, partitionTargets, singlePartitionTarget, tokenBounds } from '../restrictions.ts';
import type { Accumulator, RowContext, Selection } from '../selection.ts';
import { compileSelection, readColumn } from '../selection.ts';
import type { ColumnSpec, QueryResponse, ResultMetadata } from '../service.ts';
import { UNSET } from '../service.ts';
import type { CompiledTerm, EvalEnv, TermContext } from '../terms.ts';
import { compileTerm } from '../terms.ts';
import { selectStarColumns } from './modification.ts';
import type { PagingState } from './paging-state.ts';
import { decodePagingState, encodePagingState } from './paging-state.ts';
import type { Execution, PrepareContext, PreparedStatement } from './statement-context.ts';
import { resolveTable, typeScope } from './statement-context.ts';

/** Where a SELECT reads from: the coordinator for real tables, a generator for virtual ones. */
export interface TableDataSource {
  read(command: ReadCommand, consistency: ConsistencyLevel, execution: Execution): Promise<ReadResult>;
}

export type DataSourceResolver = (table: TableMetadata) => TableDataSource;

const EMPTY_BOUND = Object.freeze({ values: Object.freeze([]) as readonly Buffer[], inclusive: true });
/** The slice of a whole partition (an empty prefix as start and end: bottom to top). */
const WHOLE_PARTITION_SLICE = Object.freeze({ start: EMPTY_BOUND, end: EMPTY_BOUND });

class PreparedSelect implements PreparedStatement {
  readonly kind = 'select';
  readonly keyspace: string;
  readonly table: string;
  readonly bindSpecs: ColumnSpec[];
  readonly partitionKeyBindIndexes: number[];
  readonly resultMetadata: ResultMetadata;
  readonly isSchemaChange = false;
  private readonly tableMetadata: TableMetadata;
  private readonly where: WhereAnalysis;
  private readonly selection: Selection;
  private readonly limit: CompiledTerm | null;
  private readonly perPartitionLimit: CompiledTerm | null;
  private readonly reversed: boolean;
  private readonly distinct: boolean;
  private readonly json: boolean;
  private readonly orderBy: boolean;
  private readonly groupByDepth: number;
  private readonly source: TableDataSource;
  /** Whether static-only partitions yield a row (no clustering restriction, not DISTINCT). */
  private readonly staticOnlyRows: boolean;
  /**
   * At most one row, named by equality on the whole primary key (no IN, slice, filter, token,
   * DISTINCT, JSON, ORDER BY, GROUP BY, aggregate or PER PARTITION LIMIT): the read of a fresh
   * page (no paging state) can never leave more pages, so it skips the paging machinery.
   */
  private readonly singleRow: boolean;
  /** The columns a read fetches, built once ('all' or a list no reader mutates). */
  private readonly fetchedColumns: ReadCommand['columns'];
  /** The clustering filter when nothing restricts the clustering (the same every execution). */
  private readonly wholePartitionFilter: ClusteringFilter | null;

  constructor(init: {
    table: TableMetadata; where: WhereAnalysis; selection: Selection; limit: CompiledTerm | null; perPartitionLimit: CompiledTerm | null;
    reversed: boolean; distinct: boolean; json: boolean; orderBy: boolean; groupByDepth: number; source: TableDataSource; bindSpecs: ColumnSpec[];
  }) {
    this.tableMetadata = init.table;
    this.keyspace = init.table.keyspace;
    this.table = init.table.name;
    this.where = init.where;
    this.selection = init.selection;
    this.limit = init.limit;
    this.perPartitionLimit = init.perPartitionLimit;
    this.reversed = init.reversed;
    this.distinct = init.distinct;
    this.json = init.json;
    this.orderBy = init.orderBy;
    this.groupByDepth = init.groupByDepth;
    this.source = init.source;
    this.bindSpecs = init.bindSpecs;
    this.partitionKeyBindIndexes = [];
    const pkIndexes: number[] = [];
    for (const c of init.table.partitionKey) {
      const i = init.bindSpecs.findIndex((s) => s.name === c.name);
      if (i < 0) break;
      pkIndexes.push(i);
    }
    if (pkIndexes.length === init.table.partitionKey.length) this.partitionKeyBindIndexes = pkIndexes;
    this.resultMetadata = init.json
      ? { columns: [{ keyspace: init.table.keyspace, table: init.table.name, name: '[json]', type: { kind: 'native', name: 'text' } }] }
      : { columns: init.selection.columns };
    this.staticOnlyRows = init.where.clusteringPrefixLength === 0 && init.where.clusteringSlice === null && !init.distinct;
    const w = init.where;
    this.singleRow = !init.distinct && !init.json && !init.orderBy && init.groupByDepth === 0 && !init.selection.isAggregate &&
      init.perPartitionLimit === null && init.table.partitionKey.length > 0 && w.partitionKey.every((p) => p !== null) &&
      !w.partitionKeyIsIn && w.tokenStart === null && w.tokenEnd === null && w.filters.length === 0 && !w.clusteringIsIn &&
      w.clusteringSlice === null && w.clusteringPrefixLength === init.table.clustering.length;
    this.fetchedColumns = init.selection.fetchedColumns === 'all' || w.filters.length > 0 ? 'all' : Object.freeze([...init.selection.fetchedColumns]);
    // No clustering restriction: clusteringSlices() yields one slice from bottom to top.
    this.wholePartitionFilter = !init.distinct && w.clusteringPrefix.length === 0 && w.clusteringSlice === null
      ? Object.freeze({ kind: 'slices' as const, slices: Object.freeze([WHOLE_PARTITION_SLICE]), reversed: init.reversed })
      : null;
  }

  private evalLimit(term: CompiledTerm | null, env: EvalEnv, what: string): number {
    if (term === null) return Number.POSITIVE_INFINITY;
    const v = term.evaluate(env);
    if (v === null) throw invalidRequest(`Invalid null value of ${what}`);
    if (v === UNSET) return Number.POSITIVE_INFINITY;
    const n = v.readInt32BE(0);
    if (n <= 0) throw invalidRequest(`${what === 'limit' ? 'LIMIT' : 'PER PARTITION LIMIT'} must be strictly positive`);
    return n;
  }

  private clusteringFilter(env: EvalEnv, execution: Execution): ClusteringFilter {
    const table = this.tableMetadata;
    if (this.distinct) return { kind: 'slices', slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false };
    if (this.wholePartitionFilter !== null) return this.wholePartitionFilter;
    const slices = clusteringSlices(this.where, env, execution.services.limits.inValuesProductMax, clusteringComparator(table));
    const full = this.where.clusteringPrefixLength === table.clustering.length && table.clustering.length > 0 && this.where.clusteringSlice === null;
    if (full) return { kind: 'names', clusterings: slices.map((s) => s.start.values), reversed: this.reversed };
    return { kind: 'slices', slices, reversed: this.reversed };
  }

  execute(execution: Execution): Promise<QueryResponse> {
    return this.singleRow && execution.options.pagingState === null ? this.executeSingleRow(execution) : this.executeGeneral(execution);
  }

  /**
   * The one-row read: the same limits, target, command and projection as executeGeneral (which
   * would return the same rows and no paging state), without its paging bookkeeping.
   */
  private async executeSingleRow(execution: Execution): Promise<QueryResponse> {
    const env = execution.env;
    const table = this.tableMetadata;
    const limit = this.evalLimit(this.limit, env, 'limit');
    const requested = execution.options.pageSize;
    const pageSize = requested !== null && requested > 0 ? requested : Number.POSITIVE_INFINITY;
    const target = singlePartitionTarget(table, this.where, env);
    const sink = { contexts: [] as RowContext[], max: Math.min(pageSize, limit), perPartitionLimit: Number.POSITIVE_INFINITY };
    const command = this.baseCommand(env, execution, { kind: 'single', key: target.key, token: target.token }, this.chunkRows(sink, execution), null);
    const result = await this.source.read(command, execution.options.consistency, execution);
    const partition = result.partitions[0];
    let rows: Array<Array<Buffer | null>> = [];
    if (partition !== undefined) {
      const live = toLivePartition(partition, command.nowSeconds);
      // Equality on the whole key reads at most one row; anything else takes the general path.
      if (live.rows.length > 1) return this.executeGeneral(execution);
      const components = table.partitionKey.length === 1 ? [live.key] : splitPartitionKey(live.key, table.partitionKey.length);
      const row = live.rows[0];
      if (row !== undefined) {
        rows = [this.project({ partitionKey: components, partitionKeyBytes: live.key, clustering: row.clustering, row, staticRow: live.staticRow, nowSeconds: command.nowSeconds }, env)];
      } else if (live.staticRow !== null && this.staticOnlyRows) {
        rows = [this.project({ partitionKey: components, partitionKeyBytes: live.key, clustering: null, row: null, staticRow: live.staticRow, nowSeconds: command.nowSeconds }, env)];
      }
    }
    return { result: { kind: 'rows', metadata: this.resultMetadata, rows, pagingState: null }, warnings: execution.warnings };
  }

  private async executeGeneral(execution: Execution): Promise<QueryResponse> {
    const env = execution.env;
    const table = this.tableMetadata;
    const limit = this.evalLimit(this.limit, env, 'limit');
    const perPartitionLimit = this.distinct ? 1 : this.evalLimit(this.perPartitionLimit, env, 'per partition limit');
    const requested = execution.options.pageSize;
    let pageSize = requested !== null && requested > 0 ? requested : Number.POSITIVE_INFINITY;
    const aggregate = this.selection.isAggregate || this.groupByDepth > 0;
    const targets = this.where.partitionKey.every((p) => p !== null) && table.partitionKey.length > 0
      ? partitionTargets(table, this.where, env, execution.services.limits.inValuesProductMax)
      : null;
    const postOrdering = this.orderBy && targets !== null && targets.length > 1;
    if (postOrdering) {
      if (pageSize !== Number.POSITIVE_INFINITY && limit > pageSize && !aggregate) {
        throw invalidRequest('Cannot page queries with both ORDER BY and a IN restriction on the partition key; you must either remove the ORDER BY or the IN and sort client side, or disable paging for this query');
      }
      pageSize = Number.POSITIVE_INFINITY;
    }
    if (aggregate) pageSize = Number.POSITIVE_INFINITY;
    const initial: PagingState = execution.options.pagingState !== null && !aggregate
      ? decodePagingState(execution.options.pagingState)
      : { partitionIndex: 0, lastKey: null, lastToken: null, lastClustering: null, partitionFinished: false, remaining: limit, rowsInPartition: 0 };

    const contexts: RowContext[] = [];
    const emitLimit = aggregate ? Number.POSITIVE_INFINITY : Math.min(pageSize, initial.remaining);
    const collect = postOrdering || aggregate ? Number.POSITIVE_INFINITY : emitLimit;
    const sink = { contexts, max: collect, perPartitionLimit };
    let state: PagingState | null;
    if (targets !== null) state = await this.readTargets(execution, targets, initial, sink);
    else state = await this.readRange(execution, initial, sink);

    let rows: Array<Array<Buffer | null>>;
    if (aggregate) {
      rows = this.aggregate(contexts, env);
      state = null;
      if (this.groupByDepth > 0) {
        // LIMIT and paging count groups; each page recomputes the groups and skips those returned.
        if (rows.length > limit) rows.length = limit;
        const offset = execution.options.pagingState === null ? 0 : (decodePagingState(execution.options.pagingState).groupsReturned ?? 0);
        const size = requested !== null && requested > 0 ? requested : Number.POSITIVE_INFINITY;
        const end = offset + size;
        if (end < rows.length) {
          state = { partitionIndex: 0, lastKey: null, lastToken: null, lastClustering: null, partitionFinished: true, remaining: Number.POSITIVE_INFINITY, rowsInPartition: 0, groupsReturned: end };
        }
        rows = rows.slice(offset, end);
      }
    } else {
      if (postOrdering) {
        const compare = clusteringComparator(table);
        contexts.sort((a, b) => {
          const c = compare(a.clustering ?? [], b.clustering ?? []);
          return this.reversed ? -c : c;
        });
        if (contexts.length > limit) contexts.length = limit;
        state = null;
      }
      rows = contexts.map((rc) => this.project(rc, env));
      if (state !== null) {
        state = { ...state, remaining: initial.remaining - rows.length };
        if (state.remaining <= 0) state = null;
      }
    }
    return {
      result: { kind: 'rows', metadata: this.resultMetadata, rows, pagingState: state === null ? null : encodePagingState(state) },
      warnings: execution.warnings,
    };
  }

  private project(rc: RowContext, env: EvalEnv): Array<Buffer | null> {
    const values = this.selection.selectors.map((s) => s.evaluate(rc, env));
    if (!this.json) return values;
    return [Buffer.from(this.toJsonObject(values), 'utf8')];
  }

  private toJsonObject(values: Array<Buffer | null>): string {
    const parts = this.selection.selectors.map((s, i) => {
      const v = values[i]!;
      const key = /^[a-z_][a-z0-9_]*$/.test(s.name) ? s.name : `"${s.name.replace(/"/g, '""')}"`;
      return `${JSON.stringify(key)}: ${v === null ? 'null' : codecFor(s.type).toJson(v)}`;
    });
    return `{${parts.join(', ')}}`;
  }

  private aggregate(contexts: RowContext[], env: EvalEnv): Array<Array<Buffer | null>> {
    const finish = (accs: Accumulator[]): Array<Buffer | null> => {
      const values = accs.map((a) => a.result(env));
      return this.json ? [Buffer.from(this.toJsonObject(values), 'utf8')] : values;
    };
    if (this.groupByDepth === 0) {
      const accs = this.selection.selectors.map((s) => s.newAccumulator());
      for (const rc of contexts) for (const a of accs) a.add(rc, env);
      return [finish(accs)];
    }
    const out: Array<Array<Buffer | null>> = [];
    let groupKey: string | null = null;
    let accs: Accumulator[] = [];
    const pkCount = this.tableMetadata.partitionKey.length;
    for (const rc of contexts) {
      const parts = [rc.partitionKeyBytes.toString('hex')];
      for (let i = 0; i < this.groupByDepth - pkCount; i++) parts.push(rc.clustering?.[i]?.toString('hex') ?? '');
      const key = parts.join('|');
      if (key !== groupKey) {
        if (groupKey !== null) out.push(finish(accs));
        groupKey = key;
        accs = this.selection.selectors.map((s) => s.newAccumulator());
      }
      for (const a of accs) a.add(rc, env);
    }
    if (groupKey !== null) out.push(finish(accs));
    return out;
  }

  private baseCommand(env: EvalEnv, execution: Execution, partitions: ReadCommand['partitions'], rows: number, resumeAfter: readonly Buffer[] | null): ReadCommand {
    const pushPerPartition = this.where.filters.length === 0;
    return {
      tableId: this.tableMetadata.id,
      partitions,
      clustering: this.clusteringFilter(env, execution),
      columns: this.fetchedColumns,
      limits: {
        rows,
        perPartitionRows: this.distinct ? 1 : pushPerPartition ? Number.POSITIVE_INFINITY : Number.POSITIVE_INFINITY,
        partitions: Number.POSITIVE_INFINITY,
      },
      nowSeconds: Math.floor(execution.nowMs / 1000),
      resumeAfterClustering: resumeAfter,
      includeStaticRow: true,
    };
  }

  /**
   * Feeds one partition's live rows to the sink; returns how many rows it emitted and where it
   * stopped (the last emitted clustering), or null when it consumed the partition.
   */
  private consumePartition(
    partition: ReadPartition,
    nowSeconds: number,
    env: EvalEnv,
    sink: { contexts: RowContext[]; max: number; perPartitionLimit: number },
    alreadyInPartition: number,
    resumed: boolean,
    scannedBudget: { rows: number; max: number },
  ): { emitted: number; stoppedAt: readonly Buffer[] | null; full: boolean; partitionLimitHit: boolean } {
    const live = toLivePartition(partition, nowSeconds);
    const table = this.tableMetadata;
    const components = table.partitionKey.length === 1 ? [live.key] : splitPartitionKey(live.key, table.partitionKey.length);
    let emitted = 0;
    let stoppedAt: readonly Buffer[] | null = null;
    const ctxFor = (row: Row | null, clustering: readonly Buffer[] | null): RowContext => ({
      partitionKey: components, partitionKeyBytes: live.key, clustering, row, staticRow: live.staticRow, nowSeconds,
    });
    const passes = (rc: RowContext): boolean => this.where.filters.every((f) =>
      f.tuple === undefined ? f.test(readColumn(rc, f.column), env) : f.tuple.test(f.tuple.columns.map((c) => readColumn(rc, c)), env));
    if (this.distinct) {
      if (live.rows.length === 0 && live.staticRow === null) return { emitted: 0, stoppedAt: null, full: false, partitionLimitHit: false };
      const rc = ctxFor(live.rows[0] ?? null, live.rows[0]?.clustering ?? null);
      if (passes(rc)) {
        sink.contexts.push(rc);
        emitted = 1;
      }
      return { emitted, stoppedAt: null, full: sink.contexts.length >= sink.max, partitionLimitHit: false };
    }
    if (live.rows.length === 0) {
      if (live.staticRow !== null && this.staticOnlyRows && !resumed && alreadyInPartition === 0) {
        const rc = ctxFor(null, null);
        if (passes(rc)) {
          sink.contexts.push(rc);
          emitted = 1;
        }
      }
      return { emitted, stoppedAt: null, full: sink.contexts.length >= sink.max, partitionLimitHit: false };
    }
    let inPartition = alreadyInPartition;
    for (const row of live.rows) {
      scannedBudget.rows++;
      if (scannedBudget.rows > scannedBudget.max) {
        throw invalidRequest(`Query scanned more than ${scannedBudget.max} rows while filtering; aborted`);
      }
      const rc = ctxFor(row, row.clustering);
      if (!passes(rc)) {
        stoppedAt = row.clustering;
        continue;
      }
      sink.contexts.push(rc);
      emitted++;
      inPartition++;
      stoppedAt = row.clustering;
      if (inPartition >= sink.perPartitionLimit) return { emitted, stoppedAt, full: sink.contexts.length >= sink.max, partitionLimitHit: true };
      if (sink.contexts.length >= sink.max) return { emitted, stoppedAt, full: true, partitionLimitHit: false };
    }
    return { emitted, stoppedAt, full: false, partitionLimitHit: false };
  }

  private chunkRows(sink: { contexts: RowContext[]; max: number }, execution: Execution): number {
    const wanted = sink.max - sink.contexts.length;
    const internal = execution.services.limits.internalPageRows;
    if (this.where.filters.length > 0) return internal;
    return Math.min(Number.isFinite(wanted) ? wanted + 1 : internal, internal);
  }

  private async readTargets(
    execution: Execution, targets: PartitionTarget[], initial: PagingState, sink: { contexts: RowContext[]; max: number; perPartitionLimit: number },
  ): Promise<PagingState | null> {
    const env = execution.env;
    const nowSeconds = Math.floor(execution.nowMs / 1000);
    const budget = { rows: 0, max: execution.services.limits.filteringRowsScannedMax };
    const consistency = execution.options.consistency;
    for (let index = initial.partitionIndex; index < targets.length; index++) {
      const target = targets[index]!;
      let resumeAfter: readonly Buffer[] | null = index === initial.partitionIndex ? initial.lastClustering : null;
      if (index === initial.partitionIndex && initial.partitionFinished) continue;
      let inPartition = index === initial.partitionIndex ? initial.rowsInPartition : 0;
      for (;;) {
        const rows = this.chunkRows(sink, execution);
        const command = this.baseCommand(env, execution, { kind: 'single', key: target.key, token: target.token }, rows, resumeAfter);
        const result = await this.source.read(command, consistency, execution);
        const partition = result.partitions[0];
        if (partition === undefined) break;
        const returnedRows = partition.rows.length;
        const r = this.consumePartition(partition, nowSeconds, env, sink, inPartition, resumeAfter !== null, budget);
        inPartition += r.emitted;
        if (r.partitionLimitHit) {
          if (sink.contexts.length >= sink.max) return this.stateAfter(index, targets, true, r.stoppedAt, inPartition);
          break;
        }
        if (r.full) {
          // The partition is done only if the page stopped at its last row and the read was not cut.
          const partitionDone = stoppedAtLastRow(partition, r.stoppedAt) && returnedRows < rows;
          if (partitionDone && index + 1 >= targets.length) return null;
          return this.stateAfter(index, targets, partitionDone, r.stoppedAt, inPartition);
        }
        if (returnedRows < rows) break;
        resumeAfter = partition.rows[partition.rows.length - 1]!.clustering;
      }
      if (sink.contexts.length >= sink.max && index + 1 < targets.length) {
        return this.stateAfter(index, targets, true, null, inPartition);
      }
    }
    return null;
  }

  private stateAfter(index: number, targets: PartitionTarget[], finished: boolean, clustering: readonly Buffer[] | null, inPartition: number): PagingState {
    const t = targets[index]!;
    return {
      partitionIndex: index, lastKey: t.key, lastToken: t.token, lastClustering: clustering,
      partitionFinished: finished || clustering === null, remaining: 0, rowsInPartition: inPartition,
    };
  }

  private async readRange(execution: Execution, initial: PagingState, sink: { contexts: RowContext[]; max: number; perPartitionLimit: number }): Promise<PagingState | null> {
    const env = execution.env;
    const nowSeconds = Math.floor(execution.nowMs / 1000);
    const consistency = execution.options.consistency;
    const budget = { rows: 0, max: execution.services.limits.filteringRowsScannedMax };
    const bounds = this.where.tokenStart !== null || this.where.tokenEnd !== null
      ? tokenBounds(this.where, env)
      : { start: TOKEN_MIN, startInclusive: true, end: TOKEN_MAX, endInclusive: true };
    if (bounds.start > bounds.end || (bounds.start === bounds.end && !(bounds.startInclusive && bounds.endInclusive))) return null;
    let start: { token: bigint; key: Buffer | null } = { token: bounds.start, key: null };
    let startInclusive = bounds.startInclusive;
    let inPartition = 0;
    let lastKey: Buffer | null = null;
    let lastToken: bigint | null = null;

    if (initial.lastKey !== null && initial.lastToken !== null) {
      lastKey = initial.lastKey;
      lastToken = initial.lastToken;
      if (!initial.partitionFinished) {
        // Finish the partition the previous page stopped in.
        inPartition = initial.rowsInPartition;
        let resumeAfter = initial.lastClustering;
        for (;;) {
          const rows = this.chunkRows(sink, execution);
          const command = this.baseCommand(env, execution, { kind: 'single', key: initial.lastKey, token: initial.lastToken }, rows, resumeAfter);
          const result = await this.source.read(command, consistency, execution);
          const partition = result.partitions[0];
          if (partition === undefined) break;
          const r = this.consumePartition(partition, nowSeconds, env, sink, inPartition, true, budget);
          inPartition += r.emitted;
          if (r.partitionLimitHit) {
            if (sink.contexts.length >= sink.max) return this.rangeState(initial.lastKey, initial.lastToken, true, r.stoppedAt, inPartition);
            break;
          }
          if (r.full) {
            const done = stoppedAtLastRow(partition, r.stoppedAt) && partition.rows.length < rows;
            return this.rangeState(initial.lastKey, initial.lastToken, done, r.stoppedAt, inPartition);
          }
          if (partition.rows.length < rows) break;
          resumeAfter = partition.rows[partition.rows.length - 1]!.clustering;
        }
      }
      start = { token: initial.lastToken, key: initial.lastKey };
      startInclusive = false;
      inPartition = 0;
    }

    for (;;) {
      const rows = this.chunkRows(sink, execution);
      const command = this.baseCommand(env, execution, {
        kind: 'range', start, startInclusive, end: { token: bounds.end, key: null }, endInclusive: bounds.endInclusive,
      }, rows, null);
      const result = await this.source.read(command, consistency, execution);
      if (result.partitions.length === 0) return null;
      let returnedRows = 0;
      for (const partition of result.partitions) returnedRows += Math.max(partition.rows.length, partition.staticRow !== null ? 1 : 0);
      const exhausted = returnedRows < rows;
      for (let i = 0; i < result.partitions.length; i++) {
        const partition = result.partitions[i]!;
        const isLast = i === result.partitions.length - 1;
        lastKey = partition.key;
        lastToken = partition.token;
        const r = this.consumePartition(partition, nowSeconds, env, sink, 0, false, budget);
        inPartition = r.emitted;
        if (r.full || (r.partitionLimitHit && sink.contexts.length >= sink.max)) {
          const lastRow = partition.rows[partition.rows.length - 1];
          const atLastRow = lastRow === undefined || r.stoppedAt === lastRow.clustering;
          const partitionDone = r.partitionLimitHit || (atLastRow && (!isLast || exhausted));
          if (partitionDone && isLast && exhausted) return null;
          return this.rangeState(partition.key, partition.token, partitionDone, r.stoppedAt, inPartition);
        }
        if (isLast && !exhausted && !r.partitionLimitHit && partition.rows.length > 0) {
          // The chunk may have cut this partition: finish it with single-partition reads.
          let resumeAfter: readonly Buffer[] = partition.rows[partition.rows.length - 1]!.clustering;
          for (;;) {
            const more = this.chunkRows(sink, execution);
            const single = this.baseCommand(env, execution, { kind: 'single', key: partition.key, token: partition.token }, more, resumeAfter);
            const rest = (await this.source.read(single, consistency, execution)).partitions[0];
            if (rest === undefined || rest.rows.length === 0) break;
            const r2 = this.consumePartition(rest, nowSeconds, env, sink, inPartition, true, budget);
            inPartition += r2.emitted;
            if (r2.partitionLimitHit) {
              if (sink.contexts.length >= sink.max) return this.rangeState(partition.key, partition.token, true, r2.stoppedAt, inPartition);
              break;
            }
            if (r2.full) {
              const done = stoppedAtLastRow(rest, r2.stoppedAt) && rest.rows.length < more;
              return this.rangeState(partition.key, partition.token, done, r2.stoppedAt, inPartition);
            }
            if (rest.rows.length < more) break;
            resumeAfter = rest.rows[rest.rows.length - 1]!.clustering;
          }
        }
      }
      if (exhausted) return null;
      start = { token: lastToken!, key: lastKey };
      startInclusive = false;
    }
  }

  private rangeState(key: Buffer, token: bigint, finished: boolean, clustering: readonly Buffer[] | null, inPartition: number): PagingState {
    return { partitionIndex: 0, lastKey: key, lastToken: token, lastClustering: clustering, partitionFinished: finished || clustering === null, remaining: 0, rowsInPartition: inPartition };
  }
}

/** Whether a page that stopped at `stoppedAt` consumed every row the partition read returned. */
function stoppedAtLastRow(partition: ReadPartition, stoppedAt: readonly Buffer[] | null): boolean {
  const last = partition.rows[partition.rows.length - 1];
  if (last === undefined) return true;
  if (stoppedAt === null || stoppedAt.length !== last.clustering.length) return false;
  return stoppedAt.every((b, i) => b.equals(last.clustering[i]!));
}

export function prepareSelect(stmt: SelectStatement, ctx: PrepareContext, resolveSource: DataSourceResolver): PreparedStatement {
  const table = resolveTable(ctx, stmt.table);
  const termCtx: TermContext = { binds: ctx.binds, scope: typeScope(ctx, table.keyspace) };
  const selection = compileSelection(stmt.selectors, table, termCtx, selectStarColumns(table));
  const where = analyzeWhere(table, stmt.where, termCtx, { forModification: false });
  const perPartitionLimit = stmt.perPartitionLimit === null ? null
    : compileTerm(stmt.perPartitionLimit, { keyspace: table.keyspace, table: table.name, name: '[per_partition_limit]', type: { kind: 'native', name: 'int' } }, termCtx);
  const limit = stmt.limit === null ? null
    : compileTerm(stmt.limit, { keyspace: table.keyspace, table: table.name, name: '[limit]', type: { kind: 'native', name: 'int' } }, termCtx);
  if (where.needsFiltering && !stmt.allowFiltering) throw invalidRequest(where.filteringReason ?? FILTERING_MESSAGE);
  if (where.partitionKey.every((p) => p === null) && where.tokenStart === null && where.tokenEnd === null &&
      (where.clusteringPrefixLength > 0 || where.clusteringSlice !== null) && !stmt.allowFiltering) {
    throw invalidRequest(FILTERING_MESSAGE);
  }
  if (stmt.distinct) {
    for (const s of selection.columnsRead) {
      const c = table.columns.find((x) => x.name === s);
      if (c !== undefined && c.kind !== 'partition_key' && c.kind !== 'static') {
        throw invalidRequest(`SELECT DISTINCT queries must only request partition key columns and/or static columns (not ${c.name})`);
      }
    }
    if (stmt.selectors !== null) {
      const missing = table.partitionKey.filter((c) => !selection.columnsRead.has(c.name));
      if (missing.length > 0 && !selection.isAggregate) {
        throw invalidRequest(`SELECT DISTINCT queries must request all the partition key columns (missing ${missing.map((c) => c.name).join(', ')})`);
      }
    }
  }
  // ORDER BY: clustering columns in order (or all reversed); needs the partition key restricted.
  let reversed = false;
  if (stmt.orderBy.length > 0) {
    if (where.partitionKey.some((p) => p === null) || table.partitionKey.length === 0) {
      throw invalidRequest('ORDER BY is only supported when the partition key is restricted by an EQ or an IN.');
    }
    let direction: boolean | null = null;
    // Columns must follow the clustering order; columns restricted by EQ may be skipped.
    let next = 0;
    const eqPositions = where.clusteringEqPositions ?? new Set<number>();
    // A column named twice keeps its first position and its last direction (Cassandra's map).
    const orderings = new Map<string, boolean>();
    for (const o of stmt.orderBy) orderings.set(o.column, o.descending);
    [...orderings].map(([column, descending]) => ({ column, descending })).forEach((o) => {
      const c = table.columns.find((x) => x.name === o.column);
      if (c === undefined) throw invalidRequest(`Undefined column name ${o.column}`);
      if (c.kind !== 'clustering') throw invalidRequest(`Order by is currently only supported on the clustered columns of the PRIMARY KEY, got ${o.column}`);
      while (next !== c.position) {
        if (next > c.position || !eqPositions.has(next)) {
          throw invalidRequest('Order by currently only supports the ordering of columns following their declared order in the PRIMARY KEY');
        }
        next++;
      }
      next++;
      const natural = c.clusteringOrder === 'desc';
      const isReversed = o.descending !== natural;
      if (direction === null) direction = isReversed;
      else if (direction !== isReversed) throw invalidRequest('Unsupported order by relation');
    });
    reversed = direction ?? false;
  }
  let groupByDepth = 0;
  if (stmt.groupBy.length > 0) {
    const keyColumns: ColumnMetadata[] = [...table.partitionKey, ...table.clustering];
    stmt.groupBy.forEach((name, i) => {
      if (keyColumns[i]?.name !== name) {
        throw invalidRequest('Group by currently only support groups of columns following their declared order in the PRIMARY KEY');
      }
    });
    if (stmt.groupBy.length < table.partitionKey.length) {
      throw invalidRequest('Group by currently only support groups of columns following their declared order in the PRIMARY KEY');
    }
    groupByDepth = stmt.groupBy.length;
  }
  return new PreparedSelect({
    table, where, selection, limit, perPartitionLimit, reversed, distinct: stmt.distinct, json: stmt.json,
    orderBy: stmt.orderBy.length > 0, groupByDepth, source: resolveSource(table), bindSpecs: ctx.binds.complete(),
  });
}
