// The console's only way to the platform: the public HTTP API (/api/v1, JSON) on the page's own origin, with the
// session cookie when auth is on. Errors become ApiError with a sentence a person can act on.
import type {
  Execution,
  ExecutionData,
  Identifier,
  LaunchPlan,
  Literal,
  NamedEntity,
  NodeExecution,
  Project,
  ScheduleView,
  Signal,
  Span,
  Task,
  TaskExecution,
  Workflow,
} from "./types.ts";
import { namedEntityFilters, RESOURCE_TYPE } from "./entities.ts";
import { executionFilters } from "./execution-filters.ts";
import { type LogRead, parseContentRange } from "./logs.ts";
import type { EntityKind, ExecutionFilters, LaunchKind } from "./routes.ts";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A failed response (status and the google.rpc.Status message) in plain words. */
export function describeFailure(status: number, serverMessage: string): string {
  const detail = serverMessage ? `: ${serverMessage}` : "";
  if (status === 0) return `The server could not be reached${detail}`;
  if (status === 401) return "You are not signed in (or your session expired).";
  if (status === 403) return `You are not allowed to do this${detail}`;
  if (status === 404) return `Not found${detail}`;
  if (status === 409) return `Already exists${detail}`;
  if (status === 400) return `The request was refused${detail}`;
  if (status === 501) return `This server does not support that yet${detail}`;
  if (status === 503) return `The server is unavailable right now${detail}`;
  if (status >= 500) return `The server failed${detail}`;
  return `Request failed (HTTP ${status})${detail}`;
}

export type Fetch = typeof fetch;

export interface ListPage<T> {
  items: T[];
  token: string;
}

export interface ExecutionQuery extends ExecutionFilters {
  project: string;
  domain: string;
  limit: number;
  token?: string;
}

const e = encodeURIComponent;

/**
 * `fetchFn` sends the requests; `csrfToken` reads the session's `flyte_csrf` cookie, sent back as `X-CSRF-Token` on
 * every change (admin's double-submit check for cookie-authenticated writes; empty when auth is off).
 */
