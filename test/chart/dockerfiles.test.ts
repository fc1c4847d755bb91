// Docker cannot run here, so the images are checked statically: every source file the entry
// point imports (transitively) is copied into the runtime stage and not excluded by
// .dockerignore, every npm package it imports survives the Dockerfile's pruning, and the
// runtime stage runs as uid 10001 with tini and no Docker healthcheck.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { nodeRuntimeFlags } from '../../node-image/cli/runtime-flags.ts';
import { NODE_ARGS } from '../../operator/specs/statefulset.ts';
import { nodeImageDefaultCmd } from '../e2e/kubelet/container-command.ts';
import { repoDir } from './cases.ts';

/** Repository-relative files reached from `entry` through relative imports, and bare packages. */
function importClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const stack = [path.join(repoDir, entry)];
  while (stack.length > 0) {
    const file = stack.pop()!;
    const rel = path.relative(repoDir, file);
    if (files.has(rel)) continue;
    files.add(rel);
    for (const imported of ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles) {
      const spec = imported.fileName;
      if (spec.startsWith('.')) stack.push(path.resolve(path.dirname(file), spec));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return { files, packages };
}

interface Dockerfile {
  /** Lines of the last stage (the runtime image). */
  readonly runtime: string[];
  /** Packages removed by `npm uninstall` in the build stage. */
  readonly uninstalled: string[];
  /** Sources copied from the build context into the runtime stage. */
  readonly copiedFromContext: string[];
}

function readDockerfile(file: string): Dockerfile {
  // Join continuation lines, drop comments.
  const lines = fs.readFileSync(path.join(repoDir, file), 'utf8').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: string[][] = [];
  for (const line of lines) {
    if (/^FROM /i.test(line)) stages.push([]);
    stages.at(-1)?.push(line);
  }
  const runtime = stages.at(-1)!;
  const uninstallLine = stages.flat().find((l) => l.includes('npm uninstall')) ?? '';
  const uninstalled = uninstallLine.split('npm uninstall')[1]!.split('&&')[0]!.split(/\s+/).filter((w) => w !== '' && !w.startsWith('-'));
  const copiedFromContext = runtime.filter((l) => /^COPY /i.test(l) && !l.includes('--from=')).flatMap((l) => {
    const parts = l.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
    return parts.slice(0, -1);
  });
  return { runtime, uninstalled, copiedFromContext };
}

/** The .dockerignore patterns (allowlist style) applied to a repository-relative file. */
function includedByDockerignore(rel: string, patterns: readonly string[]): boolean {
  let included = true;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/\/$/, '');
    const source = pattern.split('/').map((part) => (part === '**' ? '.*' : part.replace(/[.+^${}()|[\]]/g, '\\$&').replace(/\*/g, '[^/]*'))).join('/');
    const regex = new RegExp(`^${source.replace(/\.\*\//g, '(.*/)?')}(/.*)?$`);
    if (regex.test(rel)) included = negate;
  }
  return included;
}

const dockerignore = fs.readFileSync(path.join(repoDir, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
const dependencies = Object.keys((JSON.parse(fs.readFileSync(path.join(repoDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);

const images = [
  { dockerfile: 'operator/Dockerfile', entries: ['operator/main.ts'] },
  { dockerfile: 'node-image/Dockerfile', entries: ['node-image/cli/cassia.ts'] },
] as const;

describe('.dockerignore', () => {
  it('keeps sources and manifests, drops tests, the simulator and node_modules', () => {
    expect(includedByDockerignore('package.json', dockerignore)).toBe(true);
    expect(includedByDockerignore('operator/main.ts', dockerignore)).toBe(true);
    expect(includedByDockerignore('operator/main.test.ts', dockerignore)).toBe(false);
    expect(includedByDockerignore('node-image/src/sim/sim-cluster.ts', dockerignore)).toBe(false);
    expect(includedByDockerignore('node_modules/zod/package.json', dockerignore)).toBe(false);
    expect(includedByDockerignore('test/chart/run.ts', dockerignore)).toBe(false);
  });
});

for (const image of images) {
  describe(image.dockerfile, () => {
    const dockerfile = readDockerfile(image.dockerfile);
    const closure = image.entries.map(importClosure).reduce((a, b) => ({ files: new Set([...a.files, ...b.files]), packages: new Set([...a.packages, ...b.packages]) }));

    it('copies every source file the entry point imports, none of them dockerignored', () => {
      const copied = dockerfile.copiedFromContext.map((c) => c.replace(/\/$/, ''));
      const missing = [...closure.files].filter((f) => !copied.some((c) => f === c || f.startsWith(`${c}/`)));
      const ignored = [...closure.files].filter((f) => !includedByDockerignore(f, dockerignore));
      expect(missing).toEqual([]);
      expect(ignored).toEqual([]);
      expect(copied).toContain('package.json');
    });

    it('keeps every npm package the entry point imports, removes only real dependencies', () => {
      for (const p of closure.packages) expect(dependencies, `${p} is not a runtime dependency`).toContain(p);
      for (const p of dockerfile.uninstalled) expect(dependencies).toContain(p);
      expect([...closure.packages].filter((p) => dockerfile.uninstalled.includes(p))).toEqual([]);
    });

    it('runs as uid 10001 under tini, without a Docker healthcheck', () => {
      expect(dockerfile.runtime).toContain('USER 10001:10001');
      expect(dockerfile.runtime).toContain('HEALTHCHECK NONE');
      expect(dockerfile.runtime.find((l) => l.startsWith('ENTRYPOINT'))).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"/);
      const entry = image.entries[0];
      expect(dockerfile.runtime.filter((l) => /^(ENTRYPOINT|CMD) /.test(l)).join(' ')).toContain(`/app/${entry}`);
    });
  });
}

describe('node-image/Dockerfile command', () => {
  it('is the command the operator renders and the local kubelet assumes, with the node V8 flags that need no CPU count', () => {
    const cmdLine = readDockerfile('node-image/Dockerfile').runtime.find((l) => l.startsWith('CMD '));
    const cmd = JSON.parse(cmdLine!.slice('CMD '.length)) as string[];
    expect(cmd).toEqual([...NODE_ARGS]);
    expect(cmd).toEqual([...nodeImageDefaultCmd]);
    // --v8-pool-size depends on the pod's CPUs (the operator adds it); the rest is fixed.
    const fixed = nodeRuntimeFlags().filter((f) => !f.startsWith('--v8-pool-size='));
    expect(fixed.length).toBeGreaterThan(0);
    expect(cmd.slice(1, 1 + fixed.length)).toEqual(fixed);
  });
});
