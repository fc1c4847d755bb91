// The shape of CQL functions: scalar functions run on serialized arguments and return a
// serialized result; aggregates fold rows. Nondeterministic functions (now(), uuid()) are
// re-evaluated on every execution, never folded at prepare time.
import type { Random } from '../../io/index.ts';
import type { CqlType, TimeuuidGenerator } from '../../schema/index.ts';

export interface FunctionEnv {
  /** Server time of the request in ms (currentTimestamp() etc.). */
  readonly nowMs: number;
  readonly timeuuids: TimeuuidGenerator;
  readonly random: Random;
}

export interface ScalarFunction {
  readonly name: string;
  readonly argumentTypes: readonly CqlType[];
  readonly returnType: CqlType;
  /** False for now(), uuid(), currentTimestamp()...: never evaluated at prepare time. */
  readonly deterministic: boolean;
  /** Called with null arguments only when true (else the result is null). */
  readonly calledOnNullInput: boolean;
  execute(args: ReadonlyArray<Buffer | null>, env: FunctionEnv): Buffer | null;
}

export interface AggregateState {
  add(args: ReadonlyArray<Buffer | null>): void;
  result(): Buffer | null;
}

export interface AggregateFunction {
  readonly name: string;
  readonly argumentTypes: readonly CqlType[];
  readonly returnType: CqlType;
  newState(): AggregateState;
}
