// Keyspace replication options: class resolution, the option rewriting Cassandra 4.1 does before
// CREATE/ALTER (prepareOptions: default RF, NTS replication_factor expansion, dropping "0" DCs),
// validation with Cassandra's ConfigurationException messages, and construction of the strategy.
// Validation of unknown options (unknown DC names) runs only at CREATE/ALTER time, as in Cassandra,
// which merely logs them when loading an existing keyspace.
import { assertNever, configError } from '../../lib/index.ts';
import type { ReplicationOptions } from '../../schema/index.ts';
import type { EndpointAddress } from '../endpoint.ts';
import type { TokenMetadata } from '../token-metadata.ts';
import { everywhereStrategy } from './everywhere-strategy.ts';
import { localStrategy } from './local-strategy.ts';
import { networkTopologyStrategy } from './network-topology-strategy.ts';
import { type ReplicationStrategy, StrategyKind, type StrategyKindValue } from './replication-strategy.ts';
import { simpleStrategy } from './simple-strategy.ts';

const LOCATOR_PACKAGE = 'org.apache.cassandra.locator.';
export const StrategyClass = {
  Local: `${LOCATOR_PACKAGE}LocalStrategy`,
  Simple: `${LOCATOR_PACKAGE}SimpleStrategy`,
  NetworkTopology: `${LOCATOR_PACKAGE}NetworkTopologyStrategy`,
  Everywhere: `${LOCATOR_PACKAGE}EverywhereStrategy`,
} as const;

const KIND_BY_CLASS: ReadonlyMap<string, StrategyKindValue> = new Map([
  [StrategyClass.Local, StrategyKind.Local],
  [StrategyClass.Simple, StrategyKind.Simple],
  [StrategyClass.NetworkTopology, StrategyKind.NetworkTopology],
  [StrategyClass.Everywhere, StrategyKind.Everywhere],
]);

const REPLICATION_FACTOR = 'replication_factor';
/** Java's Integer.MAX_VALUE: the largest replication factor Integer.parseInt accepts. */
const JAVA_INT_MAX = 2_147_483_647;
/** Cassandra's default_keyspace_rf (4.1): the RF used when CREATE KEYSPACE gives none. */
export const DEFAULT_KEYSPACE_RF = 1;

/** Fully qualified strategy class for a user-supplied name ("SimpleStrategy" or qualified). */
export function resolveStrategyClass(name: string): string {
  const qualified = name.includes('.') ? name : LOCATOR_PACKAGE + name;
  if (qualified === `${LOCATOR_PACKAGE}OldNetworkTopologyStrategy`) {
    throw configError('The support for the OldNetworkTopologyStrategy has been removed in C* version 4.0. The keyspace strategy should be switch to NetworkTopologyStrategy');
  }
  if (!KIND_BY_CLASS.has(qualified)) throw configError(`Unable to find replication strategy class '${qualified}'`);
  return qualified;
}

function simpleName(qualifiedClass: string): string {
  return qualifiedClass.slice(qualifiedClass.lastIndexOf('.') + 1);
}

/** A replication factor "n" or "n/t" (t transient replicas), parsed as ReplicationFactor.fromString. */
export interface ReplicationFactor {
  readonly allReplicas: number;
  readonly transientReplicas: number;
}

/** Java Integer.parseInt: optional sign, ASCII digits, within int range; NumberFormatException text otherwise. */
function parseJavaInt(text: string): number {
  if (/^[+-]?\d+$/.test(text)) {
    const v = Number(text);
    if (v >= -JAVA_INT_MAX - 1 && v <= JAVA_INT_MAX) return v;
  }
  throw configError(`For input string: "${text}"`);
}

/**
 * Parses and validates a replication factor with Cassandra's messages. Transient replication is
 * not supported (as with transient_replication disabled, the default), so "n/t" with t > 0 fails.
 */
export function parseReplicationFactor(text: string): ReplicationFactor {
  let all: number;
  let transient = 0;
  if (text.includes('/')) {
    // Java's String.split drops trailing empty strings: "3/" has one part.
    const parts = text.split('/');
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    if (parts.length !== 2) throw configError('Replication factor format is <replicas> or <replicas>/<transient>');
    all = parseJavaInt(parts[0]!);
    transient = parseJavaInt(parts[1]!);
  } else {
    all = parseJavaInt(text);
  }
  if (transient !== 0) throw configError('Transient replication is not enabled on this node');
  if (all < 0) throw configError(`Replication factor must be non-negative, found ${all}`);
  return { allReplicas: all, transientReplicas: 0 };
}

export interface PrepareContext {
  /** Datacenters with known endpoints, plus the local one (Cassandra Datacenters.getValidDatacenters). */
  readonly knownDatacenters: ReadonlySet<string>;
  /** default_keyspace_rf; DEFAULT_KEYSPACE_RF when not configured. */
  readonly defaultKeyspaceRf?: number;
}

/**
 * Rewrites user options before validation, as the strategies' prepareOptions do in 4.1:
 * SimpleStrategy gets replication_factor from the previous options or default_keyspace_rf when
 * absent; NetworkTopologyStrategy expands replication_factor into every known DC (keeping DCs named
 * explicitly and, on ALTER, the previous per-DC values), then drops DCs whose value is "0".
 */
