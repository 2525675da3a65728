// Offloaded literals (upstream flytepropeller/pkg/controller/nodes/common/utils.go; propeller's literal-offloading-config, flyteidl `Literal.offloaded_metadata`): a
// literal whose serialized size reaches a threshold is written to the blob store on its own and replaced, wherever
// it travels afterwards (stored inputs, the engine's spec, node inputs and outputs), by a small reference
// {uri, size_bytes, inferred_type}. The big value is then encoded once and decoded only where it is really consumed,
// instead of at every hop; flytekit ≥ 1.14 reads such references itself, and the engine's binding resolution reads
// them for everything else (engine/src/executor/bindings.ts).
import { createHash } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import {
  LiteralMapSchema,
  LiteralSchema,
  type Literal,
  type LiteralMap,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "@aloft/idl/flyteidl/core/types_pb.js";
import type { BlobStore } from "../blob/blob-store.ts";
import { joinKey } from "../blob/keys.ts";
import { literalTypeForLiteral } from "../compiler/literal-types.ts";
import { AloftError, Code } from "../errors.ts";

/** `literalOffloading` in the configuration (propeller's `literal-offloading-config`, same defaults). */
export interface LiteralOffloadingConfig {
  /**
   * On by default with a 1 MB threshold (upstream: off, 10 MB): tasks run on the server's own machine here, and a
   * multi-megabyte literal decoded inline stalls every other request (issue 9 row 6).
   */
  enabled: boolean;
  /** Literals whose serialized size is at least this many MB are offloaded (upstream `min-size-in-mb-for-offloading`). */
  minSizeInMb: number;
  /** Literals of at least this many MB are refused (upstream `max-size-in-mb-for-offloading`). */
  maxSizeInMb: number;
}

export function defaultLiteralOffloadingConfig(): LiteralOffloadingConfig {
  return { enabled: true, minSizeInMb: 1, maxSizeInMb: 1000 };
}

const MB = 1024 * 1024;

/** The object name of an offloaded output or input `name` under `dir`, as propeller names them. */
export function offloadedLiteralKey(dir: string, name: string): string {
  return joinKey(dir, `${name}_offloaded_metadata.pb`);
}

/**
 * `map` with every literal of at least `minSizeInMb` written under `dir` and replaced by its reference; the same map
 * (not a copy) when offloading is off or nothing is that large. A literal of `maxSizeInMb` or more is
 * RESOURCE_EXHAUSTED. `seen` lets two maps that share literal objects (an execution's inputs and user inputs) write
 * each value once.
 */
export async function offloadLargeLiterals(
  store: BlobStore,
  map: LiteralMap,
  dir: string,
  config: LiteralOffloadingConfig,
  seen: Map<Literal, Literal> = new Map(),
): Promise<LiteralMap> {
  if (!config.enabled) return map;
  let out: Record<string, Literal> | undefined;
  for (const [name, literal] of Object.entries(map.literals)) {
    const replaced = seen.get(literal) ?? (await offloadOne(store, literal, offloadedLiteralKey(dir, name), config));
    seen.set(literal, replaced);
    if (replaced !== literal) (out ??= { ...map.literals })[name] = replaced;
  }
  return out ? create(LiteralMapSchema, { literals: out }) : map;
}

async function offloadOne(
  store: BlobStore,
  literal: Literal,
  key: string,
  config: LiteralOffloadingConfig,
): Promise<Literal> {
  if (literal.value.case === "offloadedMetadata") return literal;
  // A cheap lower bound first: small literals (the common case) are not encoded at all.
  if (!mayReach(literal, config.minSizeInMb * MB)) return literal;
  const bytes = toBinary(LiteralSchema, literal);
  if (bytes.byteLength < config.minSizeInMb * MB) return literal;
  if (bytes.byteLength >= config.maxSizeInMb * MB) {
    throw new AloftError(
      Code.RESOURCE_EXHAUSTED,
      "literal.too_large",
      `a literal of ${bytes.byteLength} bytes exceeds literalOffloading.maxSizeInMb (${config.maxSizeInMb} MB)`,
    );
  }
  await store.put(key, bytes, { contentType: "application/octet-stream" });
  return create(LiteralSchema, {
    value: {
      case: "offloadedMetadata",
      value: {
        uri: store.uri(key),
        sizeBytes: BigInt(bytes.byteLength),
        inferredType: literalTypeForLiteral(literal) ?? create(LiteralTypeSchema),
      },
    },
    // Cache keys use `hash` when set (upstream fills it with the literal's pbhash): a digest of the serialized value.
    hash: literal.hash !== "" ? literal.hash : createHash("sha256").update(bytes).digest("base64url"),
    metadata: literal.metadata,
  });
}

/**
 * Whether `literal` could serialize to `min` bytes or more: an upper bound of its size, summed until it reaches `min`
 * (then the literal is measured exactly). Scalars whose size is not bounded cheaply count as "could".
 */
function mayReach(literal: Literal, min: number): boolean {
  return upperBound(literal, min) >= min;
}

/** An upper bound of `literal`'s wire size plus its framing as an element (≤ 6 bytes of tag and length), capped at `cap`. */
function upperBound(literal: Literal, cap: number): number {
  const v = literal.value;
  switch (v.case) {
    case "collection":
    case "map": {
      let sum = 16 + literal.hash.length;
      const items = v.case === "collection" ? v.value.literals : Object.entries(v.value.literals);
      for (const item of items) {
        sum += Array.isArray(item)
          ? 6 + (item[0] as string).length * 3 + upperBound(item[1] as Literal, cap - sum)
          : upperBound(item as Literal, cap - sum);
        if (sum >= cap) return sum;
      }
      return sum;
    }
    case "scalar": {
      const s = v.value.value;
      if (s.case === "primitive") {
        const p = s.value.value;
        return 32 + literal.hash.length + (p.case === "stringValue" ? p.value.length * 3 : 0);
      }
      if (s.case === "binary") return 32 + literal.hash.length + s.value.value.byteLength + s.value.tag.length * 3;
      if (s.case === "noneType") return 16;
      return Number.POSITIVE_INFINITY;
    }
    case "offloadedMetadata":
      return 0;
    default:
      return Number.POSITIVE_INFINITY;
  }
}
