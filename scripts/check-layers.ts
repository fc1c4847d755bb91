// Enforces the layering of ARCHITECTURE.md: a module under node-image/src imports only from its own
// level or a lower one, reaches another layer only through that layer's index.ts, and only io/real
// touches the real world (fs, net, clocks, timers, randomness). The operator sees the node only
// through management/contract and management/client. Exit code 1 on any violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'node-image', 'src');

/** Level of each top-level entry of node-image/src (ARCHITECTURE.md, "Layering"). */
export const LAYER_LEVELS: Readonly<Record<string, number>> = {
  lib: 1, io: 1, config: 1, 'constants.ts': 1,
  schema: 2,
  storage: 3,
  cluster: 4, messaging: 4,
  coordinator: 5, streaming: 5, repair: 5,
  cql: 6,
  protocol: 7, management: 7,
  'main.ts': 8, 'node.ts': 8, sim: 8, shard: 8,
};

/** Real-world access allowed only under io/real (and composition roots that bind it). */
const FORBIDDEN_MODULES = [
  'node:fs', 'node:fs/promises', 'node:net', 'node:dgram', 'node:http', 'node:https', 'node:http2',
  'node:child_process', 'node:dns', 'node:timers', 'node:timers/promises', 'node:cluster', 'node:tls',
];
const FORBIDDEN_GLOBALS: ReadonlyArray<[RegExp, string]> = [
  [/\bDate\.now\s*\(/, 'Date.now()'],
  [/\bnew Date\s*\(\s*\)/, 'new Date()'],
  [/\bMath\.random\s*\(/, 'Math.random()'],
  [/(?<![.\w])setTimeout\s*\(/, 'setTimeout()'],
  [/(?<![.\w])setInterval\s*\(/, 'setInterval()'],
  [/(?<![.\w])setImmediate\s*\(/, 'setImmediate()'],
  [/\bperformance\.now\s*\(/, 'performance.now()'],
  [/\bprocess\.hrtime\b/, 'process.hrtime'],
];
const REAL_WORLD_ALLOWED = ['io/real/', 'main.ts', 'shard/'];

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function importsOf(text: string): string[] {
  const specs: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(re)) specs.push((m[1] ?? m[2] ?? m[3])!);
  return specs;
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

function topOf(relToSrc: string): string {
  return relToSrc.split('/')[0]!;
}

export function checkLayers(): string[] {
  const problems: string[] = [];
  const files = walk(src, []);
  for (const file of files) {
    const rel = relative(src, file).split(sep).join('/');
    const isTest = rel.endsWith('.test.ts');
    const top = topOf(rel);
    const level = LAYER_LEVELS[top];
    if (level === undefined) {
      problems.push(`${rel}: top-level entry '${top}' has no layer in scripts/check-layers.ts`);
      continue;
    }
    const text = readFileSync(file, 'utf8');
    for (const spec of importsOf(text)) {
      if (FORBIDDEN_MODULES.includes(spec) || FORBIDDEN_MODULES.includes(`node:${spec}`)) {
        if (!REAL_WORLD_ALLOWED.some((p) => rel.startsWith(p)) && !isTest) {
          problems.push(`${rel}: imports ${spec}; only io/real may touch the real world (inject it)`);
        }
        continue;
      }
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const targetRel = relative(src, target).split(sep).join('/');
      if (targetRel.startsWith('..')) {
        if (!isTest) problems.push(`${rel}: imports ${spec}, outside node-image/src`);
        continue;
      }
      const targetTop = topOf(targetRel);
      const targetLevel = LAYER_LEVELS[targetTop];
      if (targetLevel === undefined) continue;
      if (targetLevel > level) {
        problems.push(`${rel}: level ${level} (${top}) imports level ${targetLevel} (${targetRel})`);
      }
      if (targetTop !== top && !isTest) {
        const isIndex = /(^|\/)index\.ts$/.test(targetRel);
        if (!isIndex && !targetTop.endsWith('.ts')) {
          problems.push(`${rel}: imports ${targetRel}; cross-layer imports go through the layer's index.ts`);
        }
      }
      if (targetRel.startsWith('io/real/') && !REAL_WORLD_ALLOWED.some((p) => rel.startsWith(p)) && !rel.startsWith('sim/') && !isTest) {
        problems.push(`${rel}: imports io/real; only composition roots bind real I/O`);
      }
    }
    if (!isTest && !REAL_WORLD_ALLOWED.some((p) => rel.startsWith(p)) && !rel.startsWith('io/')) {
      const code = stripComments(text);
      for (const [re, what] of FORBIDDEN_GLOBALS) {
        if (re.test(code)) problems.push(`${rel}: uses ${what}; inject a Clock/Timers/Random instead`);
      }
    }
  }
  // The operator sees the node only through the management contract and client.
  const operatorDir = join(root, 'operator');
  let operatorFiles: string[] = [];
  try { operatorFiles = walk(operatorDir, []); } catch { operatorFiles = []; }
  for (const file of operatorFiles) {
    const rel = relative(root, file).split(sep).join('/');
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const targetRel = relative(root, resolve(dirname(file), spec)).split(sep).join('/');
      if (targetRel.startsWith('node-image/') &&
          !targetRel.startsWith('node-image/src/management/contract/') &&
          !targetRel.startsWith('node-image/src/management/client/')) {
        problems.push(`${rel}: imports ${targetRel}; the operator may import only management/contract and management/client`);
      }
    }
  }
  return problems;
}

if (import.meta.main) {
  const problems = checkLayers();
  for (const p of problems) console.error(`layer violation: ${p}`);
  if (problems.length > 0) process.exit(1);
  console.log('layers ok');
}
