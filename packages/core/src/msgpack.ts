// A small MessagePack codec (the spec's formats except extensions) for literals flytekit stores as msgpack binaries
// (dataclasses, pydantic models). Maps decode to `Map` (keys may be any value); integers beyond 2^53 to bigint.
// The one decoder of the repository: attribute paths and literal types read values, the local-process plugin's
// templates print them as Go would (for which a float must keep its width: `decodeMsgpackWithFloatWidths`).
export type MsgpackValue = Decoded<never>;

/** A float with the width it was encoded with (Go prints a float32 with fewer digits than a float64). */
export interface MsgpackFloat {
  float: number;
  bits: 32 | 64;
}
/** A decoded value whose floats are `MsgpackFloat`s; integers stay numbers (or bigints). */
export type MsgpackValueWithFloatWidths = Decoded<MsgpackFloat>;

/** A decoded value, floats as `F` (or as plain numbers when F is never). */
type Decoded<F> =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Decoded<F>[]
  | Map<Decoded<F>, Decoded<F>>
  | F;

export function decodeMsgpack(bytes: Uint8Array): MsgpackValue {
  return decodeWhole(new Reader<never>(bytes, (v) => v));
}

export function decodeMsgpackWithFloatWidths(bytes: Uint8Array): MsgpackValueWithFloatWidths {
  return decodeWhole(new Reader<MsgpackFloat>(bytes, (float, bits) => ({ float, bits })));
}

function decodeWhole<F>(r: Reader<F>): Decoded<F> {
  const v = r.value();
  if (r.pos !== r.bytes.length) throw new Error("trailing bytes after the msgpack value");
  return v;
}

