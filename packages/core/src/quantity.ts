// Kubernetes resource quantities as `k8s.io/apimachinery/pkg/api/resource` parses, rounds, compares and prints them:
// admin's registration checks and task resource defaults, the pod plugin's requests and limits, admin's size limits.
// A quantity is kept exactly as `digits × 10^-scale` (BigInt), rounded up to nano units like Kubernetes does.

type Format = "DecimalSI" | "BinarySI" | "DecimalExponent";

export interface Quantity {
  /** value = unscaled / 10^scale, with 0 ≤ scale ≤ 9. */
  unscaled: bigint;
  scale: number;
  format: Format;
  /** The input, when Kubernetes keeps it as the canonical text. */
  text?: string;
}

const FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX_ERROR = "unable to parse quantity's suffix";

export class QuantityError extends Error {}

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** resource.ParseQuantity. Throws QuantityError with Kubernetes' message. */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityError(FORMAT_ERROR);
  if (str === "0") return { unscaled: 0n, scale: 0, format: "DecimalSI", text: "0" };
  let pos = 0;
  let positive = true;
  if (str[0] === "-" || str[0] === "+") {
    positive = str[0] === "+";
    pos++;
  }
  while (str[pos] === "0") pos++;
  let num = "";
  let denom = "";
  let suffix = "";
  if (pos >= str.length) num = "0";
  else {
    const start = pos;
    while (isDigit(str[pos])) pos++;
    num = str.slice(start, pos) || "0";
    if (str[pos] === ".") {
      const d = ++pos;
      while (isDigit(str[pos])) pos++;
      denom = str.slice(d, pos);
    }
    const suffixStart = pos;
    while (pos < str.length && "eEinumkKMGTP".includes(str[pos]!)) pos++;
    if (str[pos] === "-" || str[pos] === "+") pos++;
    while (isDigit(str[pos])) pos++;
    if (pos < str.length) throw new QuantityError(FORMAT_ERROR);
    suffix = str.slice(suffixStart);
  }
  let base = 10;
  let exponent: number;
  let format: Format;
  if (suffix in DECIMAL_SUFFIXES) [exponent, format] = [DECIMAL_SUFFIXES[suffix]!, "DecimalSI"];
  else if (suffix in BINARY_SUFFIXES) [base, exponent, format] = [2, BINARY_SUFFIXES[suffix]!, "BinarySI"];
  else if (suffix.length > 1 && (suffix[0] === "e" || suffix[0] === "E") && /^[+-]?\d+$/.test(suffix.slice(1))) {
    [exponent, format] = [Number(suffix.slice(1)), "DecimalExponent"];
  } else throw new QuantityError(SUFFIX_ERROR);

  const digits = BigInt(num + denom);
  // value = digits × base^exponent / 10^len(denom)
  let unscaled: bigint;
  let scale = denom.length;
  if (base === 2) unscaled = digits << BigInt(exponent);
  else if (exponent >= 0) unscaled = digits * 10n ** BigInt(exponent);
  else {
    unscaled = digits;
    scale -= exponent;
  }
  if (scale > 9) {
    // Round up (away from zero) to nano precision, as Kubernetes does for tiny requests.
    const div = 10n ** BigInt(scale - 9);
    unscaled = (unscaled + div - 1n) / div;
    scale = 9;
  }
  if (format === "BinarySI" && unscaled > 0n && unscaled < 10n ** BigInt(scale)) format = "DecimalSI";
  const q: Quantity = { unscaled: positive ? unscaled : -unscaled, scale, format };
  if (keepsText(format, exponent, num, denom)) q.text = str;
  return q;
}

/** Kubernetes reuses the input as the canonical string on its fast path when it is already canonical. */
function keepsText(format: Format, exponent: number, num: string, denom: string): boolean {
  const shifted = num + denom;
  if (format === "BinarySI") {
    if (denom.length > 0) return false;
    const precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    return precision >= 0 && exponent % 10 === 0 && (BigInt(shifted) & 7n) !== 0n;
  }
  const scale = exponent - denom.length;
  const precision = 18 - shifted.length;
  return precision >= 0 && scale >= -9 && scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0";
}

/** Rounds up (away from zero) to 10^-digits units and returns the integer count. */
function scaledValue(q: Quantity, digits: number): bigint {
  const shift = q.scale - digits;
  if (shift <= 0) return q.unscaled * 10n ** BigInt(-shift);
  const div = 10n ** BigInt(shift);
  const neg = q.unscaled < 0n;
  const abs = neg ? -q.unscaled : q.unscaled;
  const r = (abs + div - 1n) / div;
  return neg ? -r : r;
}

/** Quantity.Value(): rounded up to an integer. */
export const quantityValue = (q: Quantity): bigint => scaledValue(q, 0);
/** Quantity.MilliValue(): rounded up to thousandths. */
export const quantityMilliValue = (q: Quantity): bigint => scaledValue(q, 3);

/** Quantity.String(): the kept input, else the canonical form. */
export function quantityString(q: Quantity): string {
  if (q.text !== undefined) return q.text;
  if (q.unscaled === 0n) return "0";
  const neg = q.unscaled < 0n;
  const abs = neg ? -q.unscaled : q.unscaled;
  const sign = neg ? "-" : "";
  const one = 10n ** BigInt(q.scale);
  if (q.format === "BinarySI" && abs >= 1024n * one && abs % one === 0n) {
    let n = abs / one;
    let e = 0;
    while (n % 1024n === 0n && e < 6) {
      n /= 1024n;
      e++;
    }
    return `${sign}${n}${["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][e]}`;
  }
  let mantissa = abs;
  let exponent = -q.scale;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const mod = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(mod);
  exponent -= mod;
  if (q.format === "DecimalExponent") return `${sign}${mantissa}${exponent === 0 ? "" : `e${exponent}`}`;
  const suffix = Object.entries(DECIMAL_SUFFIXES).find(([, e]) => e === exponent)?.[0];
  return `${sign}${mantissa}${suffix ?? `e${exponent}`}`;
}

/** Quantity.Cmp: -1, 0, 1. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.unscaled * 10n ** BigInt(scale - a.scale);
  const y = b.unscaled * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}
