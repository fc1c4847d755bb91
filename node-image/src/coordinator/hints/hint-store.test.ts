import { describe, expect, it } from 'vitest';
import { MemoryDisk, silentLogger } from '../../io/index.ts';
import { MessageReader } from '../messages/coordinator-messages.ts';
import { NO_DELETION_TIME } from '../../storage/index.ts';
import type { Mutation } from '../../storage/index.ts';
import { HINT_ENTRY_HEADER_BYTES, hintFileName, parseHintFileName } from './hint-file.ts';
import { HintStore } from './hint-store.ts';
import { decideHint } from './hint-policy.ts';

const HOST = '11111111-2222-4333-8444-555555555555';
const DIR = '/hints';

function mutation(k: number, value = 'x'): Mutation {
  const key = Buffer.from([k]);
  return {
    keyspace: 'ks', key, token: BigInt(k),
    updates: [{
      tableId: 't', key, token: BigInt(k), partitionDeletion: null, staticRow: null, rangeTombstones: [],
      rows: [{ clustering: [], liveness: null, deletion: null, complexDeletions: [], cells: [{ column: 'v', path: null, value: Buffer.from(value), timestampMicros: 5, ttlSeconds: 0, localDeletionTimeSeconds: NO_DELETION_TIME, tombstone: false }] }],
    }],
  };
}

function open(disk: MemoryDisk, limits = { fileBytesMax: 1 << 20, hostBytesMax: 1 << 20 }): HintStore {
  return new HintStore({ disk: disk.processView(), directory: DIR, limits, logger: silentLogger });
}

function readAll(store: HintStore, hostId: string): Array<{ createdAtMs: number; mutation: Mutation }> {
  const reader = new MessageReader();
  const out: Array<{ createdAtMs: number; mutation: Mutation }> = [];
  for (const f of store.filesToReplay(hostId)) {
    const r = store.openReader(f, 0);
    for (let o = r.next(); o.kind === 'entry'; o = r.next()) out.push({ createdAtMs: o.entry.createdAtMs, mutation: reader.mutation(o.entry.mutationBytes) });
    r.close();
  }
  return out;
}

describe('hint files', () => {
  it('names carry host id, creation millis and version', () => {
    expect(parseHintFileName(hintFileName(HOST, 1234))).toEqual({ hostId: HOST, createdMs: 1234, version: 1 });
    expect(parseHintFileName('junk.hints')).toBeNull();
  });

  it('survive a restart (kill -9) and a power loss after sync; unsynced hints may be lost to a power loss', async () => {
    const disk = new MemoryDisk();
    let store = open(disk);
    for (let k = 0; k < 5; k++) expect(store.write(HOST, 1000 + k, 3600, mutation(k))).toBe(true);
    disk.kill();
    store = open(disk);
    expect(readAll(store, HOST).map((h) => h.mutation.key[0])).toEqual([0, 1, 2, 3, 4]);
    for (let k = 5; k < 8; k++) store.write(HOST, 2000 + k, 3600, mutation(k));
    await store.sync();
    store.write(HOST, 3000, 3600, mutation(9));
    disk.crash({ seed: 1, unsyncedBytes: 'none' });
    store = open(disk);
    const keys = readAll(store, HOST).map((h) => h.mutation.key[0]);
    expect(keys.slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('a torn tail ends the readable entries', () => {
    const disk = new MemoryDisk();
    let store = open(disk);
    for (let k = 0; k < 3; k++) store.write(HOST, 1000, 3600, mutation(k));
    store.close();
    const path = `${DIR}/${disk.processView().list(DIR)[0]!}`;
    const size = disk.peek(path)!.length;
    disk.corrupt(path, size - 3, Buffer.from([1, 2, 3]));
    store = open(disk);
    const reader = store.openReader(store.filesToReplay(HOST)[0]!, 0);
    const kinds: string[] = [];
    for (let o = reader.next(); ; o = reader.next()) {
      kinds.push(o.kind);
      if (o.kind !== 'entry') break;
    }
    expect(kinds).toEqual(['entry', 'entry', 'corrupt']);
    expect(HINT_ENTRY_HEADER_BYTES).toBe(8);
  });

  it('rolls files at the size bound and refuses beyond the per-host bound', () => {
    const disk = new MemoryDisk();
    const store = open(disk, { fileBytesMax: 200, hostBytesMax: 1000 });
    let written = 0;
    for (let k = 0; k < 100; k++) if (store.write(HOST, 1000 + k, 3600, mutation(k, 'y'.repeat(40)))) written++;
    expect(written).toBeGreaterThan(5);
    expect(written).toBeLessThan(100);
    expect(store.bytesFor(HOST)).toBeLessThanOrEqual(1000);
    const files = store.filesToReplay(HOST);
    expect(files.length).toBeGreaterThan(1);
    for (const f of files) expect(f.sizeBytes).toBeLessThanOrEqual(200);
    for (const f of files) store.deleteFile(f);
    expect(store.hostsWithHints()).toEqual([]);
    expect(disk.processView().list(DIR)).toEqual([]);
  });
});

describe('hint policy', () => {
  const base = {
    enabled: true, disabledDatacenters: new Set<string>(), targetDatacenter: 'dc1', isSelf: false, isRingMember: true, hasHostId: true,
    downtimeMs: 0, maxHintWindowMs: 10_800_000, oldestHintAgeMs: null, hostHintBytes: 0, hostHintBytesMax: 100, gcGraceSeconds: 864000,
  };
  it('follows shouldHint', () => {
    expect(decideHint(base)).toEqual({ hint: true });
    expect(decideHint({ ...base, enabled: false })).toEqual({ hint: false, reason: 'disabled' });
    expect(decideHint({ ...base, disabledDatacenters: new Set(['dc1']) })).toEqual({ hint: false, reason: 'datacenter_disabled' });
    expect(decideHint({ ...base, downtimeMs: 10_800_001 })).toEqual({ hint: false, reason: 'window' });
    expect(decideHint({ ...base, oldestHintAgeMs: 10_800_001 })).toEqual({ hint: false, reason: 'window' });
    expect(decideHint({ ...base, hostHintBytes: 100 })).toEqual({ hint: false, reason: 'host_bytes' });
    expect(decideHint({ ...base, isRingMember: false })).toEqual({ hint: false, reason: 'not_member' });
    expect(decideHint({ ...base, gcGraceSeconds: 0 })).toEqual({ hint: false, reason: 'gc_grace' });
  });
});
