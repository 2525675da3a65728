// Fixed-length unique ids (flyteplugins `encoding.FixedLengthUniqueIDForParts`, upstream flyteplugins/go/tasks/pluginmachinery/encoding/encoder.go): node
// unique ids in events, task generated names, child execution names. Short ids are kept readable; long ones hashed.
import { base32, BASE32_FLYTE } from "./base32.ts";
import { fnv32a } from "./blob/keys.ts";

export type UniqueIdAlgorithm = "fnv32a" | "fnv64a";

/** FNV-1a, 64 bit, over the UTF-8 bytes of `s`. */
export function fnv64a(s: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(s, "utf8")) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

/** Joins `parts` with "-" (no separator while the result is still empty); longer than `max` → "f" + base32(hash). */
export function fixedLengthUniqueIdForParts(
  max: number,
  parts: readonly string[],
  algo: UniqueIdAlgorithm = "fnv32a",
): string {
  let joined = "";
  for (const p of parts) {
    joined = joined === "" ? p : `${joined}-${p}`;
  }
  if (joined.length <= max) return joined;
  let bytes: Uint8Array;
  if (algo === "fnv32a") {
    const h = fnv32a(joined);
    bytes = new Uint8Array([(h >>> 24) & 255, (h >>> 16) & 255, (h >>> 8) & 255, h & 255]);
  } else {
    const h = fnv64a(joined);
    bytes = new Uint8Array(8);
    for (let i = 0; i < 8; i++) bytes[i] = Number((h >> BigInt(56 - 8 * i)) & 0xffn);
  }
  return `f${base32(bytes, BASE32_FLYTE, false)}`;
}

/** A string id longer than `max` hashed as above (single part). */
export function fixedLengthUniqueId(max: number, id: string, algo: UniqueIdAlgorithm = "fnv32a"): string {
  return fixedLengthUniqueIdForParts(max, [id], algo);
}
