// fmt.Sprintf for the verbs charts use: %s %d %v %q %t %%, with flags `-` and `0` and a width. A value of the wrong
// kind prints as Go prints it (`%!d(float64=3)`: the classic `printf "%d" .Values.port` mistake); any other verb throws.
import { unsupported } from "./errors.ts";
import { formatV, goQuote, typeName } from "./values.ts";

function bad(verb: string, v: unknown): string {
  return v === null || v === undefined ? `%!${verb}(<nil>)` : `%!${verb}(${typeName(v)}=${formatV(v)})`;
}

function one(verb: string, v: unknown): string {
  switch (verb) {
    case "v":
      return formatV(v);
    case "s":
      if (typeof v === "string") return v;
      if (Array.isArray(v) && v.every((x) => typeof x === "string")) return formatV(v);
      return bad(verb, v);
    case "d":
      return typeof v === "bigint" ? String(v) : bad(verb, v);
    case "t":
      return typeof v === "boolean" ? String(v) : bad(verb, v);
    case "q":
      return typeof v === "string" ? goQuote(v) : bad(verb, v);
    default:
      throw unsupported(`printf verb %${verb}`);
  }
}

export function sprintf(format: string, args: unknown[]): string {
  let out = "";
  let n = 0;
  const re = /%([-0]*)([0-9]*)(\.[0-9]*)?(.)?/g;
  let last = 0;
  for (let m = re.exec(format); m; m = re.exec(format)) {
    out += format.slice(last, m.index);
    last = re.lastIndex;
    const [, flags = "", width = "", prec, verb] = m;
    if (verb === undefined) {
      out += "%!(NOVERB)";
      continue;
    }
    if (verb === "%" && !flags && !width && !prec) {
      out += "%";
      continue;
    }
    if (prec !== undefined) throw unsupported(`printf precision in %${prec}${verb}`);
    if (n >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    let text = one(verb, args[n++]);
    const w = Number(width || 0);
    if (text.length < w) {
      if (flags.includes("-")) text = text.padEnd(w, " ");
      else if (flags.includes("0") && verb === "d") {
        const neg = text.startsWith("-");
        text = (neg ? "-" : "") + text.slice(neg ? 1 : 0).padStart(w - (neg ? 1 : 0), "0");
      } else text = text.padStart(w, " ");
    }
    out += text;
  }
  out += format.slice(last);
  if (n < args.length)
    out += `%!(EXTRA ${args
      .slice(n)
      .map((a) => (a === null || a === undefined ? "<nil>" : `${typeName(a)}=${formatV(a)}`))
      .join(", ")})`;
  return out;
}
