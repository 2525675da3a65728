// Query strings and path unescaping with Go's net/url rules (what grpc-gateway sees), and the DefaultQueryParser:
// keys are dotted field paths by proto or json name, `key[k]=v` fills map entries, repeated keys fill repeated
// fields, unknown keys are ignored, and fields already bound by the path template are skipped.
import type { ReflectMessage } from "@bufbuild/protobuf/reflect";
import { BindingError, findField, populateFieldFromPath } from "./field-binding.ts";

/** Ordered multimap of decoded query values, like Go's url.Values (first-seen key order). */
export type QueryValues = Map<string, string[]>;

const HEX = /^[0-9a-fA-F]{2}$/;

/** Go's url.QueryUnescape (`+` is a space) or, with `plusIsSpace` false, PathUnescape. Throws on a bad escape. */
export function goUnescape(s: string, plusIsSpace: boolean): string {
  if (!s.includes("%") && !(plusIsSpace && s.includes("+"))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!HEX.test(hex)) throw new BindingError(`invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}`);
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === "+" && plusIsSpace) {
      bytes.push(0x20);
    } else {
      for (const b of Buffer.from(c, "utf8")) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * Go's url.ParseQuery: pairs split on `&`, a `;` anywhere in a pair is an error ("invalid semicolon separator in
 * query"), pairs with bad escapes are skipped; the first error is returned next to the values that did parse.
 */
export function parseGoQuery(raw: string, into: QueryValues = new Map()): { values: QueryValues; error?: string } {
  let error: string | undefined;
  for (const pair of raw.split("&")) {
    if (pair.includes(";")) {
      error ??= "invalid semicolon separator in query";
      continue;
    }
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? "" : pair.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = goUnescape(rawKey, true);
      value = goUnescape(rawValue, true);
    } catch (err) {
      error ??= (err as Error).message;
      continue;
    }
    const list = into.get(key);
    if (list) list.push(value);
    else into.set(key, [value]);
  }
  return error === undefined ? { values: into } : { values: into, error };
}

/** Field paths bound elsewhere (path variables, a body field), each split on `.`; a query key under one is skipped. */
export type FieldPathFilter = readonly (readonly string[])[];

function hasCommonPrefix(filter: FieldPathFilter, path: readonly string[]): boolean {
  return filter.some((f) => f.length <= path.length && f.every((seg, i) => seg === path[i]));
}

/** Rewrites json-name segments to proto names where they resolve, so the path filter sees canonical names. */
function normalizeFieldPath(msg: ReflectMessage, path: readonly string[]): readonly string[] {
  const out: string[] = [];
  let desc = msg.desc;
  for (let i = 0; i < path.length; i++) {
    const field = findField(desc, path[i] as string);
    if (field === undefined) return path;
    out.push(field.name);
    if (i === path.length - 1) break;
    if (field.fieldKind !== "message") return path;
    desc = field.message;
  }
  return out;
}

const MAP_KEY = /^(.*)\[(.*)\]$/;

/** Populates `msg` from query values (DefaultQueryParser.Parse). Throws BindingError on a bad value. */
export function bindQuery(msg: ReflectMessage, values: QueryValues, filter: FieldPathFilter): void {
  for (const [rawKey, rawValues] of values) {
    let key = rawKey;
    let vals = rawValues;
    const m = MAP_KEY.exec(key);
    if (m) {
      key = m[1] as string;
      vals = [m[2] as string, ...vals];
    }
    const path = normalizeFieldPath(msg, key.split("."));
    if (hasCommonPrefix(filter, path)) continue;
    populateFieldFromPath(msg, path, vals);
  }
}
