// Cron schedules (UTC) for scheduled repair: five fields (minute hour day-of-month month
// day-of-week) with *, lists, ranges and steps, plus @hourly/@daily/@weekly/@monthly/@yearly.
// As in Vixie cron, when both day fields are restricted a day matching either one qualifies.

interface CronSpec {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  domRestricted: boolean;
  dowRestricted: boolean;
}

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Days searched for the next run (a schedule like "0 0 29 2 *" fires within 8 years; we look 5). */
export const CRON_SEARCH_DAYS_MAX = 5 * 366;

function parseField(text: string, min: number, max: number): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [rangeText, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new Error(`bad step in "${part}"`);
    let lo: number;
    let hi: number;
    if (rangeText === '*') {
      lo = min;
      hi = max;
    } else if (rangeText.includes('-')) {
      const [a, b] = rangeText.split('-');
      lo = Number(a);
      hi = Number(b);
    } else {
      lo = Number(rangeText);
      hi = stepText === undefined ? lo : max;
    }
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < min || hi > max || lo > hi) throw new Error(`"${part}" is outside ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expression: string): CronSpec {
  const text = MACROS[expression.trim()] ?? expression.trim();
  const fields = text.split(/\s+/);
  if (fields.length !== 5) throw new Error(`cron "${expression}" needs 5 fields`);
  const [m, h, dom, mon, dow] = fields as [string, string, string, string, string];
  const daysOfWeek = parseField(dow, 0, 7);
  if (daysOfWeek.has(7)) daysOfWeek.add(0);
  return {
    minutes: parseField(m, 0, 59),
    hours: parseField(h, 0, 23),
    daysOfMonth: parseField(dom, 1, 31),
    months: parseField(mon, 1, 12),
    daysOfWeek,
    domRestricted: dom !== '*',
    dowRestricted: dow !== '*',
  };
}

/** First time strictly after `afterMs` (UTC, whole minutes) matching the schedule. */
export function nextCronTime(expression: string, afterMs: number): number {
  const spec = parseCron(expression);
  const start = new Date(Math.floor(afterMs / 60_000) * 60_000 + 60_000);
  const day0 = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate());
  for (let d = 0; d < CRON_SEARCH_DAYS_MAX; d++) {
    const day = new Date(day0 + d * 86_400_000);
    if (!spec.months.has(day.getUTCMonth() + 1)) continue;
    const domOk = spec.daysOfMonth.has(day.getUTCDate());
    const dowOk = spec.daysOfWeek.has(day.getUTCDay());
    const dayOk = spec.domRestricted && spec.dowRestricted ? domOk || dowOk : domOk && dowOk;
    if (!dayOk) continue;
    for (const hour of [...spec.hours].sort((a, b) => a - b)) {
      for (const minute of [...spec.minutes].sort((a, b) => a - b)) {
        const t = day.getTime() + hour * 3_600_000 + minute * 60_000;
        if (t >= start.getTime()) return t;
      }
    }
  }
  throw new Error(`cron "${expression}" never fires within ${CRON_SEARCH_DAYS_MAX} days`);
}
