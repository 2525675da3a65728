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

/** The path of the first unstorable string in `message` and what is wrong with it, or undefined. */
export function findInvalidText(desc: DescMessage, message: Message): { path: string; problem: string } | undefined {
  return visit(desc, message as unknown as Obj, "");
}

function visit(desc: DescMessage, msg: Obj, prefix: string): { path: string; problem: string } | undefined {
  if (OPAQUE.has(desc.typeName)) return undefined;
  for (const f of desc.fields) {
    const value = fieldValue(f, msg);
    if (value === undefined) continue;
    const path = prefix === "" ? f.name : `${prefix}.${f.name}`;
    const found = visitField(f, value, path);
    if (found) return found;
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

function visitField(f: DescField, value: unknown, path: string): { path: string; problem: string } | undefined {
  const str = (v: unknown, p: string) => {
    if (typeof v !== "string") return undefined;
    const problem = textProblem(v);
    return problem ? { path: p, problem } : undefined;
  };
  switch (f.fieldKind) {
    case "scalar":
      return f.scalar === ScalarType.STRING ? str(value, path) : undefined;
    case "message":
      return visit(f.message, value as Obj, path);
    case "list":
      for (const item of value as unknown[]) {
        const found =
          f.listKind === "scalar"
            ? f.scalar === ScalarType.STRING
              ? str(item, path)
              : undefined
            : f.listKind === "message"
              ? visit(f.message, item as Obj, path)
              : undefined;
        if (found) return found;
      }
      return undefined;
    case "map":
      for (const [k, v] of Object.entries(value as Obj)) {
        const found =
          (f.mapKey === ScalarType.STRING ? str(k, `${path} key`) : undefined) ??
          (f.mapKind === "scalar"
            ? f.scalar === ScalarType.STRING
              ? str(v, `${path}[${k}]`)
              : undefined
            : f.mapKind === "message"
              ? visit(f.message, v as Obj, `${path}[${k}]`)
              : undefined);
        if (found) return found;
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
