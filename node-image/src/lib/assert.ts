// Invariant checks for programmer errors (STYLE.md rule 7-8): a broken invariant throws an
// AssertionError and the process is expected to crash rather than run on with corrupt state.
// Expected failures (bad input, timeouts, corrupt files) are typed errors, never asserts.

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

export function unreachable(message = 'unreachable'): never {
  throw new AssertionError(message);
}
