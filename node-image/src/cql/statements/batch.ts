// BATCH (textual BEGIN ... APPLY BATCH and the BATCH opcode): children are modifications with
// their own bound values. Non-conditional batches merge their mutations per partition key and
// write them together; conditional batches must stay in one partition and run as one CAS.
import { ConsistencyLevel, invalidRequest } from '../../lib/index.ts';
import { clusteringComparator } from '../../schema/index.ts';
import type { Mutation } from '../../storage/index.ts';
import type { QueryResponse } from '../service.ts';
import type { CasOutcome, ConditionalPlan } from './modification.ts';
import { casResult } from './modification.ts';
import { mergeMutationsByPartition, mergePartitionMutations } from './mutation-merge.ts';
import type { TableLookup } from './mutation-merge.ts';
import type { Execution, PreparedModification } from './statement-context.ts';

export interface BatchChildExecution {
  readonly statement: PreparedModification;
  /** Execution context carrying this child's bound values. */
  readonly execution: Execution;
}

function keyOf(m: Mutation): string {
  return `${m.keyspace}\u0000${m.key.toString('hex')}`;
}

function sizeOf(mutations: readonly Mutation[]): number {
  let size = 0;
  for (const m of mutations) {
    for (const u of m.updates) {
      for (const r of u.rows) for (const c of r.cells) size += c.value.length + (c.path?.length ?? 0);
      if (u.staticRow !== null) for (const c of u.staticRow.cells) size += c.value.length + (c.path?.length ?? 0);
    }
  }
  return size;
}

function tableLookup(children: readonly BatchChildExecution[]): TableLookup {
  const byId = new Map(children.map((c) => [c.statement.tableMetadata.id, c.statement.tableMetadata]));
  return (id) => byId.get(id)!;
}

function formatKiB(bytes: number): string {
  return `${(bytes / 1024).toFixed(3)}KiB`;
}

export async function executeBatch(
  batchType: 'logged' | 'unlogged' | 'counter',
  children: readonly BatchChildExecution[],
  execution: Execution,
  batchTimestampMicros: number | null,
): Promise<QueryResponse> {
  if (children.length === 0) return { result: { kind: 'void' }, warnings: execution.warnings };
  const hasCounters = children.some((c) => c.statement.isCounter);
  const hasRegular = children.some((c) => !c.statement.isCounter);
  if (batchType === 'counter' && hasRegular) throw invalidRequest('Cannot include non-counter statement in a counter batch');
  if (batchType !== 'counter' && hasCounters) {
    throw invalidRequest(batchType === 'logged' ? 'Cannot include a counter statement in a logged batch' : 'Counter and non-counter mutations cannot exist in the same batch');
  }
  if (batchTimestampMicros !== null && children.some((c) => c.statement.hasOwnTimestamp)) {
    throw invalidRequest('Timestamp must be set either on BATCH or individual statements');
  }
  const timestamp = batchTimestampMicros ?? execution.options.timestampMicros ?? execution.services.timestamps.next();
  const conditional = children.some((c) => c.statement.hasConditions);
  if (conditional) return executeConditionalBatch(children, execution, timestamp);

  const byKey = new Map<string, Mutation[]>();
  const all: Mutation[] = [];
  for (const child of children) {
    for (const m of await child.statement.buildMutations(child.execution, timestamp)) {
      all.push(m);
      const k = keyOf(m);
      const list = byKey.get(k);
      if (list === undefined) byKey.set(k, [m]);
      else list.push(m);
    }
  }
  const size = sizeOf(all);
  const limits = execution.services.limits;
  const tables = [...new Set(children.map((c) => `${c.statement.keyspace}.${c.statement.table}`))].join(', ');
  if (size > limits.batchSizeFailBytes) {
    throw invalidRequest(`Batch too large`);
  }
  if (size > limits.batchSizeWarnBytes) {
    execution.warnings.push(`Batch for [${tables}] is of size ${formatKiB(size)}, exceeding specified threshold of ${formatKiB(limits.batchSizeWarnBytes)} by ${formatKiB(size - limits.batchSizeWarnBytes)}.`);
  }
  if (batchType === 'unlogged' && byKey.size > limits.unloggedBatchPartitionsWarn) {
    execution.warnings.push(`Unlogged batch covering ${byKey.size} partitions detected against table${tables.includes(',') ? 's' : ''} [${tables}]. You should use a logged batch for atomicity, or asynchronous writes for performance.`);
  }
  const merged = mergeMutationsByPartition(all, tableLookup(children));
  await execution.services.coordinator.write(merged, {
    consistency: execution.options.consistency,
    writeType: hasCounters ? 'COUNTER' : batchType === 'logged' ? 'BATCH' : 'UNLOGGED_BATCH',
  });
  return { result: { kind: 'void' }, warnings: execution.warnings };
}

