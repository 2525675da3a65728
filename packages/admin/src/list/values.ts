// Preparation of filter values for timestamp and duration columns.
// Timestamps are stored as integer microseconds since the Unix epoch (see repositories/timestamps.ts), so a
// filter timestamp becomes that number; digits below a microsecond are truncated.
// Durations are stored as integer nanoseconds and filter values follow upstream: a plain number is seconds,
// otherwise a Go duration string (`1h30m`, `1.5s`, `300ms`).
import { invalidArgument } from "@aloft/core";

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp (any number of fractional digits) to microseconds since the epoch. */
export function parseTimestampMicros(value: string): number {
  const bad = () =>
    invalidArgument("filters.invalid_timestamp", `Timestamp ${value} must conform to RFC3339 Nano spec`);
  const m = RFC3339.exec(value);
  if (!m) throw bad();
  const [, y, mo, d, h, mi, sec, frac = "", zone = "Z"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw bad();
  if (hour > 23 || minute > 59 || second > 59) throw bad();
  let offsetMinutes = 0;
  if (zone !== "Z") {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) throw bad();
    offsetMinutes = (zone[0] === "-" ? -1 : 1) * (oh * 60 + om);
  }
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const micros = Number(`${frac}000000`.slice(0, 6));
  return (date.getTime() - offsetMinutes * 60_000) * 1000 + micros;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

// Go's strconv.ParseFloat decimal syntax (plus inf/nan), which upstream tries first.
const GO_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const GO_SPECIAL = /^[+-]?(?:inf|infinity|nan)$/i;

/**
 * Parses a duration filter value to nanoseconds as upstream does: if it is a float it is formatted with Go's
 * `%v` and suffixed with `s` (so `60` → `60s`, but `1e6` → `1e+06s`, which Go's duration parser rejects), then
 * parsed with Go's `time.ParseDuration` rules.
 */
export function parseDurationNanos(value: string): number {
  let text = value;
  if (GO_FLOAT.test(value) || GO_SPECIAL.test(value)) text = `${formatGoFloat(Number(parseSpecial(value)))}s`;
  const ns = parseGoDuration(text);
  if (ns === undefined) throw invalidArgument("filters.invalid_duration", `Failed to parse duration [${text}]`);
  return Number(ns);
}

function parseSpecial(v: string): string {
  const lower = v.toLowerCase().replace(/^[+]/, "");
  if (lower === "inf" || lower === "infinity") return "Infinity";
  if (lower === "-inf" || lower === "-infinity") return "-Infinity";
  if (/^[+-]?nan$/.test(lower)) return "NaN";
  return v;
}

/** Go's `%v` for a float64 (`%g`, shortest digits): exponent form when the exponent is < -4 or >= 6. */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mantissa, expText] = f.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const e = Math.abs(exp);
    return `${mantissa}e${exp < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
  }
  return String(f);
}

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ["ns", 1n],
  ["us", 1_000n],
  ["µs", 1_000n],
  ["μs", 1_000n],
  ["ms", 1_000_000n],
  ["s", 1_000_000_000n],
  ["m", 60_000_000_000n],
  ["h", 3_600_000_000_000n],
]);
const MAX_INT64 = (1n << 63n) - 1n;

/** Go's time.ParseDuration: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or "0". Returns nanoseconds, or undefined. */
export function parseGoDuration(s: string): bigint | undefined {
  let i = 0;
  let neg = false;
  if (s[0] === "-" || s[0] === "+") {
    neg = s[0] === "-";
    i = 1;
  }
  if (s.slice(i) === "0") return 0n;
  if (i >= s.length) return undefined;
  let total = 0n;
  while (i < s.length) {
    const intStart = i;
    while (i < s.length && s[i]! >= "0" && s[i]! <= "9") i++;
    const intPart = s.slice(intStart, i);
    let fracPart = "";
    if (s[i] === ".") {
      i++;
      const fs = i;
      while (i < s.length && s[i]! >= "0" && s[i]! <= "9") i++;
      fracPart = s.slice(fs, i);
    }
    if (intPart === "" && fracPart === "") return undefined;
    const unitStart = i;
    while (i < s.length && s[i] !== "." && !(s[i]! >= "0" && s[i]! <= "9")) i++;
    const unit = UNITS.get(s.slice(unitStart, i));
    if (unit === undefined) return undefined;
    let v = BigInt(intPart || "0") * unit;
    if (fracPart !== "") {
      // Go truncates the fraction's contribution: frac * unit / 10^len.
      v += (BigInt(fracPart) * unit) / 10n ** BigInt(fracPart.length);
    }
    total += v;
    if (total > MAX_INT64 + (neg ? 1n : 0n)) return undefined;
  }
  return neg ? -total : total;
}
