import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nodeRuntimeFlags, v8PoolSize } from './runtime-flags.ts';

describe('node runtime flags', () => {
  it('give V8 one background thread per core beyond the first, one to four', () => {
    expect([1, 2, 3, 4, 5, 8, 64].map(v8PoolSize)).toEqual([1, 1, 2, 3, 4, 4, 4]);
    expect(v8PoolSize(0)).toBe(1);
    expect(nodeRuntimeFlags(2)).toEqual(['--v8-pool-size=1', '--heap-growing-percent=300']);
  });

  it('are flags this Node.js accepts (a misspelt V8 flag would stop every node at startup)', () => {
    const flags = nodeRuntimeFlags();
    const run = spawnSync(process.execPath, [...flags, '-e', `process.stdout.write(JSON.stringify(process.execArgv.slice(0, ${flags.length})))`], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(flags);
  });
});
