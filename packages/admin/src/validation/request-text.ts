// Every string of every request is checked before any manager sees it: a NUL character or an unpaired surrogate
// (JSON's "\ud800", or invalid UTF-8 that a decoder kept) is INVALID_ARGUMENT naming the field. PostgreSQL's text
// columns reject NUL (the call failed INTERNAL) while SQLite stored it — the two backends disagreed about names,
// descriptions, label values and filters. Literal values are not checked: they live in blobs, where any string is
// fine, and a task may legitimately pass text with NUL in it.
import type { DescField, DescMessage, DescMethod, Message } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { invalidArgument } from "@aloft/core";
import type { CallContext, UnaryHandler, UnaryMiddleware } from "../api/rpc.ts";
import { textProblem } from "./text.ts";

/** Subtrees holding user data rather than names: their strings are never stored in a text column. */
const OPAQUE = new Set([
  "flyteidl.core.Literal",
  "flyteidl.core.LiteralMap",
  "flyteidl.core.LiteralCollection",
  "flyteidl.core.Scalar",
  "flyteidl.core.Primitive",
  "flyteidl.core.Binary",
  "google.protobuf.Struct",
  "google.protobuf.Value",
  "google.protobuf.ListValue",
  "google.protobuf.Any",
]);

type Obj = Record<string, unknown>;
type Found = { path: string; problem: string };

/** Messages decoded from protobuf bytes holding no 0x00 byte (noteDecoded). */
const decodedClean = new WeakSet<Message>();

/**
 * Notes that `message` was decoded from `bytes` as it stands. When they hold no 0x00 byte, no string in it can hold
 * NUL (UTF-8 encodes U+0000 only as 0x00) and none an unpaired surrogate (protobuf's decoder refuses invalid UTF-8 in
 * a proto3 string and substitutes U+FFFD elsewhere), so findInvalidText answers at once instead of walking every
 * field: most requests and events (the walk was ≈ 5 % of the CPU of a batch of events).
 */
export function noteDecoded(message: Message, bytes: Uint8Array): void {
  if (bytes.indexOf(0) === -1) decodedClean.add(message);
}

/** The path of the first unstorable string in `message` and what is wrong with it, or undefined. */
export function findInvalidText(desc: DescMessage, message: Message): Found | undefined {
  if (decodedClean.has(message)) return undefined;
  return visit(desc, message as unknown as Obj);
}

// The walk runs for every request (every event of a CreateEvents batch), so it builds no path and no closure on the
// way: a string found bad returns its problem, and each level prepends its part of the path on the way back.

/** Prepends `part` to the path of what was found inside. */
function within(found: Found | undefined, part: string): Found | undefined {
  if (found) found.path = part + found.path;
  return found;
}

function visit(desc: DescMessage, msg: Obj): Found | undefined {
  if (OPAQUE.has(desc.typeName)) return undefined;
  for (const f of desc.fields) {
    const value = fieldValue(f, msg);
    if (value === undefined) continue;
    const found = visitField(f, value);
    if (found) return within(found, f.name);
  }
  return undefined;
}

function fieldValue(f: DescField, msg: Obj): unknown {
  if (f.oneof) {
    const o = msg[f.oneof.localName] as { case?: string; value?: unknown } | undefined;
    return o?.case === f.localName ? o.value : undefined;
  }
  return msg[f.localName];
}

function checkString(v: unknown): Found | undefined {
  if (typeof v !== "string") return undefined;
  const problem = textProblem(v);
  return problem ? { path: "", problem } : undefined;
}

/** What is bad in one field's value, its path relative to the field's own ("", ".sub", " key", "[k]", "[k].sub"). */
function visitField(f: DescField, value: unknown): Found | undefined {
  switch (f.fieldKind) {
    case "scalar":
      return f.scalar === ScalarType.STRING ? checkString(value) : undefined;
    case "message":
      return within(visit(f.message, value as Obj), ".");
    case "list":
      if (f.listKind === "message") {
        for (const item of value as unknown[]) {
          const found = visit(f.message, item as Obj);
          if (found) return within(found, ".");
        }
      } else if (f.listKind === "scalar" && f.scalar === ScalarType.STRING) {
        for (const item of value as unknown[]) {
          const found = checkString(item);
          if (found) return found;
        }
      }
      return undefined;
    case "map":
      for (const k of Object.keys(value as Obj)) {
        if (f.mapKey === ScalarType.STRING) {
          const found = checkString(k);
          if (found) return within(found, " key");
        }
        const v = (value as Obj)[k];
        const found =
          f.mapKind === "scalar"
            ? f.scalar === ScalarType.STRING
              ? checkString(v)
              : undefined
            : f.mapKind === "message"
              ? within(visit(f.message, v as Obj), ".")
              : undefined;
        if (found) return within(found, `[${k}]`);
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Batches that check each item themselves, so that one bad item fails alone (api/event-service.ts). */
const CHECKED_PER_ITEM = new Set(["aloft.admin.v1.EventService.CreateEvents"]);

/** Refuses a request holding unstorable text, on gRPC and the HTTP gateway alike. */
export const requestTextMiddleware: UnaryMiddleware = (
  method: DescMethod,
  req: Message,
  ctx: CallContext,
  next: UnaryHandler,
) => {
  if (CHECKED_PER_ITEM.has(`${method.parent.typeName}.${method.name}`)) return next(req, ctx);
  const found = findInvalidText(method.input, req);
  if (found)
    return Promise.reject(
      invalidArgument("validation.invalid_text", `invalid value for ${found.path}: ${found.problem}`),
    );
  return next(req, ctx);
};
