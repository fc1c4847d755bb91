// Claims a pod address block (the second octet B of 127.B.x.y) for one e2e run, so e2e runs on the
// same machine (several engineers, or scenarios run side by side) never hand out the same pod IP
// and collide on ports. A claim is a file <dir>/127.<B> holding the owner's pid, created
// exclusively; a claim whose pid no longer runs is stale and taken over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Block 0 first (the addresses the docs and old runs use), then 100..227. */
export const podIpBlocks: readonly number[] = [0, ...Array.from({ length: 128 }, (_, i) => 100 + i)];
export const podIpBlockDir = path.join(os.tmpdir(), 'cassia-e2e-ip-blocks');

export type ClaimOps = {
  /** Creates the claim file exclusively; false when it exists. */
  tryCreate: (name: string, pid: number) => boolean;
  /** The pid in an existing claim (undefined when unreadable or gone). */
  readOwner: (name: string) => number | undefined;
  remove: (name: string) => void;
  isAlive: (pid: number) => boolean;
};

export function claimPodIpBlock(options: { pid: number; ops: ClaimOps; blocks?: readonly number[] }): { secondOctet: number; release: () => void } {
  const { pid, ops } = options;
  for (const block of options.blocks ?? podIpBlocks) {
    const name = `127.${block}`;
    // Two attempts per block: the second after removing a stale claim.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (ops.tryCreate(name, pid)) {
        return {
          secondOctet: block,
          release: () => {
            if (ops.readOwner(name) === pid) ops.remove(name);
          },
        };
      }
      const owner = ops.readOwner(name);
      if (owner !== undefined && ops.isAlive(owner)) break;
      ops.remove(name);
    }
  }
  throw new Error('no free pod address block (every 127.B block is claimed by a running e2e run)');
}

/** Claim operations on real files under podIpBlockDir. */
export function fileClaimOps(dir: string = podIpBlockDir): ClaimOps {
  fs.mkdirSync(dir, { recursive: true });
  return {
    tryCreate: (name, pid) => {
      try {
        fs.writeFileSync(path.join(dir, name), String(pid), { flag: 'wx' });
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw err;
      }
    },
    readOwner: (name) => {
      try {
        const pid = Number(fs.readFileSync(path.join(dir, name), 'utf8').trim());
        return Number.isInteger(pid) && pid > 0 ? pid : undefined;
      } catch {
        return undefined;
      }
    },
    remove: (name) => fs.rmSync(path.join(dir, name), { force: true }),
    isAlive: (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
  };
}
