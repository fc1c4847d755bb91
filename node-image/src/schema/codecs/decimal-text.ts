// Decimal literals as java.math.BigDecimal reads and prints them: `[+-]digits[.digits][e[+-]exp]`,
// printed in plain notation when the scale is >= 0 and the adjusted exponent >= -6, otherwise as
// `d.dddE+n` (Python's Decimal and cqlsh print the same strings).
import type { DecimalValue } from './js-value.ts';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** BigDecimal switches to scientific notation below this adjusted exponent. */
const PLAIN_ADJUSTED_EXPONENT_MIN = -6;
const DECIMAL_PATTERN = /^([+-]?)(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/** Parses a decimal literal; returns undefined when the text is not one or the scale overflows int32. */
export function parseDecimal(text: string): DecimalValue | undefined {
  const match = DECIMAL_PATTERN.exec(text);
  if (match === null) return undefined;
  const [, sign, intPart, fracAfterInt, fracOnly, exponentText] = match;
  const fraction = fracAfterInt ?? fracOnly ?? '';
  const digits = (intPart ?? '') + fraction;
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  if (!Number.isSafeInteger(exponent)) return undefined;
  const scale = fraction.length - exponent;
  if (scale < INT32_MIN || scale > INT32_MAX) return undefined;
  const magnitude = BigInt(digits === '' ? '0' : digits);
  return { unscaled: sign === '-' ? -magnitude : magnitude, scale };
}

/** BigDecimal.toString(). */
export function formatDecimal(value: DecimalValue): string {
  const negative = value.unscaled < 0n;
  const coefficient = (negative ? -value.unscaled : value.unscaled).toString();
  const scale = value.scale;
  const adjusted = -scale + (coefficient.length - 1);
  let body: string;
  if (scale >= 0 && adjusted >= PLAIN_ADJUSTED_EXPONENT_MIN) {
    if (scale === 0) body = coefficient;
    else if (coefficient.length > scale) body = `${coefficient.slice(0, coefficient.length - scale)}.${coefficient.slice(coefficient.length - scale)}`;
    else body = `0.${'0'.repeat(scale - coefficient.length)}${coefficient}`;
  } else {
    const mantissa = coefficient.length > 1 ? `${coefficient[0]}.${coefficient.slice(1)}` : coefficient;
    body = `${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
  }
  return negative ? `-${body}` : body;
}

/** Numeric value comparison of two decimals (1.0 equals 1.00), bounded in work by their digit counts. */
export function compareDecimalValues(a: DecimalValue, b: DecimalValue): number {
  const signA = a.unscaled < 0n ? -1 : a.unscaled > 0n ? 1 : 0;
  const signB = b.unscaled < 0n ? -1 : b.unscaled > 0n ? 1 : 0;
  if (signA !== signB || signA === 0) return signA - signB;
  const digitsA = (signA < 0 ? -a.unscaled : a.unscaled).toString().length;
  const digitsB = (signB < 0 ? -b.unscaled : b.unscaled).toString().length;
  // Order of magnitude of |v| is digits - 1 - scale; different magnitudes decide without scaling.
  const magnitudeA = digitsA - 1 - a.scale;
  const magnitudeB = digitsB - 1 - b.scale;
  if (magnitudeA !== magnitudeB) return (magnitudeA < magnitudeB ? -1 : 1) * signA;
  // Same magnitude: the scale difference equals the digit-count difference, so scaling is cheap.
  let ua = a.unscaled;
  let ub = b.unscaled;
  if (a.scale < b.scale) ua *= 10n ** BigInt(b.scale - a.scale);
  else if (b.scale < a.scale) ub *= 10n ** BigInt(a.scale - b.scale);
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}
