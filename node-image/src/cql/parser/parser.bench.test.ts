// Micro-benchmark printout: parse time of typical statements (µs/op, JSON lines). It reports and
// checks nothing about absolute speed (STYLE.md rule 18); the only assertion is that parsing works.
import { describe, expect, it } from 'vitest';
import { tokenize } from './lexer.ts';
import { parseStatement } from './parser.ts';

const WARMUP_ITERATIONS = 20_000;
const MEASURED_ITERATIONS = 100_000;

const CASES: ReadonlyArray<readonly [string, string]> = [
  ['insert-prepared', 'INSERT INTO ks.users (id, name, email, age, created_at) VALUES (?, ?, ?, ?, ?) USING TTL 3600'],
  ['select-prepared', 'SELECT id, name, email FROM ks.users WHERE id = ? AND created_at > ? LIMIT 100'],
  ['insert-literals', "INSERT INTO ks.users (id, name, created_at, tags, score) VALUES (550e8400-e29b-41d4-a716-446655440000, 'Alice O''Neil', 1704153600000, {'a', 'b'}, 1.5)"],
  ['select-star-in', "SELECT * FROM ks.events WHERE tenant = 'acme' AND day IN ('2024-01-01', '2024-01-02') AND (ts, seq) > (1704153600000, 3) ALLOW FILTERING"],
];

function microsPerOp(run: () => unknown): number {
  for (let i = 0; i < WARMUP_ITERATIONS; i++) run();
  const start = performance.now();
  for (let i = 0; i < MEASURED_ITERATIONS; i++) run();
  return ((performance.now() - start) * 1000) / MEASURED_ITERATIONS;
}

describe('parser micro-benchmark', () => {
  it('prints parse and lex times', () => {
    for (const [name, cql] of CASES) {
      expect(parseStatement(cql).statement.kind).toMatch(/insert|select/);
      const parseUs = microsPerOp(() => parseStatement(cql));
      const lexUs = microsPerOp(() => tokenize(cql));
      console.log(JSON.stringify({ bench: 'cql-parse', case: name, chars: cql.length, parseUsPerOp: +parseUs.toFixed(3), lexUsPerOp: +lexUs.toFixed(3) }));
    }
  });
});