async function executeConditionalBatch(children: readonly BatchChildExecution[], execution: Execution, timestamp: number): Promise<QueryResponse> {
  const first = children[0]!.statement;
  const table = first.tableMetadata;
  if (children.some((c) => c.statement.tableMetadata.id !== table.id)) throw invalidRequest('Batch with conditions cannot span multiple tables');
  const plans: Array<{ plan: ConditionalPlan | null; mutations: Mutation[] }> = [];
  for (const child of children) {
    const statement = child.statement as PreparedModification & { conditionalPlan?: (e: Execution, ts: number) => Promise<ConditionalPlan> };
    if (statement.hasConditions && statement.conditionalPlan !== undefined) {
      const plan = await statement.conditionalPlan(child.execution, timestamp);
      plans.push({ plan, mutations: plan.mutations });
    } else {
      plans.push({ plan: null, mutations: await statement.buildMutations(child.execution, timestamp) });
    }
  }
  const allMutations = plans.flatMap((p) => p.mutations);
  const keys = new Set(allMutations.map(keyOf));
  const key = allMutations[0]?.key ?? plans.find((p) => p.plan !== null)!.plan!.key;
  if (keys.size > 1) throw invalidRequest('Batch with conditions cannot span multiple partitions');
  const conditioned = plans.filter((p) => p.plan !== null).map((p) => p.plan!);
  const anchor = conditioned[0]!;
  // One read covering every conditioned row of the partition.
  // A names filter must list clusterings sorted in clustering order, without duplicates.
  const compare = clusteringComparator(table);
  const fullRows = conditioned.map((p) => p.clustering).filter((c) => c.length === table.clustering.length && c.length > 0);
  const clusterings = [...fullRows].sort(compare).filter((c, i, all) => i === 0 || compare(all[i - 1]!, c) !== 0);
  const read = fullRows.length === conditioned.length && clusterings.length > 0
    ? { ...anchor.read, clustering: { kind: 'names' as const, clusterings, reversed: false }, limits: { rows: clusterings.length, perPartitionRows: clusterings.length, partitions: 1 } }
    : { ...anchor.read, clustering: { kind: 'slices' as const, slices: [{ start: { values: [], inclusive: true }, end: { values: [], inclusive: true } }], reversed: false }, limits: { rows: Number.POSITIVE_INFINITY, perPartitionRows: Number.POSITIVE_INFINITY, partitions: 1 } };
  const result = await execution.services.coordinator.cas({
    keyspace: table.keyspace,
    key,
    token: anchor.token,
    read,
    serialConsistency: execution.options.serialConsistency ?? ConsistencyLevel.SERIAL,
    commitConsistency: execution.options.consistency,
    decide: (partition) => {
      const outcomes: CasOutcome[] = conditioned.map((plan) => {
        if (partition === null) return plan.evaluate(null);
        // Give each plan the view of its own row.
        const rows = partition.rows.filter((r) => r.clustering.length === plan.clustering.length && r.clustering.every((b, i) => b.equals(plan.clustering[i]!)));
        return plan.evaluate({ ...partition, rows: plan.clustering.length === 0 ? partition.rows.slice(0, 1) : rows });
      });
      const applied = outcomes.every((o) => o.applied);
      return { mutation: applied ? mergePartitionMutations(allMutations, tableLookup(children)) : null, result: casResult(table, outcomes, true) };
    },
  });
  return { result, warnings: execution.warnings };
}
