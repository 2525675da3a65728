// The console's URLs (History API, under /console): every page has a shareable address, parsed and built here, the
// executions list's filters, the node shown on an execution's page and the nodes expanded in its graph included.
// Pure: no DOM.

export const BASE = "/console";

export type EntityKind = "workflows" | "tasks" | "launch_plans";
export type ProjectTab = EntityKind | "executions";

export type Route =
  | { page: "projects" }
  | ({ page: "project"; project: string; domain: string; tab: ProjectTab; archived?: boolean } & ExecutionFilters)
  | { page: "entity"; kind: EntityKind; project: string; domain: string; name: string }
  | { page: "version"; kind: EntityKind; project: string; domain: string; name: string; version: string }
  | { page: "launch"; kind: LaunchKind; project: string; domain: string; name: string; version: string }
  | { page: "execution"; project: string; domain: string; name: string; node?: string; expand?: string[] }
  | { page: "not-found"; path: string };

/** What a launch form starts: a launch plan, or a task on its own. */
export type LaunchKind = "launch_plans" | "tasks";

/** The executions list's filters and sort, all in the URL (`?phase=&q=&lp=&wf=&from=&to=&sort=`). */
export interface ExecutionFilters {
  /** One phase, or several separated by commas (any of them). */
  phase?: string;
  /** Part of the execution's name. */
  q?: string;
  /** Launch plan name. */
  lp?: string;
  /** Workflow name. */
  wf?: string;
  /** Created at or after (RFC 3339). */
  from?: string;
  /** Created at or before (RFC 3339). */
  to?: string;
  /** `<field>.<asc|desc>` */
  sort?: string;
}

export const FILTER_KEYS = ["phase", "q", "lp", "wf", "from", "to", "sort"] as const;

const KINDS = new Set<string>(["workflows", "tasks", "launch_plans"]);

/** The route of a location's pathname and search (`?phase=…&sort=…`, `?node=…&expand=a,b`). */
export function parseRoute(pathname: string, search = ""): Route {
  const query = new URLSearchParams(search);
  if (pathname !== BASE && !pathname.startsWith(`${BASE}/`)) return { page: "not-found", path: pathname };
  let parts: string[];
  try {
    parts = pathname
      .slice(BASE.length)
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
  } catch {
    return { page: "not-found", path: pathname };
  }
  if (parts.length === 0 || (parts.length === 1 && parts[0] === "projects")) return { page: "projects" };
  const [p0, project, d0, domain, section, name, v0, version, action, ...rest] = parts;
  if (p0 !== "projects" || !project || d0 !== "domains" || !domain) return { page: "not-found", path: pathname };
  if (!section) return { page: "project", project, domain, tab: "executions" };
  if (section === "executions" && !name) return projectPage(project, domain, "executions", query);
  if (section === "executions" && name && !v0) {
    const node = query.get("node");
    const expand = (query.get("expand") ?? "").split(",").filter((s) => s !== "");
    return {
      page: "execution",
      project,
      domain,
      name,
      ...(node ? { node } : {}),
      ...(expand.length ? { expand } : {}),
    };
  }
  if (!KINDS.has(section)) return { page: "not-found", path: pathname };
  const kind = section as EntityKind;
  if (!name) return projectPage(project, domain, kind, query);
  if (!v0) return { page: "entity", kind, project, domain, name };
  if (v0 !== "versions" || !version || rest.length > 0) return { page: "not-found", path: pathname };
  if (!action) return { page: "version", kind, project, domain, name, version };
  if (action === "launch" && kind !== "workflows") return { page: "launch", kind, project, domain, name, version };
  return { page: "not-found", path: pathname };
}

function projectPage(project: string, domain: string, tab: ProjectTab, query: URLSearchParams): Route {
  const route: Extract<Route, { page: "project" }> = { page: "project", project, domain, tab };
  if (tab === "executions") {
    for (const k of FILTER_KEYS) {
      const v = query.get(k);
      if (v) route[k] = v;
    }
  } else if (query.get("archived") === "1") route.archived = true;
  return route;
}

/** The URL of a route (the inverse of parseRoute). */
export function routeHref(r: Route): string {
  const e = encodeURIComponent;
  const pd = (p: string, d: string) => `${BASE}/projects/${e(p)}/domains/${e(d)}`;
  switch (r.page) {
    case "projects":
      return `${BASE}/projects`;
    case "project": {
      const q = new URLSearchParams();
      if (r.tab === "executions") {
        for (const k of FILTER_KEYS) {
          const v = r[k];
          if (v) q.set(k, v);
        }
      } else if (r.archived) q.set("archived", "1");
      const qs = q.toString();
      return `${pd(r.project, r.domain)}/${r.tab}${qs ? `?${qs}` : ""}`;
    }
    case "entity":
      return `${pd(r.project, r.domain)}/${r.kind}/${e(r.name)}`;
    case "version":
      return `${pd(r.project, r.domain)}/${r.kind}/${e(r.name)}/versions/${e(r.version)}`;
    case "launch":
      return `${pd(r.project, r.domain)}/${r.kind}/${e(r.name)}/versions/${e(r.version)}/launch`;
    case "execution": {
      const q = new URLSearchParams();
      if (r.node) q.set("node", r.node);
      if (r.expand?.length) q.set("expand", r.expand.join(","));
      const qs = q.toString();
      return `${pd(r.project, r.domain)}/executions/${e(r.name)}${qs ? `?${qs}` : ""}`;
    }
    case "not-found":
      return r.path;
  }
}

/** The page title of a route, for document.title and the heading. */
export function routeTitle(r: Route): string {
  switch (r.page) {
    case "projects":
      return "Projects";
    case "project":
      return `${r.project} / ${r.domain}: ${r.tab.replace("_", " ")}`;
    case "entity":
    case "version":
      return `${r.name}${r.page === "version" ? ` @ ${r.version}` : ""}`;
    case "launch":
      return `Launch ${r.name}`;
    case "execution":
      return `Execution ${r.name}`;
    case "not-found":
      return "Not found";
  }
}
