// Golden tests (STYLE.md rule 20): testdata/*.txt hold cases of `-- name`, CQL text, `----`,
// and the expected printed AST or error. UPDATE_GOLDEN=1 rewrites the expectations in place;
// review every change by eye before committing.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CqlError } from '../../lib/index.ts';
import { printParsed } from './ast-printer.ts';
import { parseStatement, parseTypeExpr } from './parser.ts';
import { formatTypeExpr } from './type-parser.ts';

const TESTDATA = join(import.meta.dirname, 'testdata');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const SEPARATOR = '----';

interface GoldenCase {
  readonly name: string;
  readonly input: string;
  readonly expected: string;
}

interface GoldenFile {
  readonly preamble: string[];
  readonly cases: GoldenCase[];
}

function parseGoldenFile(text: string): GoldenFile {
  const lines = text.split('\n');
  const preamble: string[] = [];
  const cases: GoldenCase[] = [];
  let i = 0;
  while (i < lines.length && !lines[i]!.startsWith('-- ')) preamble.push(lines[i++]!);
  while (i < lines.length) {
    const header = lines[i]!;
    if (header.trim() === '') { i++; continue; }
    if (!header.startsWith('-- ')) throw new Error(`line ${i + 1}: expected '-- name', got ${JSON.stringify(header)}`);
    const name = header.slice(3).trim();
    i++;
    const input: string[] = [];
    while (i < lines.length && lines[i] !== SEPARATOR) input.push(lines[i++]!);
    if (i >= lines.length) throw new Error(`case ${name}: missing ${SEPARATOR}`);
    i++;
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
    cases.push({ name, input: input.join('\n'), expected: expected.join('\n') });
  }
  while (preamble.length > 0 && preamble[preamble.length - 1]!.trim() === '') preamble.pop();
  return { preamble, cases };
}

function formatGoldenFile(file: GoldenFile, outputs: readonly string[]): string {
  const blocks = file.cases.map((c, i) => `-- ${c.name}\n${c.input}\n${SEPARATOR}\n${outputs[i]}\n`);
  const head = file.preamble.length > 0 ? `${file.preamble.join('\n')}\n\n` : '';
  return head + blocks.join('\n');
}

/** Runs one case; a name starting with `type:` parses a type expression instead of a statement. */
function run(c: GoldenCase): string {
  try {
    if (c.name.startsWith('type:')) return `type ${formatTypeExpr(parseTypeExpr(c.input))}\n${JSON.stringify(parseTypeExpr(c.input))}`;
    return printParsed(parseStatement(c.input));
  } catch (e) {
    if (e instanceof CqlError) return `error 0x${e.code.toString(16).padStart(4, '0')}: ${e.message}`;
    throw e;
  }
}

const files = readdirSync(TESTDATA).filter((f) => f.endsWith('.txt')).sort();

for (const fileName of files) {
  const path = join(TESTDATA, fileName);
  const golden = parseGoldenFile(readFileSync(path, 'utf8'));
  const outputs: string[] = golden.cases.map((c) => c.expected);
  describe(fileName, () => {
    golden.cases.forEach((c, index) => {
      it(c.name, () => {
        const actual = run(c);
        outputs[index] = actual;
        if (!UPDATE) expect(actual).toBe(c.expected);
      });
    });
    if (UPDATE) {
      afterAll(() => {
        writeFileSync(path, formatGoldenFile(golden, outputs));
      });
    }
  });
}

describe('golden files', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });
});
