// Ben Laurie's objecthash over JSON values, and the protobuf rendering upstream hashes (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go,
// flytestdlib `pbhash.ComputeHash`): the message is rendered as golang `jsonpb` does by default (camelCase json names,
// 64-bit integers as strings, enums by name, unset/empty fields omitted), parsed back as plain JSON (every number a
// float), and hashed. Cache keys computed here must equal upstream's, or every existing cache entry is missed.
import { createHash } from "node:crypto";
import { toJson, type DescMessage, type JsonValue, type MessageShape } from "@bufbuild/protobuf";

type Digest = Buffer;

const tagged = (tag: string, payload: Buffer | string): Digest =>
  createHash("sha256").update(tag).update(payload).digest();

/**
 * The normalised float of objecthash: sign, binary exponent, then the mantissa bits of a value scaled into (0.5, 1].
 * Zero (which upstream's Go loop never leaves) is `+0:` as in the reference Python implementation.
 */
export function normalizeFloat(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`objecthash: cannot normalise ${value}`);
  if (value === 0) return "+0:";
  let f = value;
  let out = "+";
  if (f < 0) {
    out = "-";
    f = -f;
  }
  let e = 0;
  while (f > 1) {
    f /= 2;
    e++;
  }
  while (f <= 0.5) {
    f *= 2;
    e--;
  }
  out += `${e}:`;
  while (f !== 0) {
    if (f >= 1) {
      out += "1";
      f -= 1;
    } else {
      out += "0";
    }
    if (out.length >= 1000) throw new RangeError(`objecthash: cannot normalise ${value}`);
    f *= 2;
  }
  return out;
}

/** objecthash of a JSON value (the result of JSON.parse: numbers are floats, objects are dicts). */
export function objectHash(value: JsonValue): Digest {
  if (value === null) return tagged("n", "");
  switch (typeof value) {
    case "boolean":
      return tagged("b", value ? "1" : "0");
    case "number":
      return tagged("f", normalizeFloat(value));
    case "string":
      return tagged("u", Buffer.from(value, "utf8"));
    default:
      break;
  }
  if (Array.isArray(value)) return tagged("l", Buffer.concat(value.map(objectHash)));
  const entries = Object.entries(value as Record<string, JsonValue>)
    .map(([k, v]) => ({ k: objectHash(k), v: objectHash(v) }))
    .sort((a, b) => Buffer.compare(a.k, b.k));
  return tagged("d", Buffer.concat(entries.flatMap((e) => [e.k, e.v])));
}

/** A message rendered as golang jsonpb's default Marshaler would (protobuf-es' proto3 JSON defaults agree). */
function jsonpbValue<D extends DescMessage>(schema: D, message: MessageShape<D>): JsonValue {
  // Through text and back: numbers become plain floats, exactly what Go's json.Unmarshal into interface{} yields.
  return JSON.parse(JSON.stringify(toJson(schema, message))) as JsonValue;
}

/** upstream `pbhash.ComputeHash`: objecthash of the message's jsonpb rendering. */
export function protoHash<D extends DescMessage>(schema: D, message: MessageShape<D>): Digest {
  return objectHash(jsonpbValue(schema, message));
}

/** base64url without padding (Go's `base64.RawURLEncoding`), the form cache keys use. */
export const rawUrlBase64 = (d: Uint8Array): string => Buffer.from(d).toString("base64url");
