// Kubernetes value encodings the FlyteWorkflow resource carries: resource quantities in their canonical form
// (`k8s.io/apimachinery/pkg/api/resource` Quantity.String), Go `time.Duration` strings (metav1.Duration), RFC 3339
// second-precision times (metav1.Time) and upstream's label helpers.
import { invalidArgument } from "@aloft/core";

const BAD = "flyteworkflow.invalid";

type Format = "DecimalSI" | "BinarySI" | "DecimalExponent";

interface Quantity {
  /** value = mantissa × 10^scale, rounded up to nano units as ParseQuantity does. */
  mantissa: bigint;
  scale: number;
  format: Format;
}

const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };

function parseQuantity(text: string): Quantity {
  const match = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(text);
  const [, sign = "", whole = "", fraction = "", suffix = ""] = match ?? [];
  if (!match || (whole === "" && fraction === ""))
    throw invalidArgument(
      BAD,
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${text}`,
    );
  let mantissa = BigInt(`${whole}${fraction}` || "0");
  let scale = -fraction.length;
  let format: Format;
  if (suffix in DECIMAL_SUFFIXES) {
    format = "DecimalSI";
    scale += DECIMAL_SUFFIXES[suffix]!;
  } else if (suffix in BINARY_SUFFIXES) {
    format = "BinarySI";
    mantissa *= 1n << BigInt(BINARY_SUFFIXES[suffix]!);
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    format = "DecimalExponent";
    scale += Number(suffix.slice(1));
  } else {
    throw invalidArgument(BAD, `unable to parse quantity's suffix: ${text}`);
  }
  if (sign === "-") mantissa = -mantissa;
  // Nano precision at most; anything finer rounds up (away from zero), as upstream does.
  if (scale < -9) {
    const div = 10n ** BigInt(-9 - scale);
    const q = mantissa / div;
    mantissa = mantissa % div === 0n ? q : q + (mantissa > 0n ? 1n : -1n);
    scale = -9;
  }
  return { mantissa, scale, format };
}

/** The canonical string of a quantity (`"0.5"` → `"500m"`, `"1024Mi"` → `"1Gi"`, `"1500"` → `"1500"`). */
export function canonicalQuantity(text: string): string {
  const q = parseQuantity(text.trim());
  if (q.mantissa === 0n) return "0";
  let format = q.format;
  let integer: bigint | undefined;
  if (format === "BinarySI") {
    const exact = q.scale >= 0 ? q.mantissa * 10n ** BigInt(q.scale) : undefined;
    const divisor = q.scale < 0 ? 10n ** BigInt(-q.scale) : 1n;
    const whole = exact ?? (q.mantissa % divisor === 0n ? q.mantissa / divisor : undefined);
    if (whole === undefined || (whole > -1024n && whole < 1024n)) format = "DecimalSI";
    else integer = whole;
  }
  if (format === "BinarySI" && integer !== undefined) {
    let n = integer;
    let exp = 0;
    while (exp < 60 && n % 1024n === 0n) {
      n /= 1024n;
      exp += 10;
    }
    const suffix = Object.entries(BINARY_SUFFIXES).find(([, e]) => e === exp)?.[0] ?? "";
    return `${n}${suffix}`;
  }
  let mantissa = q.mantissa;
  let exponent = q.scale;
  while (mantissa % 10n === 0n) {
    mantissa /= 10n;
    exponent++;
  }
  const rem = ((exponent % 3) + 3) % 3;
  mantissa *= 10n ** BigInt(rem);
  exponent -= rem;
  if (format === "DecimalSI") {
    const suffix = Object.entries(DECIMAL_SUFFIXES).find(([, e]) => e === exponent)?.[0];
    if (suffix !== undefined) return `${mantissa}${suffix}`;
  }
  return exponent === 0 ? `${mantissa}` : `${mantissa}e${exponent}`;
}

/** Go `time.Duration.String()` of a whole number of nanoseconds (`1200s` → `"20m0s"`). */
export function goDuration(nanos: bigint): string {
  if (nanos === 0n) return "0s";
  const neg = nanos < 0n;
  let u = neg ? -nanos : nanos;
  let out: string;
  if (u < 1_000_000_000n) {
    const [unit, div] = u < 1000n ? ["ns", 1n] : u < 1_000_000n ? ["µs", 1000n] : ["ms", 1_000_000n];
    out = `${fractional(u, div as bigint)}${unit}`;
  } else {
    const hours = u / 3_600_000_000_000n;
    u -= hours * 3_600_000_000_000n;
    const minutes = u / 60_000_000_000n;
    u -= minutes * 60_000_000_000n;
    out = `${fractional(u, 1_000_000_000n)}s`;
    if (hours > 0n || minutes > 0n) out = `${minutes}m${out}`;
    if (hours > 0n) out = `${hours}h${out}`;
  }
  return neg ? `-${out}` : out;
}

function fractional(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return `${whole}`;
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}

const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go `time.ParseDuration` (the forms `goDuration` writes and the usual `1h30m`, `1.5s`, `250ms`). */
export function parseGoDuration(text: string): bigint {
  const sign = text.startsWith("-") ? -1n : 1n;
  const body = text.replace(/^[+-]/, "");
  if (body === "0") return 0n;
  const re = /([0-9]+)(?:\.([0-9]*))?(ns|us|µs|ms|s|m|h)/y;
  let total = 0n;
  let at = 0;
  while (at < body.length) {
    re.lastIndex = at;
    const m = re.exec(body);
    if (!m) throw invalidArgument(BAD, `time: invalid duration "${text}"`);
    const unit = DURATION_UNITS[m[3]!]!;
    const frac = m[2] ?? "";
    total += BigInt(m[1]!) * unit + (frac ? (BigInt(frac) * unit) / 10n ** BigInt(frac.length) : 0n);
    at = re.lastIndex;
  }
  if (body.length === 0) throw invalidArgument(BAD, `time: invalid duration "${text}"`);
  return sign * total;
}

/** metav1.Time JSON: RFC 3339 in UTC, whole seconds. */
export function metav1Time(epochMillis: number): string {
  return `${new Date(Math.floor(epochMillis / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** flytepropeller `utils.SanitizeLabelValue`: lower case, runs of non-DNS-1123 characters → "-", ≤ 63, trimmed of "-". */
export function sanitizeLabelValue(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^-a-z0-9]+/g, "-")
    .slice(0, 63);
  return s.replace(/^-+|-+$/g, "");
}

/** FNV-1a 32-bit of the UTF-8 bytes (Go `hash/fnv` New32a). */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
