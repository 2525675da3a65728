// Maps an RPC to its grpc-gateway route from the `google.api.http` option in the descriptor: the binding, the path
// with its `{field.path}` variables filled in, and (for bodiless methods) every other set field as a query parameter.
import {
  getOption,
  hasOption,
  type DescField,
  type DescMessage,
  type DescMethod,
  type Message,
} from "@bufbuild/protobuf";
import { reflect, isReflectList, isReflectMessage, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { timestampDate, type Timestamp, type Duration } from "@bufbuild/protobuf/wkt";
import { http } from "@aloft/idl/google/api/annotations_pb.js";
import type { HttpRule } from "@aloft/idl/google/api/http_pb.js";

export interface HttpCall {
  method: string;
  /** Path and query, e.g. `/api/v1/tasks/p/d?limit=10`. */
  path: string;
  /** True when the request message is the body (`body: "*"`). */
  hasBody: boolean;
}

interface Binding {
  verb: string;
  template: string;
  body: string;
}

function bindingOf(rule: HttpRule): Binding | undefined {
  const p = rule.pattern;
  if (p.case === "custom") return { verb: p.value.kind.toUpperCase(), template: p.value.path, body: rule.body };
  if (p.case === undefined) return undefined;
  return { verb: p.case.toUpperCase(), template: p.value, body: rule.body };
}

export function bindingsOf(method: DescMethod): Binding[] {
  if (!hasOption(method, http)) return [];
  const rule = getOption(method, http);
  return [rule, ...rule.additionalBindings].map(bindingOf).filter((b): b is Binding => b !== undefined);
}

const VARIABLE = /\{([A-Za-z0-9_.]+)(?:=([^}]*))?\}/g;

/** The value at a dotted proto-name path, or undefined when a message on the way or the field itself is unset. */
function valueAt(msg: ReflectMessage, path: string[]): unknown {
  let cur: ReflectMessage = msg;
  for (let i = 0; i < path.length; i++) {
    const field: DescField | undefined = cur.desc.fields.find((f) => f.name === path[i]);
    if (!field || !cur.isSet(field)) return undefined;
    const v = cur.get(field);
    if (i === path.length - 1) return v;
    if (!isReflectMessage(v)) return undefined;
    cur = v;
  }
  return undefined;
}

function scalarText(v: unknown): string {
  return typeof v === "string" ? v : String(v);
}

/** Query parameters for every set field that is not bound by the path (grpc-gateway's DefaultQueryParser, reversed). */
function queryParams(msg: ReflectMessage, skip: Set<string>, prefix: string, out: URLSearchParams): void {
  for (const field of msg.desc.fields) {
    const key = prefix + field.name;
    if (skip.has(key) || !msg.isSet(field)) continue;
    const v = msg.get(field);
    if (isReflectMessage(v)) {
      const wkt = wellKnownText(v.desc, v.message);
      if (wkt !== undefined) out.append(key, wkt);
      else queryParams(v, skip, `${key}.`, out);
    } else if (isReflectList(v)) {
      for (const item of v) if (!isReflectMessage(item)) out.append(key, scalarText(item));
    } else if (field.fieldKind === "scalar" || field.fieldKind === "enum") {
      out.append(key, scalarText(v));
    }
  }
}

function wellKnownText(desc: DescMessage, m: Message): string | undefined {
  if (desc.typeName === "google.protobuf.Timestamp") return timestampDate(m as Timestamp).toISOString();
  if (desc.typeName === "google.protobuf.Duration") {
    const d = m as Duration;
    return `${Number(d.seconds) + d.nanos / 1e9}s`;
  }
  return undefined;
}

/** Chooses the first binding whose path variables are all set (e.g. ListTasks with or without `id.name`). */
export function httpCallFor(method: DescMethod, request: Message): HttpCall {
  const bindings = bindingsOf(method);
  if (bindings.length === 0) throw new Error(`${method.parent.typeName}.${method.name} has no HTTP route (gRPC only)`);
  const msg = reflect(method.input, request);
  const filled = bindings.map((b) => {
    const bound = new Set<string>();
    let complete = true;
    const path = b.template.replace(VARIABLE, (_all, fieldPath: string) => {
      bound.add(fieldPath);
      const v = valueAt(msg, fieldPath.split("."));
      if (v === undefined || v === "") complete = false;
      return encodeURIComponent(v === undefined ? "" : scalarText(v));
    });
    return { b, path, bound, complete };
  });
  const chosen = filled.find((f) => f.complete) ?? filled[filled.length - 1]!;
  const hasBody = chosen.b.body !== "";
  let path = chosen.path;
  if (!hasBody) {
    const q = new URLSearchParams();
    queryParams(msg, chosen.bound, "", q);
    // URLSearchParams writes spaces as "+"; the gateway decodes "+" as a space, and a literal "+" (the filter
    // separator) is sent as %2B, which URLSearchParams already does.
    const qs = q.toString();
    if (qs) path += `?${qs}`;
  }
  return { method: chosen.b.verb, path, hasBody };
}
