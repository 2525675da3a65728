// Huge execution inputs without a long event-loop stall (issue 9 row 6). Decoding a 10 MB request holding a
// 1,000,000-element list into a million message objects took seconds of one uninterrupted task, and so did every
// later encode of it; meanwhile the process answered nothing. With literal offloading on, the request's bytes are
// looked at before decoding: every `inputs` entry of at least minSizeInMb is cut out and the rest of the request
// decoded as usual. The cut-out literal is then decoded element by element with pauses between slices (to validate it
// and infer its type: the launch plan's interface is checked against that type), and its original bytes are stored
// as the offloaded object: no re-encoding. The request continues with a small `offloaded_metadata` reference.
import { createHash, randomUUID } from "node:crypto";
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import { create, equals, fromBinary } from "@bufbuild/protobuf";
import {
  LiteralMapSchema,
  LiteralSchema,
  type Literal,
  type LiteralMap,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import type { BlobStore } from "../blob/blob-store.ts";
import { joinKey } from "../blob/keys.ts";
import { literalTypeForLiteral } from "../compiler/literal-types.ts";
import { AloftError, Code, invalidArgument } from "../errors.ts";
import type { LiteralOffloadingConfig } from "./literal-offloading.ts";

const MB = 1024 * 1024;
/** Elements decoded between two pauses: a few ms of work on a quiet laptop. */
const SLICE = 5_000;

export interface LargeLiteral {
  name: string;
  bytes: Uint8Array;
}

/**
 * Cuts the entries of at least `minBytes` out of the `LiteralMap` in field `mapField` of the message in `bytes`;
 * undefined when there is none (or the bytes are not plainly readable: then the caller decodes them as they are and
 * the protobuf decoder judges them).
 */
export function cutLargeMapEntries(
  bytes: Uint8Array,
  mapField: number,
  minBytes: number,
): { rest: Uint8Array; large: LargeLiteral[] } | undefined {
  const top = fields(bytes);
  if (!top) return undefined;
  const large: LargeLiteral[] = [];
  const kept: Uint8Array[] = [];
  for (const f of top) {
    if (f.num !== mapField || f.wire !== 2) {
      kept.push(bytes.subarray(f.start, f.end));
      continue;
    }
    const entries = fields(bytes.subarray(f.valueStart, f.end));
    if (!entries) return undefined;
    const base = f.valueStart;
    const keptEntries: Uint8Array[] = [];
    for (const e of entries) {
      const cut =
        e.num === 1 && e.wire === 2 && e.end - e.valueStart >= minBytes
          ? mapEntry(bytes.subarray(base + e.valueStart, base + e.end))
          : undefined;
      if (cut) large.push(cut);
      else keptEntries.push(bytes.subarray(base + e.start, base + e.end));
    }
    const body = concat(keptEntries);
    kept.push(concat([Uint8Array.of(...varint((mapField << 3) | 2)), Uint8Array.of(...varint(body.length)), body]));
  }
  return large.length === 0 ? undefined : { rest: concat(kept), large };
}

/**
 * Validates a literal's bytes and infers its type. A collection is decoded one slice of elements at a time, with a
 * pause between slices so that other requests are answered meanwhile, and never held whole: each slice's element type
 * is inferred and the slices must agree (else, rarely, the whole is decoded at once to infer a union). Invalid bytes
 * (bad UTF-8 included) are INVALID_ARGUMENT.
 */
export async function typeOfLiteralInSlices(bytes: Uint8Array, name: string): Promise<LiteralType> {
  try {
    const top = fields(bytes);
    const coll = top?.length === 1 && top[0]!.num === 2 && top[0]!.wire === 2 ? top[0]! : undefined;
    if (!coll) return literalTypeForLiteral(fromBinary(LiteralSchema, bytes)) ?? create(LiteralTypeSchema);
    const body = bytes.subarray(coll.valueStart, coll.end);
    let element: LiteralType | undefined;
    let agree = true;
    let slice: Literal[] = [];
    const flush = () => {
      if (slice.length === 0) return;
      const t = literalTypeForLiteral(
        create(LiteralSchema, { value: { case: "collection", value: { literals: slice } } }),
      );
      const e = t?.type.case === "collectionType" ? t.type.value : undefined;
      if (element === undefined) element = e;
      else if (!e || !equals(LiteralTypeSchema, element, e)) agree = false;
      slice = [];
    };
    let pos = 0;
    while (pos < body.length) {
      const f = nextField(body, pos);
      if (f?.num !== 1 || f.wire !== 2)
        return literalTypeForLiteral(fromBinary(LiteralSchema, bytes)) ?? create(LiteralTypeSchema);
      slice.push(fromBinary(LiteralSchema, body.subarray(f.valueStart, f.end)));
      pos = f.end;
      if (slice.length === SLICE) {
        flush();
        await yieldToEventLoop();
      }
    }
    flush();
    if (!agree || element === undefined)
      return literalTypeForLiteral(fromBinary(LiteralSchema, bytes)) ?? create(LiteralTypeSchema);
    return create(LiteralTypeSchema, { type: { case: "collectionType", value: element } });
  } catch (err) {
    if (err instanceof AloftError) throw err;
    throw invalidArgument("literal.invalid", `input ${name} is not a valid literal: ${(err as Error).message}`);
  }
}

/**
 * Stores each cut-out literal under `dir` (its original bytes) and adds its reference to `map`, after validating it
 * and inferring its type; a literal of maxSizeInMb or more is RESOURCE_EXHAUSTED.
 */
export async function offloadCutLiterals(
  store: BlobStore,
  dir: string,
  map: LiteralMap | undefined,
  large: readonly LargeLiteral[],
  config: LiteralOffloadingConfig,
): Promise<LiteralMap> {
  const out = map ?? create(LiteralMapSchema);
  for (const [i, { name, bytes }] of large.entries()) {
    if (bytes.byteLength >= config.maxSizeInMb * MB) {
      throw new AloftError(
        Code.RESOURCE_EXHAUSTED,
        "literal.too_large",
        `input ${name} (${bytes.byteLength} bytes) exceeds literalOffloading.maxSizeInMb (${config.maxSizeInMb} MB)`,
      );
    }
    const inferredType = await typeOfLiteralInSlices(bytes, name);
    // Object names by position: the variable name is the user's text and is not trusted as a path segment.
    const key = joinKey(dir, `${i}_offloaded_metadata.pb`);
    await store.put(key, bytes, { contentType: "application/octet-stream" });
    out.literals[name] = create(LiteralSchema, {
      value: {
        case: "offloadedMetadata",
        value: { uri: store.uri(key), sizeBytes: BigInt(bytes.byteLength), inferredType },
      },
      hash: createHash("sha256").update(bytes).digest("base64url"),
    });
  }
  return out;
}

/** A fresh directory for the literals of one request (its execution is not named yet). */
export function cutLiteralsDir(project: string, domain: string): string {
  const safe = (s: string) => (/^[a-z0-9_-]{1,63}$/i.test(s) ? s : "_");
  return joinKey("metadata", "offloaded-inputs", safe(project), safe(domain), randomUUID());
}

interface Field {
  num: number;
  wire: number;
  /** Offsets in the scanned buffer: the tag, the value (after a length prefix), the end. */
  start: number;
  valueStart: number;
  end: number;
}

/** The top-level fields of a message; undefined for anything not plainly readable (groups, truncation). */
function fields(buf: Uint8Array): Field[] | undefined {
  const out: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const f = nextField(buf, pos);
    if (!f) return undefined;
    out.push(f);
    pos = f.end;
  }
  return out;
}