export function prepareReplicationOptions(
  qualifiedClass: string,
  options: Readonly<Record<string, string>>,
  previousOptions: Readonly<Record<string, string>>,
  context: PrepareContext,
): Record<string, string> {
  const defaultRf = String(context.defaultKeyspaceRf ?? DEFAULT_KEYSPACE_RF);
  const out: Record<string, string> = { ...options };
  const previous = new Map(Object.entries(previousOptions));
  if (qualifiedClass === StrategyClass.Simple) {
    if (!(REPLICATION_FACTOR in out)) out[REPLICATION_FACTOR] = previous.get(REPLICATION_FACTOR) ?? defaultRf;
    return out;
  }
  if (qualifiedClass !== StrategyClass.NetworkTopology) return out;
  if (Object.keys(out).length === 0) out[REPLICATION_FACTOR] = previous.get(REPLICATION_FACTOR) ?? defaultRf;
  let replication: string | undefined = out[REPLICATION_FACTOR];
  delete out[REPLICATION_FACTOR];
  if (replication === undefined && Object.keys(out).length === 0) {
    replication = previous.get(REPLICATION_FACTOR); // direct ALTER from SimpleStrategy
  } else if (replication !== undefined) {
    // Auto-expansion on ALTER keeps the existing DC factors for safety.
    for (const [key, value] of previous) if (key !== REPLICATION_FACTOR && !(key in out)) out[key] = value;
  }
  if (replication !== undefined) {
    const rf = parseReplicationFactor(replication);
    for (const dc of [...context.knownDatacenters].sort()) if (!(dc in out)) out[dc] = String(rf.allReplicas);
  }
  for (const [key, value] of Object.entries(out)) if (value === '0') delete out[key];
  return out;
}

export interface StrategyContext {
  /** This node's address, the only replica of LocalStrategy keyspaces. */
  readonly localAddress: EndpointAddress;
}

/**
 * Builds the strategy for stored (already validated) options. Throws CqlError(ConfigError) with
 * Cassandra's message when the options cannot be constructed at all (missing or bad RF).
 */
export function createReplicationStrategy(replication: ReplicationOptions, context: StrategyContext): ReplicationStrategy {
  const qualified = resolveStrategyClass(replication.class);
  const options = replication.options;
  const kind = KIND_BY_CLASS.get(qualified)!;
  switch (kind) {
    case StrategyKind.Local:
      return localStrategy(context.localAddress);
    case StrategyKind.Everywhere:
      return everywhereStrategy();
    case StrategyKind.Simple: {
      const rf = options[REPLICATION_FACTOR];
      if (rf === undefined) throw configError('SimpleStrategy requires a replication_factor strategy option.');
      return simpleStrategy(parseReplicationFactor(rf).allReplicas);
    }
    case StrategyKind.NetworkTopology: {
      const rfByDc = new Map<string, number>();
      for (const [dc, value] of Object.entries(options)) {
        if (dc.toLowerCase() === REPLICATION_FACTOR) {
          throw configError(`${REPLICATION_FACTOR} should not appear as an option at construction time for NetworkTopologyStrategy`);
        }
        rfByDc.set(dc, parseReplicationFactor(value).allReplicas);
      }
      return networkTopologyStrategy(rfByDc);
    }
    default:
      return assertNever(kind, 'strategy kind');
  }
}

export interface ValidationContext extends StrategyContext {
  readonly keyspace: string;
  /** Datacenters with known endpoints, plus the local one. */
  readonly knownDatacenters: ReadonlySet<string>;
}

/**
 * CREATE/ALTER KEYSPACE validation (AbstractReplicationStrategy.validateReplicationStrategy):
 * construct, reject unrecognized options (for NTS: unknown datacenters, and an empty map), then
 * validate the factors. Call after prepareReplicationOptions. Throws CqlError(ConfigError).
 */
export function validateReplication(replication: ReplicationOptions, context: ValidationContext): ReplicationStrategy {
  const qualified = resolveStrategyClass(replication.class);
  const strategy = createReplicationStrategy(replication, context);
  const keys = Object.keys(replication.options);
  let recognized: ReadonlySet<string>;
  switch (strategy.kind) {
    case StrategyKind.Simple:
      recognized = new Set([REPLICATION_FACTOR]);
      break;
    case StrategyKind.NetworkTopology:
      if (keys.length === 0) throw configError('Configuration for at least one datacenter must be present');
      recognized = context.knownDatacenters;
      break;
    case StrategyKind.Local:
    case StrategyKind.Everywhere:
      recognized = new Set();
      break;
    default:
      return assertNever(strategy.kind, 'strategy kind');
  }
  for (const key of keys) {
    if (!recognized.has(key)) {
      throw configError(`Unrecognized strategy option {${key}} passed to ${simpleName(qualified)} for keyspace ${context.keyspace}`);
    }
  }
  return strategy;
}

/**
 * Client warnings of CREATE/ALTER KEYSPACE (maybeWarnOnOptions, without guardrails): an RF above
 * the node count, for SimpleStrategy against every registered node, for NetworkTopologyStrategy
 * against the ring members of each named DC that has any. System keyspaces get none (caller).
 */
export function replicationWarnings(keyspace: string, replication: ReplicationOptions, strategy: ReplicationStrategy, metadata: TokenMetadata): string[] {
  const warnings: string[] = [];
  if (strategy.kind === StrategyKind.Simple) {
    const rf = strategy.totalReplicationFactor(metadata);
    const nodeCount = metadata.allEndpoints().length;
    if (rf > nodeCount && nodeCount !== 0) {
      warnings.push(`Your replication factor ${rf} for keyspace ${keyspace} is higher than the number of nodes ${nodeCount}`);
    }
  } else if (strategy.kind === StrategyKind.NetworkTopology) {
    const byDc = metadata.topology().endpointsByDc;
    for (const dc of Object.keys(replication.options)) {
      const rf = strategy.replicationFactorIn(dc, metadata);
      const nodeCount = byDc.get(dc)?.length ?? 0;
      if (rf > nodeCount && nodeCount !== 0) {
        warnings.push(`Your replication factor ${rf} for keyspace ${keyspace} is higher than the number of nodes ${nodeCount} for datacenter ${dc}`);
      }
    }
  }
  return warnings;
}
