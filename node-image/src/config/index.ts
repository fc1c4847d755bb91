// cassia.yaml schema (zod), defaults, environment overrides.
export {
  ConfigError, applyEnvironment, loadNodeConfig, nodeConfigSchema, parseDurationMs, parseNodeConfig, parseSizeBytes, withPathPrefix,
} from './node-config.ts';
export type { NodeConfig, NodeConfigInput } from './node-config.ts';
