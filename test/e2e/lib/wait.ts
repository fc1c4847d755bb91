// Polling helpers with a named bound on time: waitFor retries a probe until it yields a value
// or the deadline passes, then throws with the last observation (never loops unbounded).
export const waitDefaultIntervalMs = 250;

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Calls probe until it returns a value other than undefined/false; throws after timeoutMs with
 * `what` and the last error or observation.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs: number; intervalMs?: number; describe?: () => string | Promise<string> },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown = undefined;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      const extra = options.describe ? `\n${await options.describe()}` : '';
      const cause = last instanceof Error ? `: last error: ${last.message}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${cause}${extra}`);
    }
    await sleep(options.intervalMs ?? waitDefaultIntervalMs);
  }
}
