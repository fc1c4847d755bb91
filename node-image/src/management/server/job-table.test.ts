import { describe, expect, it } from 'vitest';
import { MemoryDisk, silentLogger } from '../../io/index.ts';
import { ManualClock } from '../../storage/testing/engine-harness.ts';
import type { OperationRunner } from './management-backend.ts';
import { JobTable } from './job-table.ts';
import { BearerTokenCheck, ManagementTokenError, loadManagementToken } from './bearer-token.ts';

const random = { nextUint32: () => 42, nextFloat: () => 0.5, fillBytes: () => {} };

function never(): OperationRunner {
  return { cancellable: false, progressUnit: 'steps', progressTotal: 1, run: () => new Promise(() => {}) };
}

function instant(): OperationRunner {
  return { cancellable: false, progressUnit: 'steps', progressTotal: 1, run: async () => ({ ok: true }) };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('JobTable', () => {
  it('bounds unfinished jobs with MGMT_ERR_TOO_MANY_JOBS', () => {
    const table = new JobTable({ clock: new ManualClock(), random, logger: silentLogger, runningJobsMax: 2 });
    table.submit('flush', undefined, never);
    table.submit('flush', undefined, never);
    expect(() => table.submit('flush', undefined, never)).toThrow(expect.objectContaining({ code: 'MGMT_ERR_TOO_MANY_JOBS' }));
  });

  it('keeps at most finishedJobsMax finished jobs, oldest dropped with its requestId', async () => {
    const table = new JobTable({ clock: new ManualClock(), random, logger: silentLogger, finishedJobsMax: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(table.submit('flush', `r${i}`, instant).job.id);
    await settle();
    expect(table.list().map((j) => j.id)).toEqual(ids.slice(2).reverse());
    expect(table.get(ids[0]!)).toBe(undefined);
    // The dropped job's requestId is free again: a new job starts.
    expect(table.submit('flush', 'r0', instant).created).toBe(true);
    expect(table.submit('flush', 'r4', instant)).toMatchObject({ created: false, job: { id: ids[4] } });
  });

  it('makes job ids differ between node restarts', () => {
    const a = new JobTable({ clock: new ManualClock(), random, logger: silentLogger });
    const b = new JobTable({ clock: new ManualClock(), random: { ...random, nextUint32: () => 7 }, logger: silentLogger });
    expect(a.submit('flush', undefined, instant).job.id).not.toBe(b.submit('flush', undefined, instant).job.id);
  });

  it('refuses new jobs once closed and waits for running ones', async () => {
    const table = new JobTable({ clock: new ManualClock(), random, logger: silentLogger });
    let finish: () => void = () => {};
    table.submit('drain', undefined, () => ({
      cancellable: false, progressUnit: 'steps', progressTotal: 1, run: () => new Promise((resolve) => { finish = () => resolve({}); }),
    }));
    await settle();
    let closed = false;
    const closing = table.close().then(() => { closed = true; });
    await settle();
    expect(closed).toBe(false);
    expect(() => table.submit('flush', undefined, instant)).toThrow(expect.objectContaining({ code: 'MGMT_ERR_UNAVAILABLE' }));
    finish();
    await closing;
    expect(table.list()[0]!.state).toBe('SUCCEEDED');
  });
});

describe('bearer token', () => {
  it('loads a token file, trimming the final newline, and refuses bad ones', () => {
    const disk = new MemoryDisk();
    disk.mkdirp('/etc/cassia');
    disk.writeFileAtomic('/etc/cassia/token', Buffer.from(`${'f'.repeat(64)}\n`));
    expect(loadManagementToken(disk, '/etc/cassia/token')).toBe('f'.repeat(64));
    disk.writeFileAtomic('/etc/cassia/short', Buffer.from('abc'));
    expect(() => loadManagementToken(disk, '/etc/cassia/short')).toThrow(ManagementTokenError);
    disk.writeFileAtomic('/etc/cassia/space', Buffer.from(`${'a'.repeat(20)} ${'b'.repeat(20)}`));
    expect(() => loadManagementToken(disk, '/etc/cassia/space')).toThrow(ManagementTokenError);
    expect(() => loadManagementToken(disk, '/etc/cassia/missing')).toThrow(ManagementTokenError);
  });

  it('matches only the exact token', () => {
    const check = new BearerTokenCheck('s'.repeat(32));
    expect(check.matches(`Bearer ${'s'.repeat(32)}`)).toBe(true);
    expect(check.matches(`Bearer ${'s'.repeat(31)}`)).toBe(false);
    expect(check.matches(`Bearer ${'s'.repeat(33)}`)).toBe(false);
    expect(check.matches(`Basic ${'s'.repeat(32)}`)).toBe(false);
    expect(check.matches('s'.repeat(32))).toBe(false);
    expect(check.matches(undefined)).toBe(false);
    expect(new BearerTokenCheck(null).matches('Bearer anything-at-all')).toBe(false);
  });
});
