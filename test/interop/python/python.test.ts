// Runs the Python interop scripts (PyPI cassandra-driver, cqlengine, django-cassandra-engine)
// against a Cassia node in its own process. The interpreter is CASSIA_PYTHON (.ci/run creates the
// venv); without it, a venv under ${CASSIA_CACHE_DIR:-~/.cache/cassia} is reused or created, and if
// that is impossible the tests are skipped LOUDLY with the reason.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CassiaProcess } from '../../support/cassia-process.ts';
import { startCassiaProcess } from '../../support/cassia-process.ts';

const HERE = import.meta.dirname;
const REQUIREMENTS = join(HERE, 'requirements.txt');
/** One script may run this long (the Django one creates and syncs several tables). */
const SCRIPT_TIMEOUT_MS = 150_000;
/** Creating the fallback venv downloads packages: bounded. */
const VENV_TIMEOUT_MS = 600_000;

function pythonVersion(python: string): string | null {
  const r = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The interpreter to use, or the reason there is none. */
function findPython(): { python: string } | { skip: string } {
  const fromEnv = process.env['CASSIA_PYTHON'];
  if (fromEnv !== undefined && fromEnv !== '') return { python: fromEnv };
  const version = pythonVersion('python3');
  if (version === null) return { skip: 'CASSIA_PYTHON is not set and python3 is not on PATH' };
  const cache = process.env['CASSIA_CACHE_DIR'] ?? join(homedir(), '.cache', 'cassia');
  const venv = join(cache, `venv-py-${version}-v1`);
  const python = join(venv, 'bin', 'python');
  const ready = (): boolean => spawnSync(python, ['-c', 'import cassandra, django_cassandra_engine'], { timeout: 30_000 }).status === 0;
  if (existsSync(python) && ready()) return { python };
  mkdirSync(cache, { recursive: true });
  const steps: string[][] = [
    ['python3', '-m', 'venv', venv],
    [join(venv, 'bin', 'pip'), 'install', '-q', '--disable-pip-version-check', '-r', REQUIREMENTS],
  ];
  for (const [cmd, ...args] of steps) {
    const r = spawnSync(cmd!, args, { encoding: 'utf8', timeout: VENV_TIMEOUT_MS });
    if (r.status !== 0) return { skip: `CASSIA_PYTHON is not set and creating ${venv} failed: ${cmd} ${args.join(' ')}: ${(r.stderr ?? '').slice(-500) || String(r.error)}` };
  }
  return ready() ? { python } : { skip: `the venv ${venv} cannot import cassandra and django_cassandra_engine` };
}

const found = findPython();
const skipReason = 'skip' in found ? found.skip : null;
if (skipReason !== null) {
  process.stderr.write(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!!! PYTHON INTEROP TESTS SKIPPED: ${skipReason}\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\n`);
}

let node: CassiaProcess | undefined;

function runScript(script: string): { status: number | null; output: string } {
  const python = (found as { python: string }).python;
  const r = spawnSync(python, [join(HERE, script)], {
    cwd: HERE,
    encoding: 'utf8',
    timeout: SCRIPT_TIMEOUT_MS,
    env: { ...process.env, CASSIA_HOST: node!.address, CASSIA_PORT: String(node!.port), PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
  });
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error === undefined ? '' : String(r.error)}` };
}

describe.skipIf(skipReason !== null)('python drivers against a Cassia process', () => {
  beforeAll(async () => {
    node = await startCassiaProcess();
  });

  afterAll(async () => {
    await node?.destroy();
  });

  for (const script of ['seed_guide_example.py', 'driver_features.py', 'cqlengine_models.py', 'django_project.py']) {
    it(script, () => {
      const { status, output } = runScript(script);
      if (status !== 0) process.stderr.write(`--- ${script} output ---\n${output}\n--- node log tail ---\n${node!.logTail(3000)}\n`);
      expect(status, output.slice(-3000)).toBe(0);
    });
  }
});

if (skipReason !== null) {
  describe('python drivers (skipped)', () => {
    it.skip(`SKIPPED: ${skipReason}`, () => {});
  });
}
