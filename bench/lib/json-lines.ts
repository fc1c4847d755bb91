// JSON lines output for benchmarks: one object per line on stdout (machine-readable), progress on
// stderr. Field names carry their units (ops_per_sec, p99_ms).
import type { LoadResult } from './run-load.ts';

export function emitJsonLine(record: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The flat fields of a load result, as benchmarks report them. */
export function loadResultFields(result: LoadResult): Record<string, unknown> {
  return {
    ops: result.ops,
    errors: result.errors,
    ops_per_sec: result.opsPerSec,
    mean_ms: result.latency.meanMs,
    p50_ms: result.latency.p50Ms,
    p90_ms: result.latency.p90Ms,
    p99_ms: result.latency.p99Ms,
    p999_ms: result.latency.p999Ms,
    max_ms: result.latency.maxMs,
    elapsed_ms: result.elapsedMs,
    concurrency: result.concurrency,
    stopped_by: result.stoppedBy,
    client_cpu_ms: result.clientCpuMs,
    ...(result.errors > 0 ? { errors_by_kind: result.errorsByKind } : {}),
    ...(Object.keys(result.perOperation).length > 1
      ? {
          per_operation: Object.fromEntries(
            Object.entries(result.perOperation).map(([name, op]) => [
              name,
              { ops: op.ops, errors: op.errors, p50_ms: op.latency.p50Ms, p99_ms: op.latency.p99Ms },
            ]),
          ),
        }
      : {}),
  };
}

/** a / b rounded to 3 decimals; null when either side is missing or b is zero. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || b === 0) return null;
  return Math.round((a / b) * 1000) / 1000;
}
