// Entry point of `npm run test:e2e`: sets up a provider (local | kind), installs the operator when
// it is deployable, runs the selected specs (one scenario per file) with vitest, prints each
// scenario's wall time, and always tears down (also on failure, SIGINT and SIGTERM).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { operatorScenariosRequested } from './operator-gate.ts';
import { readScenarioTimes } from './lib/scenario-times.ts';
import { createProvider, type E2eProvider, type ProviderName } from './providers/index.ts';

const e2eDir = path.dirname(fileURLToPath(import.meta.url));
const repoDir = path.resolve(e2eDir, '../..');
const vitestEntry = path.join(repoDir, 'node_modules', 'vitest', 'vitest.mjs');
const vitestConfig = path.join(e2eDir, 'vitest.config.ts');
/** Whole-run bound (CI budget for the e2e stage is 40 minutes cold). */
export const e2eRunTimeoutMs = 45 * 60_000;
export const problemCheckIntervalMs = 5_000;

type Label = 'fast' | 'slow';

const program = new Command()
  .name('test:e2e')
  .description('Run the e2e specs against a real Kubernetes API')
  .addOption(new Option('--provider <name>', 'cluster provider').choices(['local', 'kind']).default('local'))
  .addOption(new Option('--label <label>', 'only specs with this label (default: all)').choices(['fast', 'slow']))
  .option('--spec <substring>', 'only spec files whose name contains this')
  .option('--skip-unit', 'skip the harness unit tests')
  .parse();
const opts = program.opts<{ provider: ProviderName; label?: Label; spec?: string; skipUnit?: boolean }>();

const t0 = Date.now();
const log = (msg: string): void => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

function specLabel(file: string): Label {
  const head = fs.readFileSync(file, 'utf8').split('\n', 5).join('\n');
  return /e2e:\s*label=fast/.test(head) ? 'fast' : 'slow';
}

function selectSpecs(): string[] {
  const dir = path.join(e2eDir, 'specs');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.spec.ts'))
    .map((f) => path.join(dir, f))
    .filter((f) => (opts.label ? specLabel(f) === opts.label : true))
    .filter((f) => (opts.spec ? path.basename(f).includes(opts.spec) : true))
    .sort();
}

function runVitest(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<number> } {
  const child = spawn(process.execPath, [vitestEntry, 'run', '--config', vitestConfig, ...args], { cwd: repoDir, env, stdio: 'inherit' });
  const done = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('error', () => resolve(1));
  });
  return { child, done };
}

/** Whether to install the operator; throws when requested but impossible. */
function operatorStatus(specs: readonly string[]): { install: boolean; reason: string } {
  if (!operatorScenariosRequested(specs)) {
    return {
      install: false,
      reason: 'no selected operator scenario is enabled (see operatorScenarios in test/e2e/operator-gate.ts; CASSIA_E2E_WITH_OPERATOR=1 runs them all)',
    };
  }
  const missing = ['operator/main.ts', 'crds', 'node-image/cli/cassia.ts'].filter((p) => !fs.existsSync(path.join(repoDir, p)));
  if (missing.length > 0) throw new Error(`operator scenarios requested but ${missing.join(', ')} missing`);
  return { install: true, reason: '' };
}

type JsonReport = { testResults: { name: string; startTime: number; endTime: number; status: string; assertionResults: { status: string }[] }[] };

function printTimings(reportFile: string, wholeTimes: Map<string, number>): void {
  if (!fs.existsSync(reportFile)) return;
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as JsonReport;
  console.log('\nper-scenario wall time:');
  const skippedOnly = (r: JsonReport['testResults'][number]): boolean => r.assertionResults.every((a) => a.status === 'skipped' || a.status === 'pending');
  const ordered = [...report.testResults].sort((a, b) => Number(skippedOnly(a)) - Number(skippedOnly(b)) || a.startTime - b.startTime);
  for (const r of ordered) {
    const counts = new Map<string, number>();
    for (const a of r.assertionResults) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
    const summary = [...counts].map(([k, v]) => `${v} ${k}`).join(', ');
    const status = skippedOnly(r) && r.status === 'passed' ? 'SKIPPED' : r.status;
    const secs = skippedOnly(r) ? '-' : ((r.endTime - r.startTime) / 1000).toFixed(1) + 's';
    const whole = wholeTimes.get(path.basename(r.name, '.spec.ts'));
    const wholeSecs = whole === undefined ? '' : `, ${(whole / 1000).toFixed(1)}s with cluster setup/teardown`;
    console.log(`  ${path.basename(r.name).padEnd(38)} ${secs.padStart(8)}  ${status.padEnd(7)} (${summary}${wholeSecs})`);
  }
}

