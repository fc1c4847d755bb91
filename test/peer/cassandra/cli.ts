// Command line for the Cassandra peer: `resolve` the jars, `start` a node in the foreground until
// Ctrl-C, or measure `timing` (cold/warm starts and a restart on existing data) as JSON lines.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveCassandraArtifacts, startCassandraPeer, type CommitLogSyncMode } from './index.ts';

const command = process.argv[2] ?? 'help';
const commitlogSync = (process.env['CASSIA_PEER_COMMITLOG_SYNC'] ?? 'periodic') as CommitLogSyncMode;

switch (command) {
  case 'resolve': {
    console.log(JSON.stringify(resolveCassandraArtifacts()));
    break;
  }
  case 'start': {
    const peer = await startCassandraPeer({ commitlogSync, smallFootprint: process.env['CASSIA_PEER_SMALL'] === '1' });
    console.log(JSON.stringify({ contactPoint: peer.contactPoint, pid: peer.pid, startMs: peer.startMs, dataDir: peer.dataDir }));
    const stop = (): void => {
      void peer.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    break;
  }
  case 'timing': {
    const resolveStartMs = Date.now();
    const artifacts = resolveCassandraArtifacts();
    console.log(JSON.stringify({ phase: 'resolve', downloaded: artifacts.downloaded, ms: Date.now() - resolveStartMs, jars: artifacts.jarCount }));
    const dataDir = mkdtempSync(join(tmpdir(), 'cassia-peer-timing-'));
    try {
      const runs: Array<{ phase: string; dataDir?: string }> = [
        { phase: 'first-start-fresh-data', dataDir },
        { phase: 'restart-existing-data', dataDir },
        { phase: 'start-fresh-data' },
      ];
      for (const run of runs) {
        const peer = await startCassandraPeer({ commitlogSync, heapMb: 1024, smallFootprint: true, ...(run.dataDir === undefined ? {} : { dataDir: run.dataDir }) });
        const stopStartMs = Date.now();
        await peer.stop();
        console.log(JSON.stringify({ phase: run.phase, startMs: peer.startMs, stopMs: Date.now() - stopStartMs }));
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    break;
  }
  default:
    console.log('usage: node test/peer/cassandra/cli.ts resolve | start | timing');
}
