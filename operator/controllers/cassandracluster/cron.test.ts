import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CRON_PATTERN } from '../../api/index.ts';
import { nextCronTime, parseCron } from './cron.ts';

const pattern = new RegExp(CRON_PATTERN);
const FIELD_BOUNDS: ReadonlyArray<readonly [number, number]> = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];

/** One cron item within [min, max]: *, v, a-b (possibly backwards), each maybe with a step. */
const item = (min: number, max: number): fc.Arbitrary<string> => {
  const value = fc.integer({ min, max });
  const base = fc.oneof(
    fc.constant('*'),
    value.map(String),
    fc.tuple(value, value).map(([a, b]) => `${a}-${b}`),
  );
  return fc.tuple(base, fc.option(fc.integer({ min: 1, max: 99 }), { nil: undefined }))
    .map(([b, step]) => (step === undefined ? b : `${b}/${step}`));
};
const field = (min: number, max: number): fc.Arbitrary<string> => fc.array(item(min, max), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(','));
const expression = fc.tuple(...FIELD_BOUNDS.map(([lo, hi]) => field(lo, hi))).map((fields) => fields.join(' '));

const hasBackwardsRange = (expr: string): boolean =>
  [...expr.matchAll(/(\d+)-(\d+)/g)].some((m) => Number(m[1]) > Number(m[2]));

describe('cron', () => {
  it('the CRD pattern admits every in-range expression, and parseCron takes those without a backwards range', () => {
    fc.assert(fc.property(expression, (expr) => {
      expect(pattern.test(expr), expr).toBe(true);
      if (hasBackwardsRange(expr)) expect(() => parseCron(expr)).toThrow();
      else expect(() => parseCron(expr)).not.toThrow();
    }), { numRuns: 500 });
  });

  it('the CRD pattern refuses out-of-range numbers that parseCron refuses too', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 1, max: 40 }), (index, over) => {
      const fields = ['0', '0', '1', '1', '0'];
      fields[index] = String(FIELD_BOUNDS[index]![1] + over);
      const expr = fields.join(' ');
      expect(pattern.test(expr), expr).toBe(false);
      expect(() => parseCron(expr)).toThrow();
    }));
  });

  it('runs the macros at their times (UTC)', () => {
    const from = Date.UTC(2026, 2, 4, 12, 30); // a Wednesday
    expect(new Date(nextCronTime('@daily', from)).toISOString()).toBe('2026-03-05T00:00:00.000Z');
    expect(new Date(nextCronTime('@weekly', from)).toISOString()).toBe('2026-03-08T00:00:00.000Z');
    expect(new Date(nextCronTime('@monthly', from)).toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(new Date(nextCronTime('@hourly', from)).toISOString()).toBe('2026-03-04T13:00:00.000Z');
    expect(new Date(nextCronTime('0 3 * * 0', from)).toISOString()).toBe('2026-03-08T03:00:00.000Z');
  });

  it('reports schedules the pattern admits but that cannot run', () => {
    expect(pattern.test('0 0 5-1 * *')).toBe(true);
    expect(() => parseCron('0 0 5-1 * *')).toThrow(/outside/);
    expect(pattern.test('0 0 31 2 *')).toBe(true);
    expect(() => nextCronTime('0 0 31 2 *', 0)).toThrow(/never fires/);
  });
});
