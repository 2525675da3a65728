// The functions a chart may call: text/template's builtins (with Go's comparison rules: an int and a float64 are not
// comparable) and the Sprig / Helm functions this renderer implements. Arguments are checked as Go converts them to the
// function's parameter types: `nindent .Values.n` with a float64 fails as it fails in Helm.
import { createHash } from "node:crypto";
import { toJson, toYaml } from "./encode.ts";
import { TemplateError } from "./errors.ts";
import { sprintf } from "./printf.ts";
import { GoStruct, formatV, goQuote, isMap, truth, typeName, type GoMap } from "./values.ts";

export interface CallContext {
  include(name: string, data: unknown): string;
  tpl(text: string, data: unknown): string;
}

type Fn = (args: unknown[], ctx: CallContext) => unknown;

function arity(name: string, args: unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max)
    throw new TemplateError(
      `wrong number of args for ${name}: want ${min === max ? min : `${min}..${max}`} got ${args.length}`,
    );
}

function str(v: unknown, what: string): string {
  if (typeof v === "string") return v;
  throw new TemplateError(`wrong type for value; expected string; got ${typeName(v)} (${what})`);
}

function int(v: unknown, what: string): number {
  if (typeof v === "bigint") return Number(v);
  throw new TemplateError(`wrong type for value; expected int; got ${typeName(v)} (${what})`);
}

function map(v: unknown, what: string): GoMap {
  if (v === null || v === undefined) return {};
  if (isMap(v)) return v;
  throw new TemplateError(`wrong type for value; expected map[string]interface {}; got ${typeName(v)} (${what})`);
}

/** Sprig's strval: strings as they are, anything else as fmt's %v. */
const strval = (v: unknown): string => (typeof v === "string" ? v : formatV(v));

/** Sprig's empty. */
export function empty(v: unknown): boolean {
  if (v instanceof GoStruct) return false;
  return !truth(v);
}

/** cast.ToInt64, as Sprig's int, int64 and add use it. */
function toInt64(v: unknown): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return BigInt(Math.trunc(v));
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "string") return /^[+-]?[0-9]+$/.test(v.trim()) ? BigInt(v.trim()) : 0n;
  return 0n;
}

type Kind = "bool" | "int" | "float" | "string" | "invalid" | "other";
const kindOf = (v: unknown): Kind =>
  v === null || v === undefined
    ? "invalid"
    : typeof v === "boolean"
      ? "bool"
      : typeof v === "bigint"
        ? "int"
        : typeof v === "number"
          ? "float"
          : typeof v === "string"
            ? "string"
            : "other";

function eq(a: unknown, ...bs: unknown[]): boolean {
  if (bs.length === 0) throw new TemplateError("missing argument for comparison");
  const ka = kindOf(a);
  for (const b of bs) {
    const kb = kindOf(b);
    if (ka !== kb) {
      if (ka !== "invalid" && kb !== "invalid") throw new TemplateError("incompatible types for comparison");
      continue;
    }
    if (ka === "other") throw new TemplateError(`non-comparable type ${typeName(a)}`);
    if (a === b || ka === "invalid") return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === "bool" || ka === "invalid" || ka === "other" || kb === "bool" || kb === "invalid" || kb === "other")
    throw new TemplateError("invalid type for comparison");
  if (ka !== kb) throw new TemplateError("incompatible types for comparison");
  return (a as number) < (b as number);
}

/** mergo.Merge without override, as Sprig's merge: keys missing from dst (deeply) are copied from each src. */
function mergeInto(dst: GoMap, src: GoMap): void {
  for (const [k, v] of Object.entries(src)) {
    const have = dst[k];
    if (isMap(have) && isMap(v)) mergeInto(have, v);
    else if (!Object.hasOwn(dst, k) || empty(have)) dst[k] = v;
  }
}

function indentText(n: number, s: string): string {
  const pad = " ".repeat(n);
  return pad + s.replaceAll("\n", `\n${pad}`);
}

