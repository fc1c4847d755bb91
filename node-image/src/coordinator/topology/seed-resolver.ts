// Seeds as internode addresses: IP seeds as given, host names (the operator's headless seed
// Service) resolved to every address they have, like SimpleSeedProvider. A node that never joined
// waits, re-resolving, until a name yields an address, so it cannot start a cluster of its own
// because DNS was not ready; a node that joined before does not wait.
// Invariants: order kept, duplicates dropped; waits are bounded (SEED_RESOLVE_ATTEMPTS_MAX).
import { endpointAddress } from '../../cluster/index.ts';
import type { EndpointAddress } from '../../cluster/index.ts';
import type { Logger, TimerHandle, Timers } from '../../io/index.ts';
import { formatPeerAddress } from '../../messaging/index.ts';
import { isIpSeed } from '../membership/seed-list.ts';

/** Resolution rounds a new node waits for a seed name to resolve (x SEED_RESOLVE_RETRY_MS: about 2 days). */
export const SEED_RESOLVE_ATTEMPTS_MAX = 100_000;
export const SEED_RESOLVE_RETRY_MS = 2000;

export type NameResolver = (name: string) => Promise<string[]>;

function splitSeed(seed: EndpointAddress): { host: string; port: number } {
  const i = seed.lastIndexOf(':');
  return { host: seed.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(seed.slice(i + 1)) };
}

/** One resolution of every seed; names that do not resolve are left out (logged). */
export async function resolveSeeds(seeds: readonly EndpointAddress[], resolve: NameResolver | undefined, logger: Logger): Promise<EndpointAddress[]> {
  const out: EndpointAddress[] = [];
  for (const seed of seeds) {
    if (isIpSeed(seed)) {
      if (!out.includes(seed)) out.push(seed);
      continue;
    }
    const { host, port } = splitSeed(seed);
    if (resolve === undefined) {
      logger.warn({ seed }, 'seed host names cannot be resolved on this network; ignoring it');
      continue;
    }
    try {
      for (const address of await resolve(host)) {
        const e = endpointAddress(formatPeerAddress(address, port));
        if (!out.includes(e)) out.push(e);
      }
    } catch (error) {
      logger.warn({ seed, error: (error as Error).message }, 'cannot resolve seed name');
    }
  }
  return out;
}

/**
 * Resolves until at least one seed address is known when the list names hosts and the node never
 * joined; otherwise resolves once. `stopped` ends the wait early (the node is stopping).
 */
export async function resolveSeedsForStart(options: {
  readonly seeds: readonly EndpointAddress[];
  readonly resolve: NameResolver | undefined;
  readonly logger: Logger;
  readonly timers: Timers;
  readonly joinedBefore: boolean;
}): Promise<EndpointAddress[]> {
  const hasNames = options.seeds.some((s) => !isIpSeed(s));
  for (let attempt = 1; ; attempt++) {
    const resolved = await resolveSeeds(options.seeds, options.resolve, options.logger);
    if (resolved.length > 0 || !hasNames || options.joinedBefore || options.resolve === undefined || attempt >= SEED_RESOLVE_ATTEMPTS_MAX) return resolved;
    if (attempt === 1) options.logger.warn({ seeds: options.seeds }, 'no seed name resolves yet; waiting for the seeds before joining');
    await new Promise<void>((resolve) => {
      const handle: TimerHandle = options.timers.setTimeout(resolve, SEED_RESOLVE_RETRY_MS);
      void handle;
    });
  }
}
