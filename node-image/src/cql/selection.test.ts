import { describe, expect, it } from 'vitest';
import type { SelectStatement } from './ast.ts';
import { parseStatement } from './parser/parser.ts';
import { formatSelectorName } from './selection.ts';

/** The result column names Cassandra gives each selector of a SELECT (Selectable.toString). */
function names(cql: string): string[] {
  const statement = parseStatement(cql).statement as SelectStatement;
  return statement.selectors!.map((c) => formatSelectorName(c.selector));
}

describe('formatSelectorName', () => {
  it('matches the names Cassandra 5.0.9 returned for the peer corpus', () => {
    expect(names("SELECT m['z'], m['a'..'y'], m[..'b'], fm[2], home.city FROM t")).toEqual(["m['z']", "m['a'..'y']", "m[..'b']", 'fm[2]', 'home.city']);
    expect(names('SELECT writetime(v), ttl(v), token(a, b), count(*), count(v), avg(v) FROM t'))
      .toEqual(['writetime(v)', 'ttl(v)', 'system.token(a, b)', 'count', 'system.count(v)', 'system.avg(v)']);
    expect(names("SELECT minTimeuuid('2015-07-13 10:46:52.110+0000'), maxTimeuuid(0), blobAsText(textAsBlob(v)), booleanAsBlob(true) FROM t"))
      .toEqual(["system.mintimeuuid('2015-07-13 10:46:52.110+0000')", 'system.maxtimeuuid(0)', 'system.blobastext(system.textasblob(v))', 'system.booleanasblob(true)']);
    expect(names('SELECT i + 1, i * 2, i - 50, i / 5, i % 5, CAST(v AS text), TOTIMESTAMP(t), toJson(l) FROM t'))
      .toEqual(['i + 1', 'i * 2', 'i - 50', 'i / 5', 'i % 5', 'cast(v as text)', 'system.totimestamp(t)', 'system.tojson(l)']);
  });

  it('quotes string literals again, doubling quotes', () => {
    expect(names("SELECT m['it''s'] FROM t")).toEqual(["m['it''s']"]);
  });
});