function fmtSprint(args: unknown[]): string {
  let out = "";
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== "string" && typeof args[i - 1] !== "string") out += " ";
    out += formatV(a);
  });
  return out;
}

function index(v: unknown, keys: unknown[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (cur === null || cur === undefined) throw new TemplateError("index of untyped nil");
    if (isMap(cur)) cur = Object.hasOwn(cur, str(k, "map key")) ? cur[k as string] : null;
    else if (Array.isArray(cur) || typeof cur === "string") {
      if (typeof k !== "bigint") throw new TemplateError(`cannot index slice/array with type ${typeName(k)}`);
      if (k < 0n || k >= BigInt(cur.length)) throw new TemplateError(`index out of range: ${k}`);
      cur = typeof cur === "string" ? BigInt(Buffer.from(cur)[Number(k)]!) : cur[Number(k)];
    } else throw new TemplateError(`can't index item of type ${typeName(cur)}`);
  }
  return cur;
}

export const FUNCS: Record<string, Fn> = {
  // text/template builtins
  eq: (a) => (arity("eq", a, 1, 99), eq(a[0], ...a.slice(1))),
  ne: (a) => (arity("ne", a, 2), !eq(a[0], a[1])),
  lt: (a) => (arity("lt", a, 2), lt(a[0], a[1])),
  le: (a) => (arity("le", a, 2), lt(a[0], a[1]) || eq(a[0], a[1])),
  gt: (a) => (arity("gt", a, 2), lt(a[1], a[0])),
  ge: (a) => (arity("ge", a, 2), lt(a[1], a[0]) || eq(a[0], a[1])),
  not: (a) => (arity("not", a, 1), !truth(a[0])),
  len: (a) => {
    arity("len", a, 1);
    const v = a[0];
    if (typeof v === "string") return BigInt(Buffer.byteLength(v));
    if (Array.isArray(v)) return BigInt(v.length);
    if (isMap(v)) return BigInt(Object.keys(v).length);
    throw new TemplateError(v === null || v === undefined ? "len of nil pointer" : `len of type ${typeName(v)}`);
  },
  index: (a) => (arity("index", a, 1, 99), index(a[0], a.slice(1))),
  print: (a) => fmtSprint(a),
  printf: (a) => (arity("printf", a, 1, 99), sprintf(str(a[0], "printf format"), a.slice(1))),
  // Helm
  include: (a, ctx) => (arity("include", a, 2), ctx.include(str(a[0], "include name"), a[1])),
  tpl: (a, ctx) => (arity("tpl", a, 2), ctx.tpl(str(a[0], "tpl template"), a[1])),
  required: (a) => {
    arity("required", a, 2);
    if (a[1] === null || a[1] === undefined || a[1] === "") throw new TemplateError(str(a[0], "required message"));
    return a[1];
  },
  fail: (a) => {
    arity("fail", a, 1);
    throw new TemplateError(str(a[0], "fail message"));
  },
  toYaml: (a) => (arity("toYaml", a, 1), toYaml(a[0])),
  toJson: (a) => (arity("toJson", a, 1), toJson(a[0])),
  // Sprig
  default: (a) => (arity("default", a, 1, 2), a.length < 2 || empty(a[1]) ? a[0] : a[1]),
  empty: (a) => (arity("empty", a, 1), empty(a[0])),
  coalesce: (a) => a.find((v) => !empty(v)) ?? null,
  ternary: (a) => {
    arity("ternary", a, 3);
    if (typeof a[2] !== "boolean")
      throw new TemplateError(`wrong type for value; expected bool; got ${typeName(a[2])}`);
    return a[2] ? a[0] : a[1];
  },
  quote: (a) =>
    a
      .filter((v) => v !== null && v !== undefined)
      .map((v) => goQuote(strval(v)))
      .join(" "),
  squote: (a) =>
    a
      .filter((v) => v !== null && v !== undefined)
      .map((v) => `'${strval(v)}'`)
      .join(" "),
  toString: (a: unknown[]) => (arity("toString", a, 1), strval(a[0])),
  int: (a) => (arity("int", a, 1), toInt64(a[0])),
  int64: (a) => (arity("int64", a, 1), toInt64(a[0])),
  add: (a) => a.reduce<bigint>((sum, v) => sum + toInt64(v), 0n),
  indent: (a) => (arity("indent", a, 2), indentText(int(a[0], "indent"), str(a[1], "indent"))),
  nindent: (a) => (arity("nindent", a, 2), `\n${indentText(int(a[0], "nindent"), str(a[1], "nindent"))}`),
  trunc: (a) => {
    arity("trunc", a, 2);
    const c = int(a[0], "trunc");
    const s = str(a[1], "trunc");
    if (c < 0 && s.length + c > 0) return s.slice(s.length + c);
    if (c >= 0 && s.length > c) return s.slice(0, c);
    return s;
  },
  trimSuffix: (a) => {
    arity("trimSuffix", a, 2);
    const [suf, s] = [str(a[0], "trimSuffix"), str(a[1], "trimSuffix")];
    return suf && s.endsWith(suf) ? s.slice(0, s.length - suf.length) : s;
  },
  trimPrefix: (a) => {
    arity("trimPrefix", a, 2);
    const [pre, s] = [str(a[0], "trimPrefix"), str(a[1], "trimPrefix")];
    return s.startsWith(pre) ? s.slice(pre.length) : s;
  },
  replace: (a) => (arity("replace", a, 3), str(a[2], "replace").replaceAll(str(a[0], "replace"), str(a[1], "replace"))),
  lower: (a) => (arity("lower", a, 1), str(a[0], "lower").toLowerCase()),
  upper: (a) => (arity("upper", a, 1), str(a[0], "upper").toUpperCase()),
  contains: (a) => (arity("contains", a, 2), str(a[1], "contains").includes(str(a[0], "contains"))),
  hasPrefix: (a) => (arity("hasPrefix", a, 2), str(a[1], "hasPrefix").startsWith(str(a[0], "hasPrefix"))),
  hasSuffix: (a) => (arity("hasSuffix", a, 2), str(a[1], "hasSuffix").endsWith(str(a[0], "hasSuffix"))),
  b64enc: (a) => (arity("b64enc", a, 1), Buffer.from(str(a[0], "b64enc")).toString("base64")),
  sha256sum: (a) => (arity("sha256sum", a, 1), createHash("sha256").update(str(a[0], "sha256sum")).digest("hex")),
  join: (a) => {
    arity("join", a, 2);
    const v = a[1];
    const items = v === null || v === undefined ? [] : Array.isArray(v) ? v : [v];
    return items
      .filter((x) => x !== null && x !== undefined)
      .map(strval)
      .join(str(a[0], "join"));
  },
  list: (a) => [...a],
  concat: (a) =>
    a.flatMap((l) => {
      if (l === null || l === undefined) return [];
      if (!Array.isArray(l)) throw new TemplateError(`Cannot concat type ${typeName(l)} as list`);
      return l;
    }),
  dict: (a) => {
    const d: GoMap = {};
    for (let i = 0; i < a.length; i += 2) d[strval(a[i])] = i + 1 < a.length ? a[i + 1] : "";
    return d;
  },
  set: (a) => {
    arity("set", a, 3);
    const d = map(a[0], "set");
    d[str(a[1], "set")] = a[2];
    return d;
  },
  hasKey: (a) => (arity("hasKey", a, 2), Object.hasOwn(map(a[0], "hasKey"), str(a[1], "hasKey"))),
  merge: (a) => {
    arity("merge", a, 1, 99);
    const dst = map(a[0], "merge");
    for (const src of a.slice(1)) mergeInto(dst, map(src, "merge"));
    return dst;
  },
};
