// Process entry of a node: reads cassia.yaml (path from --config or CASSIA_CONFIG), binds real io,
// starts the node, and stops it cleanly on SIGTERM/SIGINT (commit log synced, files closed).
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, loadNodeConfig, withPathPrefix } from './config/index.ts';
import { createRealIo } from './io/real/index.ts';
import { startNode } from './node.ts';

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const configIndex = argv.indexOf('--config');
  const path = configIndex >= 0 ? argv[configIndex + 1] : env['CASSIA_CONFIG'];
  let text = '';
  if (path !== undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      process.stderr.write(`cassia: cannot read config ${path}: ${(error as Error).message}\n`);
      return 2;
    }
  }
  let config;
  try {
    config = withPathPrefix(loadNodeConfig(text, withReplaceAddressFile(env)), env['CASSIA_PATH_PREFIX'] ?? '');
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`cassia: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const io = createRealIo({ logLevel: config.log_level, name: 'cassia' });
  let node;
  try {
    node = await startNode(config, io);
  } catch (error) {
    // Configuration found unusable at start (certificate or token files): exit 2, as for a bad
    // cassia.yaml, so supervisors (the operator) can tell it from a crash.
    if (error instanceof ConfigError || (error instanceof Error && error.name === 'ManagementTokenError')) {
      process.stderr.write(`cassia: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await node.stop();
  return 0;
}

/**
 * CASSIA_REPLACE_ADDRESS_FILE names a file whose trimmed content, when present and non-empty, is
 * the address of the dead node this one replaces (the operator writes it before recreating a pod).
 */
function withReplaceAddressFile(env: Readonly<Record<string, string | undefined>>): Readonly<Record<string, string | undefined>> {
  const named = env['CASSIA_REPLACE_ADDRESS_FILE'];
  if (named === undefined || named === '' || (env['CASSIA_REPLACE_ADDRESS'] ?? '') !== '') return env;
  const prefix = env['CASSIA_PATH_PREFIX'] ?? '';
  const path = prefix !== '' && named.startsWith('/') && !existsSync(named) ? `${prefix}${named}` : named;
  let content: string;
  try {
    content = readFileSync(path, 'utf8').trim();
  } catch {
    return env;
  }
  return content === '' ? env : { ...env, CASSIA_REPLACE_ADDRESS: content };
}

if (import.meta.main) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`cassia: fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