export function createApi(fetchFn: Fetch, csrfToken: () => string = () => "") {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await request<T>(method, path, body)).json;
  }
  /** The answer and the server's clock when it answered (its Date header, ms since the epoch; NaN without one). */
  async function request<T>(method: string, path: string, body?: unknown): Promise<{ json: T; serverTime: number }> {
    let res: Response;
    try {
      res = await fetchFn(path, {
        method,
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
          ...(method !== "GET" && csrfToken() !== "" ? { "X-CSRF-Token": csrfToken() } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new ApiError(0, describeFailure(0, err instanceof Error ? err.message : String(err)));
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === "" ? {} : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const message = (json as { message?: string } | undefined)?.message ?? text.slice(0, 200);
      throw new ApiError(res.status, describeFailure(res.status, message));
    }
    if (json === undefined) throw new ApiError(res.status, "The server answered something that is not JSON.");
    return { json: json as T, serverTime: Date.parse(res.headers.get("Date") ?? "") };
  }
  const get = <T>(path: string) => call<T>("GET", path);

  const sortQuery = (sort: string | undefined) => {
    const [key, dir] = (sort ?? "created_at.desc").split(".");
    return `sort_by.key=${e(key ?? "created_at")}&sort_by.direction=${dir === "asc" ? "ASCENDING" : "DESCENDING"}`;
  };

  return {
    projects: () => get<{ projects?: Project[] }>("/api/v1/projects").then((r) => r.projects ?? []),
    versions: async (
      kind: string,
      project: string,
      domain: string,
      name: string,
      token = "",
    ): Promise<ListPage<Workflow | Task | LaunchPlan>> => {
      const r = await get<Record<string, unknown> & { token?: string }>(
        `/api/v1/${kind}/${e(project)}/${e(domain)}/${e(name)}?limit=50&token=${e(token)}&${sortQuery("created_at.desc")}`,
      );
      return { items: (r[kind] as (Workflow | Task | LaunchPlan)[] | undefined) ?? [], token: r.token ?? "" };
    },
    /** Workflows, tasks or launch plans by name, active or archived, with their description and state. */
    namedEntities: async (
      kind: EntityKind,
      project: string,
      domain: string,
      archived: boolean,
      token = "",
    ): Promise<ListPage<NamedEntity>> => {
      const r = await get<{ entities?: NamedEntity[]; token?: string }>(
        `/api/v1/named_entities/${RESOURCE_TYPE[kind]}/${e(project)}/${e(domain)}?limit=100&token=${e(token)}` +
          `&sort_by.key=name&sort_by.direction=ASCENDING&filters=${e(namedEntityFilters(archived))}`,
      );
      return { items: r.entities ?? [], token: r.token ?? "" };
    },
    /** The names of a project-domain's launch plans or workflows (ListLaunchPlanIds / ListWorkflowIds), A to Z. */
    entityNames: async (kind: "launch_plans" | "workflows", project: string, domain: string): Promise<string[]> => {
      const path = kind === "launch_plans" ? "launch_plan_ids" : "workflow_ids";
      const r = await get<{ entities?: { name?: string }[] }>(
        `/api/v1/${path}/${e(project)}/${e(domain)}?limit=1000&sort_by.key=name&sort_by.direction=ASCENDING`,
      );
      return (r.entities ?? []).map((x) => x.name ?? "").filter((n) => n !== "");
    },
    namedEntity: (kind: EntityKind, project: string, domain: string, name: string) =>
      get<NamedEntity>(`/api/v1/named_entities/${RESOURCE_TYPE[kind]}/${e(project)}/${e(domain)}/${e(name)}`),
    /** Archives or unarchives a name (UpdateNamedEntity; the description is sent back unchanged). */
    setArchived: (kind: EntityKind, entity: NamedEntity, archived: boolean) => {
      const { project, domain, name } = entity.id;
      return call<object>(
        "PUT",
        `/api/v1/named_entities/${RESOURCE_TYPE[kind]}/${e(project)}/${e(domain)}/${e(name)}`,
        {
          resource_type: RESOURCE_TYPE[kind],
          id: { project, domain, name },
          metadata: {
            description: entity.metadata?.description ?? "",
            state: archived ? "NAMED_ENTITY_ARCHIVED" : "NAMED_ENTITY_ACTIVE",
          },
        },
      );
    },
    /** Activates a launch plan version (its schedule starts; the name's other versions are deactivated) or deactivates it. */
    setLaunchPlanActive: (id: Identifier, active: boolean) =>
      call<object>(
        "PUT",
        `/api/v1/launch_plans/${e(id.project)}/${e(id.domain)}/${e(id.name)}/${e(id.version ?? "")}`,
        {
          id: {
            resource_type: "LAUNCH_PLAN",
            project: id.project,
            domain: id.domain,
            name: id.name,
            version: id.version,
          },
          state: active ? "ACTIVE" : "INACTIVE",
        },
      ),
    /** The scheduler's active schedules with their next fire times (Aloft's own route; flyteidl has none). */
    schedules: (project: string, domain: string) =>
      get<{ schedules?: ScheduleView[] }>(`/api/v1/aloft/schedules?project=${e(project)}&domain=${e(domain)}`).then(
        (r) => r.schedules ?? [],
      ),
    workflow: (id: Identifier) =>
      get<Workflow>(`/api/v1/workflows/${e(id.project)}/${e(id.domain)}/${e(id.name)}/${e(id.version ?? "")}`),
    task: (id: Identifier) =>
      get<Task>(`/api/v1/tasks/${e(id.project)}/${e(id.domain)}/${e(id.name)}/${e(id.version ?? "")}`),
    launchPlan: (id: Identifier) =>
      get<LaunchPlan>(`/api/v1/launch_plans/${e(id.project)}/${e(id.domain)}/${e(id.name)}/${e(id.version ?? "")}`),
    executions: async (q: ExecutionQuery): Promise<ListPage<Execution>> => {
      const expr = executionFilters(q);
      const filters = expr ? `&filters=${e(expr)}` : "";
      const r = await get<{ executions?: Execution[]; token?: string }>(
        `/api/v1/executions/${e(q.project)}/${e(q.domain)}?limit=${q.limit}&token=${e(q.token ?? "")}&${sortQuery(q.sort)}${filters}`,
      );
      return { items: r.executions ?? [], token: r.token ?? "" };
    },
    execution: (project: string, domain: string, name: string) =>
      get<Execution>(`/api/v1/executions/${e(project)}/${e(domain)}/${e(name)}`),
    executionData: (project: string, domain: string, name: string) =>
      get<ExecutionData>(`/api/v1/data/executions/${e(project)}/${e(domain)}/${e(name)}`),
    /** The execution's top-level node executions, or the children of the node execution `parent`. */
    nodeExecutions: async (project: string, domain: string, name: string, parent = ""): Promise<NodeExecution[]> => {
      const all: NodeExecution[] = [];
      const under = parent === "" ? "" : `&unique_parent_id=${e(parent)}`;
      let token = "";
      do {
        const r = await get<{ node_executions?: NodeExecution[]; token?: string }>(
          `/api/v1/node_executions/${e(project)}/${e(domain)}/${e(name)}?limit=500&token=${e(token)}${under}`,
        );
        all.push(...(r.node_executions ?? []));
        token = r.token ?? "";
      } while (token !== "");
      return all;
    },
    /**
     * One page of an execution's top-level node executions, in the server's order; with `updatedSince` (RFC 3339) only
     * those changed since then. With the server's clock, for the next `updatedSince` (node-execution-cache.ts).
     */
    nodeExecutionsPage: async (
      project: string,
      domain: string,
      name: string,
      q: { token: string; limit: number; updatedSince?: string },
    ): Promise<ListPage<NodeExecution> & { serverTime: number }> => {
      const filters = q.updatedSince ? `&filters=${e(`gte(updated_at,${q.updatedSince})`)}` : "";
      const r = await request<{ node_executions?: NodeExecution[]; token?: string }>(
        "GET",
        `/api/v1/node_executions/${e(project)}/${e(domain)}/${e(name)}?limit=${q.limit}&token=${e(q.token)}${filters}`,
      );
      return { items: r.json.node_executions ?? [], token: r.json.token ?? "", serverTime: r.serverTime };
    },
    /** GetNodeExecution: one node execution (top level, or inside a sub-workflow or branch) by its node id. */
    nodeExecution: (project: string, domain: string, name: string, nodeId: string) =>
      get<NodeExecution>(`/api/v1/node_executions/${e(project)}/${e(domain)}/${e(name)}/${e(nodeId)}`),
    nodeExecutionData: (project: string, domain: string, name: string, nodeId: string) =>
      get<ExecutionData>(`/api/v1/data/node_executions/${e(project)}/${e(domain)}/${e(name)}/${e(nodeId)}`),
    /** CreateExecution of a launch plan, or of a task on its own (`spec.launch_plan` then names the task). */
    launch: (id: Identifier, inputs: Record<string, Literal>, kind: LaunchKind = "launch_plans") =>
      call<{ id?: { name?: string } }>("POST", "/api/v1/executions", {
        project: id.project,
        domain: id.domain,
        spec: {
          launch_plan: { ...id, resource_type: kind === "tasks" ? "TASK" : "LAUNCH_PLAN" },
          metadata: { mode: "MANUAL" },
        },
        inputs: { literals: inputs },
      }),
    terminate: (project: string, domain: string, name: string, cause: string) =>
      call<object>("DELETE", `/api/v1/executions/${e(project)}/${e(domain)}/${e(name)}`, {
        id: { project, domain, name },
        cause,
      }),
    /** A failed execution again, reusing what its nodes already produced (RecoverExecution). */
    recover: (project: string, domain: string, name: string) =>
      call<{ id?: { name?: string } }>("POST", "/api/v1/executions/recover", { id: { project, domain, name } }),
    taskExecutions: (project: string, domain: string, name: string, nodeId: string) =>
      get<{ task_executions?: TaskExecution[] }>(
        `/api/v1/task_executions/${e(project)}/${e(domain)}/${e(name)}/${e(nodeId)}?limit=100`,
      ).then((r) => r.task_executions ?? []),
    /** The signals of an execution's gates (set or still waiting). */
    signals: (project: string, domain: string, name: string) =>
      get<{ signals?: Signal[] }>(`/api/v1/signals/${e(project)}/${e(domain)}/${e(name)}?limit=100`).then(
        (r) => r.signals ?? [],
      ),
    setSignal: (project: string, domain: string, name: string, signalId: string, value: Literal) =>
      call<object>("POST", "/api/v1/signals", {
        id: { execution_id: { project, domain, name }, signal_id: signalId },
        value,
      }),
    /** GetExecutionMetrics: the span tree of the execution, its nodes and their attempts. */
    metrics: (project: string, domain: string, name: string) =>
      get<{ span?: Span | null }>(`/api/v1/metrics/executions/${e(project)}/${e(domain)}/${e(name)}?depth=10`).then(
        (r) => r.span ?? undefined,
      ),
    /**
     * A range read of a task log served by admin (`/logs/…` on this origin): `range` is a Range header value
     * (`bytes=-N` for the tail, `bytes=N-` for what follows byte N). 416 (nothing past the offset) is an answer, not
     * a failure.
     */
    logRange: async (path: string, range: string, signal?: AbortSignal): Promise<LogRead> => {
      let res: Response;
      try {
        res = await fetchFn(path, {
          credentials: "same-origin",
          headers: { Accept: "text/plain", Range: range },
          ...(signal ? { signal } : {}),
        });
      } catch (err) {
        throw new ApiError(0, describeFailure(0, err instanceof Error ? err.message : String(err)));
      }
      const span = parseContentRange(res.headers.get("content-range"));
      if (res.status === 416) {
        await res.arrayBuffer();
        return { status: 416, bytes: new Uint8Array(), start: 0, size: span?.size ?? 0 };
      }
      if (!res.ok) throw new ApiError(res.status, describeFailure(res.status, (await res.text()).trim().slice(0, 200)));
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (res.status === 206 && span) return { status: 206, bytes, start: span.start, size: span.size };
      return { status: 200, bytes, start: 0, size: bytes.length };
    },
    relaunch: (project: string, domain: string, name: string) =>
      call<{ id?: { name?: string } }>("POST", "/api/v1/executions/relaunch", { id: { project, domain, name } }),
  };
}

export type Api = ReturnType<typeof createApi>;
