// Table layout against Apache cqlsh output (print_formatted_result, vertical mode, columnize).
import { describe, expect, it } from 'vitest';
import { columnize, formatExpanded, formatTable, headerCell } from './result-format.ts';
import { formatCell, TYPE_CODE } from './value-format.ts';

const int = { code: TYPE_CODE.int };
const text = { code: TYPE_CODE.text };

describe('formatTable', () => {
  it('left-aligns headers, right-aligns values, draws -+- rules', () => {
    const names = ['k', 'name', 'age'].map(headerCell);
    const rows = [
      [formatCell(1, int), formatCell('alice', text), formatCell(30, int)],
      [formatCell(22, int), formatCell('bo', text), formatCell(null, int)],
    ];
    expect(formatTable(names, rows, { withHeader: true, tty: false })).toEqual([
      ' k  | name  | age',
      '----+-------+------',
      '  1 | alice |   30',
      ' 22 |    bo | null',
    ]);
  });

  it('adds a blank line after the rows on a terminal', () => {
    const lines = formatTable([headerCell('k')], [[formatCell(1, int)]], { withHeader: true, tty: true });
    expect(lines).toEqual([' k', '---', ' 1', '']);
  });

  it('prints only the header (and a blank line) for an empty result', () => {
    expect(formatTable([headerCell('key'), headerCell('v')], null, { withHeader: true, tty: false })).toEqual([' key | v', '-----+---', '']);
  });

  it('omits the header on later pages', () => {
    expect(formatTable([headerCell('k')], [[formatCell(5, int)]], { withHeader: false, tty: false })).toEqual([' 5']);
  });

  it('pads by display width', () => {
    const lines = formatTable([headerCell('v')], [[formatCell('日本', text)], [formatCell('abc', text)]], { withHeader: true, tty: false });
    expect(lines).toEqual([' v', '------', ' 日本', '  abc']);
  });

  it('prints [applied] results', () => {
    const lines = formatTable([headerCell('[applied]')], [[formatCell(true, { code: TYPE_CODE.boolean })]], { withHeader: true, tty: false });
    expect(lines).toEqual([' [applied]', '-----------', '      True']);
  });
});

describe('formatExpanded', () => {
  it('prints one block per row with numbered rows', () => {
    const names = ['k', 'value'].map(headerCell);
    const rows = [[formatCell(1, int), formatCell('x', text)], [formatCell(2, int), formatCell('longer', text)]];
    expect(formatExpanded(names, rows, 10)).toEqual([
      '@ Row 11', '-------+--------', ' k     | 1', ' value | x', '',
      '@ Row 12', '-------+--------', ' k     | 2', ' value | longer', '',
    ]);
  });
});

describe('columnize', () => {
  it('lays names out column-major in 80 columns like Python cmd', () => {
    const names = ['system', 'system_auth', 'system_distributed', 'system_schema', 'system_traces', 'system_views', 'system_virtual_schema'];
    expect(columnize(names)).toEqual([
      'system       system_distributed  system_traces  system_virtual_schema',
      // Python pads the last column too.
      'system_auth  system_schema       system_views ',
    ]);
  });

  it('handles one name, no names and names too wide for one line', () => {
    expect(columnize(['only'])).toEqual(['only']);
    expect(columnize([])).toEqual(['<empty>']);
    expect(columnize(['a'.repeat(50), 'b'.repeat(50)])).toEqual(['a'.repeat(50), 'b'.repeat(50)]);
    expect(columnize(['a', 'b', 'c'])).toEqual(['a  b  c']);
  });
});
