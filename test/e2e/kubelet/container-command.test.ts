import { describe, expect, it } from 'vitest';
import { resolveCommand, rewriteMountPath } from './container-command.ts';

const runtime = { repoDir: '/repo', nodeBin: '/repo/node_modules/.bin/node', isExecutable: (f: string) => f === '/usr/bin/env' };

describe('resolveCommand', () => {
  it('runs cassia-node images as the repo CLI; args without a command replace the CMD (ENTRYPOINT is tini)', () => {
    expect(
      resolveCommand({ image: 'ghcr.io/x/cassia-node:0.1', command: undefined, args: ['node', '/app/node-image/cli/cassia.ts', 'node', '--config', '/etc/cassia/cassia.yaml'], runtime }),
    ).toEqual({
      ok: true,
      kind: 'cassia-node',
      file: runtime.nodeBin,
      args: ['/repo/node-image/cli/cassia.ts', 'node', '--config', '/etc/cassia/cassia.yaml'],
    });
    // The image's CMD (node-image/Dockerfile), V8 flag included.
    expect(resolveCommand({ image: 'cassia-node:e2e', command: undefined, args: undefined, runtime })).toMatchObject({
      args: ['--heap-growing-percent=300', '/repo/node-image/cli/cassia.ts', 'node', '--config', '/etc/cassia/cassia.yaml'],
    });
    expect(resolveCommand({ image: 'cassia-node:e2e', command: undefined, args: ['cassia', 'nodetool', 'status'], runtime })).toMatchObject({
      args: ['/repo/node-image/cli/cassia.ts', 'nodetool', 'status'],
    });
    expect(resolveCommand({ image: 'cassia-node:e2e', command: undefined, args: ['--config', '/x'], runtime })).toMatchObject({ ok: false, reason: 'ErrImagePull' });
    expect(resolveCommand({ image: 'cassia-node:e2e', command: ['cassia'], args: ['node'], runtime })).toMatchObject({
      args: ['/repo/node-image/cli/cassia.ts', 'node'],
    });
    expect(resolveCommand({ image: 'cassia-node:e2e', command: ['node', '/app/node-image/cli/cassia.ts'], args: ['x'], runtime })).toMatchObject({
      args: ['/repo/node-image/cli/cassia.ts', 'x'],
    });
  });

  it('runs cassia-operator images as operator/main.ts', () => {
    expect(resolveCommand({ image: 'cassia-operator:e2e', command: undefined, args: ['--leader-elect'], runtime })).toMatchObject({
      ok: true,
      kind: 'cassia-operator',
      args: ['/repo/operator/main.ts', '--leader-elect'],
    });
  });

  it('runs other images only through an absolute local executable', () => {
    expect(resolveCommand({ image: 'busybox', command: ['/usr/bin/env'], args: ['A=1'], runtime })).toEqual({ ok: true, kind: 'local', file: '/usr/bin/env', args: ['A=1'] });
    expect(resolveCommand({ image: 'busybox', command: ['sh', '-c', 'x'], args: [], runtime })).toMatchObject({ ok: false, reason: 'ErrImagePull' });
    expect(resolveCommand({ image: 'busybox', command: undefined, args: [], runtime })).toMatchObject({ ok: false });
  });
});

describe('rewriteMountPath', () => {
  const mounts = ['/data', '/data/logs', '/etc/cassia/'];
  it('prefixes mount paths, flags with a path value, and leaves the rest', () => {
    expect(rewriteMountPath('/data', mounts, '/p')).toBe('/p/data');
    expect(rewriteMountPath('/data/logs/x', mounts, '/p')).toBe('/p/data/logs/x');
    expect(rewriteMountPath('--config=/etc/cassia/cassia.yaml', mounts, '/p')).toBe('--config=/p/etc/cassia/cassia.yaml');
    expect(rewriteMountPath('/database', mounts, '/p')).toBe('/database');
    expect(rewriteMountPath('data', mounts, '/p')).toBe('data');
  });

  it('leaves host paths the image was mapped to, even under a mount path (a checkout in /tmp with a /tmp mount)', () => {
    const withTmp = ['/tmp', '/var/lib/cassia'];
    const roots = ['/tmp/ci-clone'];
    expect(rewriteMountPath('/tmp/ci-clone/node-image/cli/cassia.ts', withTmp, '/p', roots)).toBe('/tmp/ci-clone/node-image/cli/cassia.ts');
    expect(rewriteMountPath('--x=/tmp/ci-clone/a', withTmp, '/p', roots)).toBe('--x=/tmp/ci-clone/a');
    expect(rewriteMountPath('/tmp/ci-clone-other/a', withTmp, '/p', roots)).toBe('/p/tmp/ci-clone-other/a');
    expect(rewriteMountPath('/tmp/scratch', withTmp, '/p', roots)).toBe('/p/tmp/scratch');
    expect(rewriteMountPath('/tmp/ci-clone/node-image/cli/cassia.ts', withTmp, '/p')).toBe('/p/tmp/ci-clone/node-image/cli/cassia.ts');
  });
});
