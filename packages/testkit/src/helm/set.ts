// Helm's value merging: user values coalesced over the chart's (maps deeply, a null removes the key), and `--set`
// (strvals): `a.b=c,d=e`, `\.` and `\,` escapes, `{x,y}` lists, values typed as strvals types them (an integer without a
// leading zero is an int64, true/false a bool, null a nil). List indexes (`a[0]=x`) are not implemented.
import { unsupported } from "./errors.ts";
import { isMap, type GoMap } from "./values.ts";

/** Returns `over` coalesced onto `under` (both are modified). */
export function coalesce(over: GoMap, under: GoMap): GoMap {
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete under[k];
    else if (isMap(v) && isMap(under[k])) under[k] = coalesce(v, under[k] as GoMap);
    else under[k] = v;
  }
  return under;
}

function typed(raw: string): unknown {
  const l = raw.toLowerCase();
  if (l === "true") return true;
  if (l === "false") return false;
  if (l === "null") return null;
  if (raw === "0") return 0n;
  if (raw !== "" && raw[0] !== "0" && /^[+-]?[0-9]+$/.test(raw)) {
    const v = BigInt(raw);
    if (v >= -(2n ** 63n) && v < 2n ** 63n) return v;
  }
  return raw;
}

/** Splits on `sep` not preceded by a backslash, removing the escapes of `sep`. */
function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && s[i + 1] === sep) {
      cur += sep;
      i++;
    } else if (s[i] === sep) {
      out.push(cur);
      cur = "";
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

export function applySet(into: GoMap, expr: string): void {
  const parts: string[] = [];
  // Commas inside {…} belong to the list.
  let depth = 0;
  let cur = "";
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === "\\" && i + 1 < expr.length) {
      cur += c + expr[++i];
      continue;
    }
    if (c === "{") depth++;
    if (c === "}") depth--;
    if (c === "," && depth === 0) {
      parts.push(cur);
      cur = "";
    } else cur += c;
  }
  parts.push(cur);
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq < 0) throw unsupported(`--set ${part} (key without a value)`);
    const key = part.slice(0, eq);
    const raw = part.slice(eq + 1);
    if (/(^|[^\\])\[/.test(key)) throw unsupported(`--set list indexes (${key})`);
    const path = splitUnescaped(key, ".");
    const value =
      raw.startsWith("{") && raw.endsWith("}")
        ? raw === "{}"
          ? []
          : splitUnescaped(raw.slice(1, -1), ",").map(typed)
        : typed(raw.replaceAll("\\,", ","));
    let m = into;
    for (const seg of path.slice(0, -1)) {
      if (!isMap(m[seg])) m[seg] = {};
      m = m[seg] as GoMap;
    }
    m[path.at(-1)!] = value;
  }
}