async function main(): Promise<number> {
  if (!opts.skipUnit) {
    const unit = runVitest(['--project', 'e2e-unit'], process.env);
    if ((await unit.done) !== 0) {
      log('harness unit tests failed');
      return 1;
    }
  }
  const specs = selectSpecs();
  if (specs.length === 0) {
    log('no spec selected');
    return 1;
  }
  log(`provider ${opts.provider}; ${specs.length} spec file(s): ${specs.map((s) => path.basename(s)).join(', ')}`);

  const provider: E2eProvider = createProvider(opts.provider, log);
  let failed = true;
  let vitest: ChildProcess | undefined;
  let tearingDown: Promise<void> | undefined;
  const teardown = (f: boolean): Promise<void> => (tearingDown ??= provider.teardown({ failed: f }));
  const onSignal = (sig: NodeJS.Signals): void => {
    log(`${sig}: tearing down`);
    vitest?.kill('SIGTERM');
    void teardown(true).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('uncaughtException', (err) => {
    log(`harness error: ${err.stack ?? String(err)}`);
    vitest?.kill('SIGTERM');
    void teardown(true).finally(() => process.exit(1));
  });
  process.on('unhandledRejection', (err) => {
    log(`harness error (unhandled rejection): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    vitest?.kill('SIGTERM');
    void teardown(true).finally(() => process.exit(1));
  });
  const overall = setTimeout(() => {
    log(`run exceeded ${e2eRunTimeoutMs / 60_000} minutes`);
    onSignal('SIGTERM');
  }, e2eRunTimeoutMs);

  try {
    const setupStart = Date.now();
    const ctx = await provider.setup();
    log(`provider ready in ${((Date.now() - setupStart) / 1000).toFixed(1)}s`);
    const op = operatorStatus(specs);
    let operatorEnv = op.reason;
    if (op.install) {
      const s = Date.now();
      await provider.loadImages();
      await provider.installCrdsAndOperator();
      operatorEnv = 'installed';
      log(`operator installed in ${((Date.now() - s) / 1000).toFixed(1)}s`);
    } else {
      log(`${op.reason}: operator scenarios will be SKIPPED`);
    }
    const reportFile = path.join(ctx.runDir, 'vitest-report.json');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...ctx.env,
      KUBECONFIG: ctx.kubeconfig,
      CASSIA_E2E_KUBECTL: ctx.kubectl,
      CASSIA_E2E_OPERATOR: operatorEnv,
    };
    const problems = setInterval(() => {
      for (const p of provider.problems()) log(`PROBLEM: ${p}`);
    }, problemCheckIntervalMs);
    const specsStart = Date.now();
    const v = runVitest(['--project', 'e2e', '--reporter=default', '--reporter=json', `--outputFile.json=${reportFile}`, ...specs], env);
    vitest = v.child;
    const code = await v.done;
    clearInterval(problems);
    vitest = undefined;
    printTimings(reportFile, readScenarioTimes(ctx.runDir));
    const problemList = provider.problems();
    for (const p of problemList) log(`PROBLEM: ${p}`);
    log(`specs finished in ${((Date.now() - specsStart) / 1000).toFixed(1)}s with exit code ${code}`);
    failed = code !== 0 || problemList.length > 0;
  } catch (err) {
    log(`e2e setup failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    failed = true;
  } finally {
    clearTimeout(overall);
    await teardown(failed);
  }
  log(`e2e ${failed ? 'FAILED' : 'passed'} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
