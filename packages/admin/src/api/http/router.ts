// The route table, read from the `google.api.http` option (and its additional_bindings) of every bound method —
// there is no hand-written table — and request matching as grpc-gateway's ServeMux: routes of the request's HTTP
// method first (most specific template first), then other methods to tell 501 "Method Not Allowed" from 404,
// and the POST x-www-form-urlencoded → GET fallback.
import { getOption, hasOption, type DescField, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import { http } from "@aloft/idl/google/api/annotations_pb.js";
import type { HttpRule } from "@aloft/idl/google/api/http_pb.js";
import type { Logger } from "@aloft/core";
import type { ServiceBinding } from "../rpc.ts";
import { compareSpecificity, matchTemplate, parseTemplate, type PathTemplate } from "./path-template.ts";

/** A served route, as reported by the gateway. */
export interface RouteInfo {
  /** HTTP method, upper case. */
  method: string;
  /** The path template as written in the proto, e.g. `/api/v1/projects/{id}`. */
  path: string;
  /** Fully qualified service name, e.g. `flyteidl.service.AdminService`. */
  service: string;
  /** RPC name, e.g. `GetProject`. */
  rpc: string;
  /** The rule's `body` (`*`, a field path, or empty). */
  body: string;
}

export interface Route extends RouteInfo {
  template: PathTemplate;
  desc: DescMethod;
  binding: ServiceBinding;
  /** Field paths bound by the path and the body field: query keys under them are skipped. */
  queryFilter: string[][];
}

/** Every http rule of every bound method (+ additional_bindings), most specific template first per method. */
export function buildRoutes(bindings: readonly ServiceBinding[], logger: Logger): Route[] {
  const routes: Route[] = [];
  const seen = new Set<string>();
  for (const binding of bindings) {
    for (const desc of binding.service.methods) {
      if (desc.methodKind !== "unary" || !hasOption(desc, http)) continue;
      const rule = getOption(desc, http);
      for (const r of [rule, ...rule.additionalBindings]) {
        const route = toRoute(binding, desc, r, logger);
        if (!route) continue;
        const key = `${route.method} ${route.template.segments.map((s) => s.literal ?? `<${s.kind}>`).join("/")}:${route.template.verb}`;
        if (seen.has(key)) {
          logger.warn({ method: route.method, path: route.path, rpc: route.rpc }, "duplicate http route ignored");
          continue;
        }
        seen.add(key);
        routes.push(route);
      }
    }
  }
  return routes;
}

function ruleMethodAndPath(rule: HttpRule): [string, string] | undefined {
  const p = rule.pattern;
  switch (p.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      return [p.case.toUpperCase(), p.value];
    case "custom":
      return [p.value.kind.toUpperCase(), p.value.path];
    default:
      return undefined;
  }
}

function resolvable(input: DescMessage, fieldPath: string): boolean {
  let desc: DescMessage | undefined = input;
  const parts = fieldPath.split(".");
  for (let i = 0; i < parts.length; i++) {
    const field: DescField | undefined = desc?.fields.find((f) => f.name === parts[i]);
    if (!field) return false;
    if (i < parts.length - 1) {
      if (field.fieldKind !== "message") return false;
      desc = field.message;
    }
  }
  return true;
}

function toRoute(binding: ServiceBinding, desc: DescMethod, rule: HttpRule, logger: Logger): Route | undefined {
  const mp = ruleMethodAndPath(rule);
  if (!mp) return undefined;
  const [method, path] = mp;
  const where = { rpc: `${desc.parent.typeName}.${desc.name}`, path };
  let template: PathTemplate;
  try {
    template = parseTemplate(path);
  } catch (err) {
    logger.warn({ ...where, err }, "http rule skipped: bad path template");
    return undefined;
  }
  const bad = template.variables.find((v) => !resolvable(desc.input, v.fieldPath));
  if (bad) {
    logger.warn({ ...where, field: bad.fieldPath }, "http rule skipped: path variable is not a request field");
    return undefined;
  }
  if (rule.body !== "" && rule.body !== "*") {
    const field = desc.input.fields.find((f) => f.name === rule.body);
    if (field?.fieldKind !== "message") {
      logger.warn({ ...where, body: rule.body }, "http rule skipped: body must be * or a message field");
      return undefined;
    }
  }
  const queryFilter = template.variables.map((v) => v.fieldPath.split("."));
  if (rule.body !== "" && rule.body !== "*") queryFilter.push([rule.body]);
  return {
    method,
    path,
    service: desc.parent.typeName,
    rpc: desc.name,
    body: rule.body,
    template,
    desc,
    binding,
    queryFilter,
  };
}

export type RouteMatch =
  | { kind: "route"; route: Route; params: Map<string, string>; fallback: boolean }
  | { kind: "method-not-allowed" }
  | { kind: "not-found" };

export interface Router {
  match(method: string, components: readonly string[], pathLengthFallback: boolean): RouteMatch;
}

export function createRouter(routes: readonly Route[]): Router {
  const byMethod = new Map<string, Route[]>();
  for (const r of routes) {
    const list = byMethod.get(r.method) ?? [];
    list.push(r);
    byMethod.set(r.method, list);
  }
  for (const list of byMethod.values()) list.sort((a, b) => compareSpecificity(a.template, b.template));

  const first = (list: readonly Route[] | undefined, components: readonly string[]) => {
    for (const route of list ?? []) {
      const params = matchTemplate(route.template, components);
      if (params) return { route, params };
    }
    return undefined;
  };

  return {
    match(method, components, pathLengthFallback) {
      const own = first(byMethod.get(method), components);
      if (own) return { kind: "route", ...own, fallback: false };
      if (pathLengthFallback && method === "POST") {
        const get = first(byMethod.get("GET"), components);
        if (get) return { kind: "route", ...get, fallback: true };
      }
      for (const [m, list] of byMethod) {
        if (m !== method && first(list, components)) return { kind: "method-not-allowed" };
      }
      return { kind: "not-found" };
    },
  };
}
