// The typed error of a configuration that cannot run: bad cassia.yaml values, or files it names
// (certificates, keys, tokens) that are missing or invalid. main.ts prints its message and exits 2.

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
