// Go values as the renderer holds them: nil = null, string, bool, int = bigint (template literals, --set integers,
// `int`), float64 = number (every number of a values file: Helm reads YAML through JSON), []interface{} = array,
// map[string]interface{} = plain object, and Helm's structs (.Release, .Chart, .Capabilities, .Template) = GoStruct.
// Printing follows fmt's %v: 1000000.0 prints as 1e+06, as in Helm.
import { TemplateError, unsupported } from "./errors.ts";

export class GoStruct {
  constructor(
    readonly typeName: string,
    readonly fields: Record<string, unknown>,
  ) {}
}

export type GoMap = Record<string, unknown>;

export function isMap(v: unknown): v is GoMap {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof GoStruct);
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "bigint") return "int";
  if (typeof v === "number") return "float64";
  if (Array.isArray(v)) return "[]interface {}";
  if (v instanceof GoStruct) return v.typeName;
  if (isMap(v)) return "map[string]interface {}";
  throw new TemplateError(`unexpected value of JavaScript type ${typeof v}`);
}

/** text/template's truth: false, 0, nil, and empty strings, slices and maps are false; structs are true. */
export function truth(v: unknown): boolean {
  if (v === null || v === undefined) return false;
  if (typeof v === "string") return v.length > 0;
  if (typeof v === "boolean") return v;
  if (typeof v === "bigint") return v !== 0n;
  if (typeof v === "number") return v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof GoStruct) return true;
  return Object.keys(v as object).length > 0;
}

/** Sorted keys: Go ranges over and prints maps in key order. */
export function sortedKeys(m: GoMap): string[] {
  return Object.keys(m).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** fmt's %v. */
export function formatV(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (typeof v === "number") return goFloat(v);
  if (Array.isArray(v)) return `[${v.map(formatV).join(" ")}]`;
  if (v instanceof GoStruct) throw unsupported(`printing a ${v.typeName}`);
  const m = v as GoMap;
  return `map[${sortedKeys(m)
    .map((k) => `${k}:${formatV(m[k])}`)
    .join(" ")}]`;
}

/** strconv.FormatFloat(f, 'g', -1, 64) as fmt's %v uses it: exponent form below 1e-4 and from 1e+06 (as %g's precision 6 rule for shortest). */
export function goFloat(n: number): string {
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const [mant, e] = Math.abs(n).toExponential().split("e") as [string, string];
  const digits = mant.replace(".", "");
  const exp = Number(e);
  const sign = n < 0 ? "-" : "";
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ee = Math.abs(exp) < 10 ? `0${Math.abs(exp)}` : String(Math.abs(exp));
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${ee}`;
  }
  const dp = exp + 1;
  if (dp <= 0) return `${sign}0.${"0".repeat(-dp)}${digits}`;
  if (dp >= digits.length) return sign + digits + "0".repeat(dp - digits.length);
  return `${sign}${digits.slice(0, dp)}.${digits.slice(dp)}`;
}

/** unicode.IsPrint without the ASCII space: letters, marks, numbers, punctuation, symbols. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** strconv.Quote (fmt's %q of a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 11) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (c !== 0x20 && !PRINTABLE.test(ch))
      out += c > 0xffff ? `\\U${c.toString(16).padStart(8, "0")}` : `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A deep copy of plain data (values are never shared between renders). */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isMap(v)) {
    const out: GoMap = {};
    for (const [k, x] of Object.entries(v)) out[k] = deepCopy(x);
    return out as T;
  }
  return v;
}
