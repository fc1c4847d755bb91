// Shortest round-trip text of float and double values, printed three ways: cqlsh display
// (Python repr style without a trailing ".0"), Java's Float/Double.toString (used in JSON output),
// and parsing as Java's Float.parseFloat/Double.parseDouble accept decimal text.

/** Decimal digits d1d2...dn and exponent e such that |x| = d1.d2...dn * 10^e. */
interface ShortestDecimal {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

const FLOAT32_DIGITS_MAX = 9;
/** Python's repr uses positional notation for decimal exponents in [-4, 16). */
const REPR_EXPONENT_MIN = -4;
const REPR_EXPONENT_LIMIT = 16;
/** Java's toString uses positional notation for magnitudes in [1e-3, 1e7). */
const JAVA_EXPONENT_MIN = -3;
const JAVA_EXPONENT_LIMIT = 7;

function splitExponential(text: string, negative: boolean): ShortestDecimal {
  const [mantissa, exponentText] = text.split('e') as [string, string];
  const digits = mantissa.replace('-', '').replace('.', '').replace(/0+$/, '') || '0';
  return { negative, digits, exponent: Number(exponentText) };
}

/** Shortest digits that read back to `x` (as a float32 when `float32`). `x` is finite and non-zero. */
function shortest(x: number, float32: boolean): ShortestDecimal {
  const negative = x < 0;
  if (!float32) return splitExponential(Math.abs(x).toExponential(), negative);
  const magnitude = Math.abs(x);
  for (let precision = 1; precision <= FLOAT32_DIGITS_MAX; precision++) {
    const text = magnitude.toExponential(precision - 1);
    if (Math.fround(Number(text)) === magnitude) return splitExponential(text, negative);
  }
  return splitExponential(magnitude.toExponential(FLOAT32_DIGITS_MAX - 1), negative);
}

function positional(d: ShortestDecimal): string {
  const { digits, exponent } = d;
  let body: string;
  if (exponent < 0) body = `0.${'0'.repeat(-exponent - 1)}${digits}`;
  else if (digits.length <= exponent + 1) body = digits + '0'.repeat(exponent + 1 - digits.length);
  else body = `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  return d.negative ? `-${body}` : body;
}

/**
 * cqlsh display: NaN, Infinity, -Infinity; otherwise the shortest repr (integral values exactly),
 * `1` not `1.0`, scientific as Python prints it outside [1e-4, 1e16): `1e+16`, `1.5e-05`.
 */
export function formatFloatForDisplay(x: number, float32: boolean): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const d = shortest(x, float32);
  if (d.exponent >= REPR_EXPONENT_MIN && d.exponent < REPR_EXPONENT_LIMIT) {
    // An integral value prints exactly (cqlsh shows float 123456789 as 123456792, not 123456790).
    return Number.isInteger(x) ? BigInt(x).toString() : positional(d);
  }
  const mantissa = d.digits.length > 1 ? `${d.digits[0]}.${d.digits.slice(1)}` : d.digits;
  const exponentDigits = String(Math.abs(d.exponent)).padStart(2, '0');
  return `${d.negative ? '-' : ''}${mantissa}e${d.exponent < 0 ? '-' : '+'}${exponentDigits}`;
}

/** Java Float.toString / Double.toString (shortest digits): `1.0`, `0.001`, `1.0E7`, `1.0E-4`. */
export function formatFloatJava(x: number, float32: boolean): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const d = shortest(x, float32);
  if (d.exponent >= JAVA_EXPONENT_MIN && d.exponent < JAVA_EXPONENT_LIMIT) {
    const text = positional(d);
    return text.includes('.') ? text : `${text}.0`;
  }
  const mantissa = `${d.digits[0]}.${d.digits.length > 1 ? d.digits.slice(1) : '0'}`;
  return `${d.negative ? '-' : ''}${mantissa}E${d.exponent}`;
}

const FLOAT_TEXT_PATTERN = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;

/** Parses decimal float text as Java does (surrounding blanks, NaN, Infinity, f/d suffix); undefined if invalid. */
export function parseFloatText(text: string): number | undefined {
  const trimmed = text.trim();
  if (!FLOAT_TEXT_PATTERN.test(trimmed)) return undefined;
  const body = trimmed.replace(/[fFdD]$/, '');
  if (body.endsWith('NaN')) return NaN;
  return Number(body);
}