/** The field starting at `pos`; undefined when it is not plainly readable. */
function nextField(buf: Uint8Array, pos: number): Field | undefined {
  const start = pos;
  const tag = readVarint(buf, pos);
  if (!tag) return undefined;
  pos = tag.next;
  const num = Math.floor(tag.value / 8);
  const wire = tag.value % 8;
  let valueStart = pos;
  if (wire === 0) {
    const v = readVarint(buf, pos);
    if (!v) return undefined;
    pos = v.next;
  } else if (wire === 1) pos += 8;
  else if (wire === 5) pos += 4;
  else if (wire === 2) {
    const len = readVarint(buf, pos);
    if (!len) return undefined;
    valueStart = len.next;
    pos = len.next + len.value;
  } else return undefined;
  if (pos > buf.length || num === 0) return undefined;
  return { num, wire, start, valueStart, end: pos };
}

/** A map entry {1: key, 2: value} whose key is valid UTF-8; undefined otherwise (left to the decoder). */
function mapEntry(entry: Uint8Array): LargeLiteral | undefined {
  const f = fields(entry);
  if (f?.length !== 2 || f[0]!.num !== 1 || f[0]!.wire !== 2 || f[1]!.num !== 2 || f[1]!.wire !== 2) return undefined;
  try {
    const name = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(
      entry.subarray(f[0]!.valueStart, f[0]!.end),
    );
    return { name, bytes: entry.subarray(f[1]!.valueStart, f[1]!.end) };
  } catch {
    return undefined;
  }
}

function readVarint(buf: Uint8Array, pos: number): { value: number; next: number } | undefined {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10 && pos < buf.length; i++) {
    const b = buf[pos++]!;
    value += (b & 0x7f) * mul;
    if (b < 0x80) return value > Number.MAX_SAFE_INTEGER ? undefined : { value, next: pos };
    mul *= 128;
  }
  return undefined;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
