// `{{.Inputs.x}}` of a msgpack binary literal (flytekit's dataclasses, pydantic models…): upstream decodes the bytes
// into a Go `interface{}` and prints it with `%v`. This is a small msgpack decoder plus that printing: maps as
// `map[k:v …]` with sorted keys, arrays and byte strings as `[a b c]`, nil as `<nil>`, floats as Go's %v does.
import { goFloat } from "./go-format.ts";

/** Integers are numbers or bigints; floats stay tagged with their width, which decides how Go prints them. */
type Value = null | boolean | number | bigint | string | Uint8Array | Value[] | { float: number; bits: 32 | 64 } | Map<Value, Value>;

export function renderMsgpack(bytes: Uint8Array): string {
  const r = new Reader(bytes);
  const v = r.value();
  if (r.pos !== bytes.length) throw new Error("trailing bytes after the msgpack value");
  return goPrint(v);
}

class Reader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #need(n: number): number {
    if (this.pos + n > this.bytes.length) throw new Error("truncated msgpack value");
    const at = this.pos;
    this.pos += n;
    return at;
  }
  #u8 = () => this.view.getUint8(this.#need(1));
  #u16 = () => this.view.getUint16(this.#need(2));
  #u32 = () => this.view.getUint32(this.#need(4));
  #raw = (n: number) => this.bytes.subarray(this.#need(n), this.pos);
  #str = (n: number) => new TextDecoder().decode(this.#raw(n));
  #array = (n: number): Value[] => Array.from({ length: n }, () => this.value());
  #map = (n: number): Map<Value, Value> => {
    const m = new Map<Value, Value>();
    for (let i = 0; i < n; i++) {
      const k = this.value();
      m.set(k, this.value());
    }
    return m;
  };

  value(): Value {
    const b = this.#u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xf0) === 0x80) return this.#map(b & 0x0f);
    if ((b & 0xf0) === 0x90) return this.#array(b & 0x0f);
    if ((b & 0xe0) === 0xa0) return this.#str(b & 0x1f);
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.#raw(this.#u8());
      case 0xc5: return this.#raw(this.#u16());
      case 0xc6: return this.#raw(this.#u32());
      case 0xca: return { float: this.view.getFloat32(this.#need(4)), bits: 32 };
      case 0xcb: return { float: this.view.getFloat64(this.#need(8)), bits: 64 };
      case 0xcc: return this.#u8();
      case 0xcd: return this.#u16();
      case 0xce: return this.#u32();
      case 0xcf: return this.view.getBigUint64(this.#need(8));
      case 0xd0: return this.view.getInt8(this.#need(1));
      case 0xd1: return this.view.getInt16(this.#need(2));
      case 0xd2: return this.view.getInt32(this.#need(4));
      case 0xd3: return this.view.getBigInt64(this.#need(8));
      case 0xd9: return this.#str(this.#u8());
      case 0xda: return this.#str(this.#u16());
      case 0xdb: return this.#str(this.#u32());
      case 0xdc: return this.#array(this.#u16());
      case 0xdd: return this.#array(this.#u32());
      case 0xde: return this.#map(this.#u16());
      case 0xdf: return this.#map(this.#u32());
      default:
        throw new Error(`unsupported msgpack type 0x${b.toString(16)} (extension types are not rendered)`);
    }
  }
}

/** Go's `%v`. */
function goPrint(v: Value): string {
  if (v === null) return "<nil>";
  if (typeof v === "boolean" || typeof v === "bigint" || typeof v === "string" || typeof v === "number") return String(v);
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