class Reader<F> {
  pos = 0;
  readonly #view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly float: (value: number, bits: 32 | 64) => Decoded<F>,
  ) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  #at(n: number): number {
    if (this.pos + n > this.bytes.length) throw new Error("truncated msgpack value");
    const at = this.pos;
    this.pos += n;
    return at;
  }
  #raw(n: number): Uint8Array {
    const at = this.#at(n);
    return this.bytes.slice(at, at + n);
  }
  #str(n: number): string {
    return new TextDecoder().decode(this.#raw(n));
  }
  #int64(signed: boolean): number | bigint {
    const at = this.#at(8);
    const v = signed ? this.#view.getBigInt64(at) : this.#view.getBigUint64(at);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  #array(n: number): Decoded<F>[] {
    const out: Decoded<F>[] = [];
    for (let i = 0; i < n; i++) out.push(this.value());
    return out;
  }
  #map(n: number): Map<Decoded<F>, Decoded<F>> {
    const m = new Map<Decoded<F>, Decoded<F>>();
    for (let i = 0; i < n; i++) {
      const k = this.value();
      m.set(k, this.value());
    }
    return m;
  }

  value(): Decoded<F> {
    const v = this.#view;
    const b = v.getUint8(this.#at(1));
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xf0) === 0x80) return this.#map(b & 0x0f);
    if ((b & 0xf0) === 0x90) return this.#array(b & 0x0f);
    if ((b & 0xe0) === 0xa0) return this.#str(b & 0x1f);
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.#raw(v.getUint8(this.#at(1)));
      case 0xc5:
        return this.#raw(v.getUint16(this.#at(2)));
      case 0xc6:
        return this.#raw(v.getUint32(this.#at(4)));
      case 0xca:
        return this.float(v.getFloat32(this.#at(4)), 32);
      case 0xcb:
        return this.float(v.getFloat64(this.#at(8)), 64);
      case 0xcc:
        return v.getUint8(this.#at(1));
      case 0xcd:
        return v.getUint16(this.#at(2));
      case 0xce:
        return v.getUint32(this.#at(4));
      case 0xcf:
        return this.#int64(false);
      case 0xd0:
        return v.getInt8(this.#at(1));
      case 0xd1:
        return v.getInt16(this.#at(2));
      case 0xd2:
        return v.getInt32(this.#at(4));
      case 0xd3:
        return this.#int64(true);
      case 0xd9:
        return this.#str(v.getUint8(this.#at(1)));
      case 0xda:
        return this.#str(v.getUint16(this.#at(2)));
      case 0xdb:
        return this.#str(v.getUint32(this.#at(4)));
      case 0xdc:
        return this.#array(v.getUint16(this.#at(2)));
      case 0xdd:
        return this.#array(v.getUint32(this.#at(4)));
      case 0xde:
        return this.#map(v.getUint16(this.#at(2)));
      case 0xdf:
        return this.#map(v.getUint32(this.#at(4)));
      default:
        throw new Error(`unsupported msgpack type byte 0x${b.toString(16)}`);
    }
  }
}

export function encodeMsgpack(value: MsgpackValue): Uint8Array {
  const out: number[] = [];
  const push = (...bytes: number[]) => out.push(...bytes);
  const be = (n: number, width: 1 | 2 | 4) => {
    for (let i = width - 1; i >= 0; i--) out.push((n >>> (8 * i)) & 0xff);
  };
  const u64 = (v: bigint, signed: boolean) => {
    const buf = new DataView(new ArrayBuffer(8));
    if (signed) buf.setBigInt64(0, v);
    else buf.setBigUint64(0, v);
    for (let i = 0; i < 8; i++) out.push(buf.getUint8(i));
  };
  const header = (
    len: number,
    fix: number | undefined,
    fixMax: number,
    c8: number | undefined,
    c16: number,
    c32: number,
  ) => {
    if (fix !== undefined && len <= fixMax) push(fix | len);
    else if (c8 !== undefined && len <= 0xff) push(c8, len);
    else if (len <= 0xffff) {
      push(c16);
      be(len, 2);
    } else {
      push(c32);
      be(len, 4);
    }
  };
  const write = (v: MsgpackValue): void => {
    if (v === null) return void push(0xc0);
    if (typeof v === "boolean") return void push(v ? 0xc3 : 0xc2);
    if (typeof v === "bigint") return void (v >= 0n ? (push(0xcf), u64(v, false)) : (push(0xd3), u64(v, true)));
    if (typeof v === "number") {
      if (!Number.isInteger(v)) {
        const buf = new DataView(new ArrayBuffer(8));
        buf.setFloat64(0, v);
        push(0xcb);
        for (let i = 0; i < 8; i++) push(buf.getUint8(i));
        return;
      }
      if (v >= 0 && v <= 0x7f) return void push(v);
      if (v < 0 && v >= -32) return void push(v + 0x100);
      if (v >= 0 && v <= 0xff) return void push(0xcc, v);
      if (v >= 0 && v <= 0xffff) return void (push(0xcd), be(v, 2));
      if (v >= 0 && v <= 0xffffffff) return void (push(0xce), be(v, 4));
      if (v >= -0x80 && v < 0) return void push(0xd0, v & 0xff);
      if (v >= -0x8000 && v < 0) return void (push(0xd1), be(v & 0xffff, 2));
      if (v >= -0x80000000 && v < 0) return void (push(0xd2), be(v >>> 0, 4));
      write(BigInt(v));
      return;
    }
    if (typeof v === "string") {
      const bytes = new TextEncoder().encode(v);
      header(bytes.length, 0xa0, 31, 0xd9, 0xda, 0xdb);
      return void out.push(...bytes);
    }
    if (v instanceof Uint8Array) {
      header(v.length, undefined, 0, 0xc4, 0xc5, 0xc6);
      return void out.push(...v);
    }
    if (Array.isArray(v)) {
      header(v.length, 0x90, 15, undefined, 0xdc, 0xdd);
      v.forEach(write);
      return;
    }
    header(v.size, 0x80, 15, undefined, 0xde, 0xdf);
    for (const [k, item] of v) {
      write(k);
      write(item);
    }
  };
  write(value);
  return new Uint8Array(out);
}
