// Shortening pino JSON log lines for `local up --foreground` (pure part of node-logs.ts).
import { describe, expect, it } from 'vitest';
import { prettyLogLine } from './node-logs.ts';

describe('prettyLogLine', () => {
  it('prints time, level, component, message and the other fields', () => {
    const line = JSON.stringify({
      level: 30, time: Date.UTC(2024, 0, 2, 3, 4, 5, 678), pid: 1, name: 'cassia', component: 'node', hostId: 'h1', cql: '127.0.0.1:9042',
      msg: 'Starting listening for CQL clients',
    });
    expect(prettyLogLine(line)).toBe('2024-01-02T03:04:05.678Z INFO  node: Starting listening for CQL clients hostId=h1 cql=127.0.0.1:9042');
  });

  it('keeps non-JSON lines and broken JSON as they are', () => {
    expect(prettyLogLine('--- cassia local: starting node1 ---')).toBe('--- cassia local: starting node1 ---');
    expect(prettyLogLine('{not json')).toBe('{not json');
  });

  it('serialises structured fields and unknown levels', () => {
    const line = JSON.stringify({ level: 50, time: 0, msg: 'flush failed', err: { message: 'disk full' } });
    expect(prettyLogLine(line)).toBe('1970-01-01T00:00:00.000Z ERROR flush failed err={"message":"disk full"}');
  });
});
