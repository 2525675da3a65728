// Whether two values of plain data (a node status) would be written alike as JSON — without writing them: an array
// round compares every sub-node it visits before and after, and the two JSON strings per visit (four when only the
// plugin state moved) were most of the array handler's own time.

/**
 * True when `JSON.stringify` of `a` and of `b` (leaving out the keys named `skip`, at any depth) would hold the same
 * values. Key order is not compared; an undefined value is a missing key, as in JSON. Values that are not plain
 * objects, arrays or primitives (a `toJSON`, a class instance) are compared by their JSON.
 */
export function sameJson(a: unknown, b: unknown, skip?: string): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return samePrimitive(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i] ?? null, b[i] ?? null, skip)) return false;
    return true;
  }
  if (!plain(a) || !plain(b)) return asJson(a, skip) === asJson(b, skip);
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const k of Object.keys(x)) {
    if (k === skip || omitted(x[k])) continue;
    keys++;
    if (!sameJson(x[k], y[k], skip)) return false;
  }
  for (const k of Object.keys(y)) if (k !== skip && !omitted(y[k])) keys--;
  return keys === 0;
}

/**
 * Two values that are not both objects, and not identical: different strings or booleans never write alike (a string
 * beside an object's `toJSON` is counted as different: a change, the safe side); numbers only as two non-finite ones
 * (null).
 */
function samePrimitive(a: unknown, b: unknown): boolean {
  const ta = typeof a;
  const tb = typeof b;
  if (ta === "string" || tb === "string" || ta === "boolean" || tb === "boolean") return false;
  if (ta === "number" && tb === "number") return !Number.isFinite(a) && !Number.isFinite(b);
  return asJson(a) === asJson(b);
}

const omitted = (v: unknown) => v === undefined || typeof v === "function" || typeof v === "symbol";

function plain(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== "function";
}

function asJson(v: unknown, skip?: string): string | undefined {
  return JSON.stringify(v, skip === undefined ? undefined : (k, value) => (k === skip ? undefined : value));
}
