// Choosing a joining node's tokens (BootStrapper.getBootstrapTokens): initial_token if set, else
// the replication-aware allocator when allocate_tokens_for_local_replication_factor is set (4.0+
// yaml: 3), else num_tokens random tokens. num_tokens defaults to 16 in our config (the 4.0+
// cassandra.yaml value; Cassandra's Config default with the key absent is 1). Configuration
// errors carry Cassandra's ConfigurationException messages (CqlError ConfigError).
import { configError } from '../../lib/index.ts';
import type { Random } from '../../io/index.ts';
import type { EndpointAddress } from '../endpoint.ts';
import type { TokenMetadata } from '../token-metadata.ts';
import { type Token, compareTokens, normalizeRandomToken, parseToken } from '../token-range.ts';
import { ALLOCATION_DC_TOKENS_MAX, allocateTokens } from './replication-aware-allocator.ts';

/** num_tokens of the shipped cassandra.yaml since 4.0, and our default. */
export const DEFAULT_NUM_TOKENS = 16;
/** DatabaseDescriptor.MAX_NUM_TOKENS. */
export const NUM_TOKENS_MAX = 1536;
/** Attempts at drawing a random token not already in the ring, per token. */
const RANDOM_TOKEN_ATTEMPTS_MAX = 1000;

export interface TokenConfig {
  /** num_tokens; undefined when absent from the configuration. */
  readonly numTokens?: number;
  /** initial_token: comma-separated tokens. */
  readonly initialToken?: string;
  /** allocate_tokens_for_local_replication_factor. */
  readonly allocateForLocalReplicationFactor?: number;
}

export interface ResolvedTokenConfig {
  readonly numTokens: number;
  readonly initialTokens: readonly Token[];
  readonly allocateForLocalReplicationFactor: number | null;
}

/** DatabaseDescriptor.tokensFromString: split on commas, trim, drop empty pieces. */
export function tokensFromString(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Validates token settings as DatabaseDescriptor.applyTokensConfig does: initial_token without
 * num_tokens is allowed only for a single token; the counts must match; every token must parse.
 * Without either setting, num_tokens is DEFAULT_NUM_TOKENS.
 */
export function resolveTokenConfig(config: TokenConfig): ResolvedTokenConfig {
  const texts = tokensFromString(config.initialToken);
  let numTokens = config.numTokens;
  if (texts.length > 0) {
    if (numTokens === undefined) {
      if (texts.length === 1) numTokens = 1;
      else throw configError('initial_token was set but num_tokens is not!');
    }
    if (texts.length !== numTokens) {
      throw configError(`The number of initial tokens (by initial_token) specified (${texts.length}) is different from num_tokens value (${numTokens})`);
    }
  }
  numTokens ??= DEFAULT_NUM_TOKENS;
  if (!Number.isInteger(numTokens) || numTokens < 1) throw configError('num_tokens must be >= 1');
  if (numTokens > NUM_TOKENS_MAX) throw configError(`A maximum number of ${NUM_TOKENS_MAX} tokens per node is supported`);
  const initialTokens = texts.map((text) => {
    const t = parseToken(text);
    if (t === null) throw configError(`For input string: "${text}"`);
    return t;
  });
  const rf = config.allocateForLocalReplicationFactor;
  if (rf !== undefined && (!Number.isInteger(rf) || rf < 1)) {
    throw configError(`allocate_tokens_for_local_replication_factor must be a positive integer, got ${rf}`);
  }
  return { numTokens, initialTokens, allocateForLocalReplicationFactor: rf ?? null };
}

/** `count` random tokens that are not in the ring and distinct (getRandomTokens). */
export function randomTokens(random: Random, count: number, metadata: TokenMetadata): Token[] {
  const chosen = new Set<Token>();
  let attempts = 0;
  while (chosen.size < count) {
    if (++attempts > count * RANDOM_TOKEN_ATTEMPTS_MAX) throw configError('could not draw distinct random tokens');
    const t = normalizeRandomToken((BigInt(random.nextUint32()) << 32n) | BigInt(random.nextUint32()));
    if (metadata.ownerOf(t) === undefined && metadata.bootstrapTokens().get(t) === undefined) chosen.add(t);
  }
  return [...chosen].sort(compareTokens);
}

export type TokenSource = 'initial_token' | 'allocation' | 'random';

export interface BootstrapTokens {
  readonly tokens: readonly Token[];
  readonly source: TokenSource;
  /** Why allocation fell back to random tokens, if it did. */
  readonly warning?: string;
}

/**
 * The tokens a node joins with. `metadata` must have the node registered (dc, rack) without tokens.
 * Throws CqlError(ConfigError) when an initial token is already taken.
 */
export function chooseBootstrapTokens(options: {
  readonly config: ResolvedTokenConfig;
  readonly metadata: TokenMetadata;
  readonly endpoint: EndpointAddress;
  readonly random: Random;
}): BootstrapTokens {
  const { config, metadata, endpoint, random } = options;
  if (config.initialTokens.length > 0) {
    for (const t of config.initialTokens) {
      if (metadata.ownerOf(t) !== undefined) {
        throw configError(`Bootstrapping to existing token ${t} is not allowed (decommission/removenode the old node first).`);
      }
    }
    return { tokens: [...config.initialTokens].sort(compareTokens), source: 'initial_token' };
  }
  const rf = config.allocateForLocalReplicationFactor;
  if (rf !== null) {
    const dc = metadata.endpoint(endpoint)?.dc;
    const dcTokens = dc === undefined ? 0 : (metadata.topology().endpointsByDc.get(dc) ?? []).reduce((sum, m) => sum + metadata.tokensOf(m).length, 0);
    if (dcTokens + config.numTokens <= ALLOCATION_DC_TOKENS_MAX) {
      return { tokens: allocateTokens({ metadata, endpoint, numTokens: config.numTokens, replicationFactor: rf, random }), source: 'allocation' };
    }
    return {
      tokens: randomTokens(random, config.numTokens, metadata), source: 'random',
      warning: `${dcTokens} tokens in the datacenter: beyond ${ALLOCATION_DC_TOKENS_MAX}, random tokens are used instead of allocation`,
    };
  }
  return {
    tokens: randomTokens(random, config.numTokens, metadata), source: 'random',
    ...(config.numTokens === 1 ? { warning: 'Picking random token for a single vnode.  You should probably add more vnodes and/or use the automatic token allocation mechanism.' } : {}),
  };
}
