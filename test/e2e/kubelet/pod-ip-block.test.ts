import { describe, expect, it } from 'vitest';
import { claimPodIpBlock, type ClaimOps } from './pod-ip-block.ts';

function memoryOps(alive: Set<number>): ClaimOps & { files: Map<string, number> } {
  const files = new Map<string, number>();
  return {
    files,
    tryCreate: (name, pid) => (files.has(name) ? false : (files.set(name, pid), true)),
    readOwner: (name) => files.get(name),
    remove: (name) => void files.delete(name),
    isAlive: (pid) => alive.has(pid),
  };
}

describe('claimPodIpBlock', () => {
  it('gives concurrent runs different blocks and frees a block on release', () => {
    const ops = memoryOps(new Set([1, 2]));
    const a = claimPodIpBlock({ pid: 1, ops, blocks: [0, 100, 101] });
    const b = claimPodIpBlock({ pid: 2, ops, blocks: [0, 100, 101] });
    expect([a.secondOctet, b.secondOctet]).toEqual([0, 100]);
    a.release();
    expect(claimPodIpBlock({ pid: 2, ops, blocks: [0, 100, 101] }).secondOctet).toBe(0);
  });

  it('takes over a claim whose process is gone, never a live one, and fails when all are live', () => {
    const ops = memoryOps(new Set([7]));
    ops.files.set('127.0', 99);
    ops.files.set('127.100', 7);
    expect(claimPodIpBlock({ pid: 8, ops, blocks: [0, 100] }).secondOctet).toBe(0);
    expect(ops.files.get('127.0')).toBe(8);
    expect(() => claimPodIpBlock({ pid: 9, ops: memoryOps(new Set([7])), blocks: [] })).toThrow(/no free pod address block/);
    const full = memoryOps(new Set([7]));
    full.files.set('127.0', 7);
    expect(() => claimPodIpBlock({ pid: 9, ops: full, blocks: [0] })).toThrow();
  });

  it('release leaves a claim another run took over', () => {
    const ops = memoryOps(new Set([1, 2]));
    const a = claimPodIpBlock({ pid: 1, ops, blocks: [0] });
    ops.files.set('127.0', 2);
    a.release();
    expect(ops.files.get('127.0')).toBe(2);
  });
});
