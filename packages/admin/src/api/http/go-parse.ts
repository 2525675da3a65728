// Scalar parsing with the acceptance rules of Go's strconv / time packages, because grpc-gateway binds path and
// query parameters with them: what upstream accepts we accept, what it rejects we reject (INVALID_ARGUMENT).
// Each function returns the value or throws a GoParseError whose message mirrors Go's.

export class GoParseError extends Error {
  override name = "GoParseError";
}

const syntax = (fn: string, s: string) =>
  new GoParseError(`strconv.${fn}: parsing ${JSON.stringify(s)}: invalid syntax`);
const range = (fn: string, s: string) =>
  new GoParseError(`strconv.${fn}: parsing ${JSON.stringify(s)}: value out of range`);

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean {
  switch (s) {
    case "1":
    case "t":
    case "T":
    case "true":
    case "TRUE":
    case "True":
      return true;
    case "0":
    case "f":
    case "F":
    case "false":
    case "FALSE":
    case "False":
      return false;
    default:
      throw syntax("ParseBool", s);
  }
}

/** strconv.ParseInt(s, 10, bits): optional sign, decimal digits only, range-checked. */
export function parseGoInt(s: string, bits: 32 | 64): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) throw syntax("ParseInt", s);
  const v = BigInt(s);
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -(1n << BigInt(bits - 1));
  if (v > max || v < min) throw range("ParseInt", s);
  return v;
}

/** strconv.ParseUint(s, 10, bits): decimal digits only (no sign), range-checked. */
export function parseGoUint(s: string, bits: 32 | 64): bigint {
  if (!/^[0-9]+$/.test(s)) throw syntax("ParseUint", s);
  const v = BigInt(s);
  if (v > (1n << BigInt(bits)) - 1n) throw range("ParseUint", s);
  return v;
}

/** strconv.ParseFloat(s, bits) for the decimal forms plus inf/infinity/nan (hex floats are not accepted here). */
export function parseGoFloat(s: string, bits: 32 | 64): number {
  const lower = s.toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(lower)) return lower.startsWith("-") ? -Infinity : Infinity;
  if (lower === "nan") return NaN;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) {
    throw syntax("ParseFloat", s);
  }
  const v = Number(s);
  if (!Number.isFinite(v)) throw range("ParseFloat", s);
  if (bits === 32) {
    const f = Math.fround(v);
    if (!Number.isFinite(f)) throw range("ParseFloat", s);
    return f;
  }
  return v;
}

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n,
  "\u03bcs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_INT64 = (1n << 63n) - 1n;

/** time.ParseDuration: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, e.g. `1h30m`, `1.5s`, `-300ms`, `0`. Returns nanoseconds. */
export function parseGoDuration(s: string): bigint {
  const invalid = () => new GoParseError(`time: invalid duration ${JSON.stringify(s)}`);
  let rest = s;
  let negative = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    negative = rest.startsWith("-");
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") throw invalid();
  let total = 0n;
  while (rest !== "") {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(rest);
    const whole = m?.[1] ?? "";
    const frac = m?.[2];
    if (whole === "" && (frac === undefined || frac === "")) throw invalid();
    rest = rest.slice(m?.[0].length ?? 0);
    const unitMatch = /^[^0-9.]+/.exec(rest);
    if (!unitMatch) throw new GoParseError(`time: missing unit in duration ${JSON.stringify(s)}`);
    const unitName = unitMatch[0];
    const unit = UNIT_NANOS[unitName];
    if (unit === undefined) {
      throw new GoParseError(`time: unknown unit ${JSON.stringify(unitName)} in duration ${JSON.stringify(s)}`);
    }
    rest = rest.slice(unitName.length);
    let v = (whole === "" ? 0n : BigInt(whole)) * unit;
    if (frac) {
      v += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    }
    total += v;
    if (total > MAX_INT64 + (negative ? 1n : 0n)) throw invalid();
  }
  return negative ? -total : total;
}

/** Splits nanoseconds into google.protobuf.Duration seconds + nanos (same sign, as durationpb.New). */
export function durationParts(nanos: bigint): { seconds: bigint; nanos: number } {
  return { seconds: nanos / 1_000_000_000n, nanos: Number(nanos % 1_000_000_000n) };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** time.Parse(time.RFC3339Nano, s) → google.protobuf.Timestamp seconds + nanos. */
export function parseGoRfc3339(s: string): { seconds: bigint; nanos: number } {
  const m =
    /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})$/.exec(
      s,
    );
  const bad = (what: string) =>
    new GoParseError(`parsing time ${JSON.stringify(s)} as "2006-01-02T15:04:05.999999999Z07:00": ${what}`);
  if (!m) throw bad("cannot parse");
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12) throw bad("month out of range");
  const dim = month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 31);
  if (day < 1 || day > dim) throw bad("day out of range");
  if (hour > 23) throw bad("hour out of range");
  if (minute > 59) throw bad("minute out of range");
  if (second > 59) throw bad("second out of range");
  let offsetSeconds = 0;
  const zone = m[8] ?? "Z";
  if (zone !== "Z") {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) throw bad("time zone offset out of range");
    offsetSeconds = (oh * 3600 + om * 60) * (zone.startsWith("-") ? -1 : 1);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const seconds = BigInt(Math.floor(date.getTime() / 1000)) - BigInt(offsetSeconds);
  const fraction = m[7] ?? "";
  const nanos = fraction === "" ? 0 : Number(fraction.slice(0, 9).padEnd(9, "0"));
  return { seconds, nanos };
}

const STD_B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_B64 = /^[A-Za-z0-9\-_]*={0,2}$/;

function decodeStrictBase64(s: string, alphabet: RegExp, encoding: "base64" | "base64url"): Uint8Array | undefined {
  const clean = s.replace(/[\r\n]/g, "");
  if (clean.length % 4 !== 0 || !alphabet.test(clean)) return undefined;
  const pad = clean.indexOf("=");
  if (pad !== -1 && pad < clean.length - 2) return undefined;
  return new Uint8Array(Buffer.from(clean, encoding));
}

/** runtime.Bytes: standard base64 (padded), else URL-safe base64 (padded). */
export function parseGoBytes(s: string): Uint8Array {
  const v = decodeStrictBase64(s, STD_B64, "base64") ?? decodeStrictBase64(s, URL_B64, "base64url");
  if (v === undefined) throw new GoParseError(`illegal base64 data at input byte 0`);
  return v;
}
