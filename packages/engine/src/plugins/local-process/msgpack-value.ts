// `{{.Inputs.x}}` of a msgpack binary literal (flytekit's dataclasses, pydantic models…): upstream decodes the bytes
// into a Go `interface{}` and prints it with `%v`. This is that printing, of core's decoder (floats keep their width):
// maps as `map[k:v …]` with sorted keys, arrays and byte strings as `[a b c]`, nil as `<nil>`, floats as Go's %v does.
import { decodeMsgpackWithFloatWidths, type MsgpackValueWithFloatWidths as Value } from "@aloft/core";
import { goFloat } from "./go-format.ts";

export function renderMsgpack(bytes: Uint8Array): string {
  return goPrint(decodeMsgpackWithFloatWidths(bytes));
}

/** Go's `%v`. */
function goPrint(v: Value): string {
  if (v === null) return "<nil>";
  if (typeof v === "boolean" || typeof v === "bigint" || typeof v === "string" || typeof v === "number")
    return String(v);
  if (v instanceof Uint8Array) return `[${Array.from(v).join(" ")}]`;
  if (Array.isArray(v)) return `[${v.map(goPrint).join(" ")}]`;
  if (v instanceof Map) {
    const entries = [...v.entries()].map(([k, val]) => [k, goPrint(k), goPrint(val)] as const);
    const numeric = entries.every(([k]) => typeof k === "number" || typeof k === "bigint");
    entries.sort((a, b) => (numeric ? Number(a[0]) - Number(b[0]) : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    return `map[${entries.map(([, k, val]) => `${k}:${val}`).join(" ")}]`;
  }
  return v.bits === 32 ? float32(v.float) : goFloat(v.float);
}

/** `%v` of a float32: the shortest digits that round-trip through float32. */
function float32(v: number): string {
  if (!Number.isFinite(v) || v === 0) return goFloat(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return goFloat(Number(s));
  }
  return goFloat(v);
}
