// The paths of the Kubernetes API: `/api/v1/...` for the core group, `/apis/<group>/<version>/...` otherwise, then
// `[namespaces/<ns>/]<plural>[/<name>[/<subresource>]]`; and the discovery documents clients read first.
import { apiVersionOf } from "../resources.ts";
import type { Registry, ServedKind } from "./registry.ts";

export interface Route {
  kind: ServedKind;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

export type Parsed = { route: Route } | { discovery: unknown } | { unknown: true };

function resourceList(registry: Registry, group: string, version: string): unknown {
  const kinds = registry.all().filter((k) => k.group === group && k.version === version);
  const resources = kinds.flatMap((k) => {
    const main = {
      name: k.plural,
      singularName: k.kind.toLowerCase(),
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
    };
    const status = {
      name: `${k.plural}/status`,
      singularName: "",
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: ["get", "patch", "update"],
    };
    return k.statusSubresource ? [main, status] : [main];
  });
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion: apiVersionOf({ group, version }), resources };
}

function groupList(registry: Registry): unknown {
  const groups = new Map<string, Set<string>>();
  for (const k of registry.all()) {
    if (k.group === "") continue;
    const versions = groups.get(k.group) ?? new Set();
    versions.add(k.version);
    groups.set(k.group, versions);
  }
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups].map(([name, versions]) => {
      const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
      return { name, versions: list, preferredVersion: list[0] };
    }),
  };
}

export function parsePath(registry: Registry, pathname: string): Parsed {
  const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 1 && parts[0] === "api")
    return { discovery: { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] } };
  if (parts.length === 1 && parts[0] === "apis") return { discovery: groupList(registry) };
  if (parts.length === 1 && parts[0] === "version") {
    return {
      discovery: {
        major: "1",
        minor: "31",
        gitVersion: "v1.31.0-aloft-test",
        platform: `${process.platform}/${process.arch}`,
      },
    };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 2) {
    [group, version, rest] = ["", parts[1]!, parts.slice(2)];
  } else if (parts[0] === "apis" && parts.length >= 3) {
    [group, version, rest] = [parts[1]!, parts[2]!, parts.slice(3)];
  } else return { unknown: true };
  if (rest.length === 0) return { discovery: resourceList(registry, group, version) };
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && registry.find(group, version, rest[2]!)?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const kind = registry.find(group, version, rest[0]!);
  if (!kind || rest.length > 3) return { unknown: true };
  return { route: { kind, namespace, name: rest[1], subresource: rest[2] } };
}
