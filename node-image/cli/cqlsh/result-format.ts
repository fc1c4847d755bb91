// Lays out formatted cells as Apache cqlsh does: a table with left-aligned headers, right-aligned
// values, ` | ` between columns and a `-+-` rule under the header; or, with EXPAND ON, one
// `@ Row n` block per row. Returns lines (no trailing newlines); widths count terminal columns.
import { displayWidth } from './display-width.ts';
import type { FormattedValue } from './value-format.ts';

export function headerCell(name: string): FormattedValue {
  return { text: name, width: displayWidth(name) };
}

function padLeft(cell: FormattedValue, width: number): string {
  return ' '.repeat(Math.max(0, width - cell.width)) + cell.text;
}

function padRight(cell: FormattedValue, width: number): string {
  return cell.text + ' '.repeat(Math.max(0, width - cell.width));
}

export interface TableLayoutOptions {
  /** Print the header and its rule (cqlsh: first page, or every page on a terminal). */
  readonly withHeader: boolean;
  /** Interactive terminal: a blank line follows the rows. */
  readonly tty: boolean;
}

/**
 * cqlsh print_formatted_result. `rows` null means "header only" (an empty first page), which is
 * followed by a blank line.
 */
export function formatTable(names: readonly FormattedValue[], rows: ReadonlyArray<readonly FormattedValue[]> | null, options: TableLayoutOptions): string[] {
  const widths = names.map((n) => n.width);
  for (const row of rows ?? []) {
    for (let i = 0; i < row.length; i++) widths[i] = Math.max(widths[i] ?? 0, row[i]!.width);
  }
  const lines: string[] = [];
  if (options.withHeader) {
    lines.push(` ${names.map((n, i) => padRight(n, widths[i]!)).join(' | ')}`.trimEnd());
    lines.push(`-${widths.map((w) => '-'.repeat(w)).join('-+-')}-`);
  }
  if (rows === null) {
    lines.push('');
    return lines;
  }
  for (const row of rows) lines.push(` ${row.map((cell, i) => padLeft(cell, widths[i]!)).join(' | ')}`);
  if (options.tty) lines.push('');
  return lines;
}

/** cqlsh print_formatted_result_vertically; `rowOffset` numbers rows across pages. */
export function formatExpanded(names: readonly FormattedValue[], rows: ReadonlyArray<readonly FormattedValue[]>, rowOffset: number): string[] {
  const nameWidth = Math.max(0, ...names.map((n) => n.width));
  const valueWidth = Math.max(0, ...rows.flatMap((row) => row.map((c) => c.width)));
  const lines: string[] = [];
  rows.forEach((row, i) => {
    lines.push(`@ Row ${rowOffset + i + 1}`);
    lines.push(`-${'-'.repeat(nameWidth)}-+-${'-'.repeat(valueWidth)}-`);
    row.forEach((cell, c) => lines.push(` ${padRight(names[c]!, nameWidth)} | ${cell.text}`));
    lines.push('');
  });
  return lines;
}

/** Python cmd.Cmd.columnize: names in as few rows as fit in `displayWidth` columns, column-major. */
export function columnize(names: readonly string[], lineWidth = 80): string[] {
  if (names.length === 0) return ['<empty>'];
  if (names.length === 1) return [names[0]!];
  const size = names.length;
  let rowCount = size;
  let colWidths: number[] = [0];
  let found = false;
  for (let nrows = 1; nrows < size; nrows++) {
    const ncols = Math.ceil(size / nrows);
    const widths: number[] = [];
    let total = -2;
    for (let col = 0; col < ncols; col++) {
      let w = 0;
      for (let row = 0; row < nrows; row++) {
        const i = row + nrows * col;
        if (i >= size) break;
        w = Math.max(w, names[i]!.length);
      }
      widths.push(w);
      total += w + 2;
      if (total > lineWidth) break;
    }
    if (total <= lineWidth) {
      rowCount = nrows;
      colWidths = widths;
      found = true;
      break;
    }
  }
  if (!found) {
    rowCount = size;
    colWidths = [0];
  }
  const ncols = found ? Math.ceil(size / rowCount) : 1;
  const lines: string[] = [];
  for (let row = 0; row < rowCount; row++) {
    const texts: string[] = [];
    for (let col = 0; col < ncols; col++) {
      const i = row + rowCount * col;
      texts.push(i >= size ? '' : names[i]!);
    }
    while (texts.length > 0 && texts[texts.length - 1] === '') texts.pop();
    lines.push(texts.map((t, c) => t.padEnd(colWidths[c] ?? 0)).join('  '));
  }
  return lines;
}
