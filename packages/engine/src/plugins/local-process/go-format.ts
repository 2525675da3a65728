// Go's text forms of values, reproduced because tasks see them: `fmt %v` of a float64, `time.RFC3339Nano`,
// `time.Duration.String()` (what propeller's templating and flytecopilot print), and the parsers copilot uses to read
// a task's output files back (`strconv.ParseBool`, `time.ParseDuration`).

/** `fmt.Sprintf("%v", f)` for a float64: shortest digits; `%e` form (two-digit exponent) when the exponent is < -4 or >= 6. */
export function goFloat(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  if (v === 0) return Object.is(v, -0) ? "-0" : "0";
  // toExponential() without an argument gives the shortest digits that round-trip, as strconv's shortest mode.
  const [mantissa, expPart] = v.toExponential().split("e") as [string, string];
  const exp = Number(expPart);
  // strconv 'g' with the shortest precision (fmt's %v) switches to %e with eprec = 6.
  if (exp >= -4 && exp < 6) return String(v); // JS prints plain decimals in this range too
  const digits = String(Math.abs(exp)).padStart(2, "0");
  return `${mantissa}e${exp < 0 ? "-" : "+"}${digits}`;
}

/** `time.Time.Format(time.RFC3339Nano)` in UTC: fractional seconds without trailing zeros. */
export function goTimestamp(seconds: bigint, nanos: number): string {
  const ms = Number(seconds) * 1000;
  const base = new Date(ms).toISOString().slice(0, 19); // YYYY-MM-DDTHH:MM:SS
  if (nanos === 0) return `${base}Z`;
  const frac = String(nanos).padStart(9, "0").replace(/0+$/, "");
  return `${base}.${frac}Z`;
}

/** `time.Duration(n).String()` for a duration in nanoseconds: "1h2m3.5s", "1.5ms", "0s". */
export function goDuration(totalNanos: bigint): string {
  if (totalNanos === 0n) return "0s";
  const neg = totalNanos < 0n;
  let u = neg ? -totalNanos : totalNanos;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u < 1000n) out = `${u}ns`;
    else if (u < 1_000_000n) out = `${fraction(u, 3)}µs`;
    else out = `${fraction(u, 6)}ms`;
  } else {
    const secs = fraction(u, 9); // "<wholeSeconds>[.frac]"
    const dot = secs.indexOf(".");
    const frac = dot >= 0 ? secs.slice(dot) : "";
    u = u / 1_000_000_000n;
    const s = u % 60n;
    const m = (u / 60n) % 60n;
    const h = u / 3600n;
    if (h > 0n) out = `${h}h${m}m${s}${frac}s`;
    else if (m > 0n) out = `${m}m${s}${frac}s`;
    else out = `${s}${frac}s`;
  }
  return neg ? `-${out}` : out;
}

/** v / 10^prec with the remainder as a decimal fraction, trailing zeros dropped. */
function fraction(v: bigint, prec: number): string {
  const scale = 10n ** BigInt(prec);
  const whole = v / scale;
  const rest = (v % scale).toString().padStart(prec, "0").replace(/0+$/, "");
  return rest === "" ? `${whole}` : `${whole}.${rest}`;
}

/** `strconv.ParseBool`. */
export function parseGoBool(s: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(s)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(s)) return false;
  return undefined;
}

const UNIT_NANOS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** `time.ParseDuration`: "300ms", "-1.5h", "2h45m"; undefined when malformed. Result in nanoseconds. */
export function parseGoDuration(s: string): bigint | undefined {
  let rest = s;
  let neg = false;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    neg = rest.startsWith("-");
    rest = rest.slice(1);
  }
  if (rest === "0") return 0n;
  if (rest === "") return undefined;
  let total = 0;
  const part = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== "") {
    const m = part.exec(rest);
    if (!m || m[1] === "" || m[1] === ".") return undefined;
    total += Number(m[1]) * UNIT_NANOS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  const n = BigInt(Math.round(total));
  return neg ? -n : n;
}

/** `strconv.ParseInt(s, 10, 64)`. */
export function parseGoInt(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  if (v > 9223372036854775807n || v < -9223372036854775808n) return undefined;
  return v;
}

/** `strconv.ParseFloat(s, 64)` for the decimal forms (plus inf/nan). */
export function parseGoFloat(s: string): number | undefined {
  const lower = s.toLowerCase();
  if (["inf", "+inf", "infinity", "+infinity"].includes(lower)) return Infinity;
  if (["-inf", "-infinity"].includes(lower)) return -Infinity;
  if (lower === "nan") return NaN;
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) return undefined;
  return Number(s);
}
