// RFC 4648 base32, the one encoder behind both of upstream's uses: Go's base32.StdEncoding (upper case, padded) for
// hash-rooted upload paths, and flyteplugins' lower-case, unpadded alphabet for fixed-length unique ids.

/** RFC 4648's alphabet (Go's base32.StdEncoding). */
export const BASE32_STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/** flyteplugins' `encoding.Base32Encoder` alphabet (lower case, digits 1-6). */
export const BASE32_FLYTE = "abcdefghijklmnopqrstuvwxyz123456";

/** Encodes `bytes` 5 bits per character over `alphabet`; `pad` appends `=` to a multiple of 8 characters. */
export function base32(bytes: Uint8Array, alphabet: string = BASE32_STD, pad = true): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31];
  if (pad) while (out.length % 8 !== 0) out += "=";
  return out;
}
