// Pagination as async iterators: `for await (const wf of client.listAll("listWorkflows", { id: { project, domain }}))`.
// Admin's token is a decimal offset, returned iff a page came back full (upstream flyteadmin/pkg/manager/impl/util/filters.go): iteration stops at an empty token or
// an empty page (an exactly-full last page yields a token whose next page is empty).
import type { Client } from "@connectrpc/connect";
import type { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";

export type AdminClient = Client<typeof AdminService>;

/** The repeated field that holds each list RPC's items. */
export const LIST_ITEMS = {
  listProjects: "projects",
  listTasks: "tasks",
  listTaskIds: "entities",
  listWorkflows: "workflows",
  listWorkflowIds: "entities",
  listLaunchPlans: "launchPlans",
  listActiveLaunchPlans: "launchPlans",
  listLaunchPlanIds: "entities",
  listNamedEntities: "entities",
  listDescriptionEntities: "descriptionEntities",
  listExecutions: "executions",
  listNodeExecutions: "nodeExecutions",
  listNodeExecutionsForTask: "nodeExecutions",
  listTaskExecutions: "taskExecutions",
} as const;

export type PaginatedMethod = keyof typeof LIST_ITEMS;
export type ListRequest<M extends PaginatedMethod> = Parameters<AdminClient[M]>[0];
type ListResponse<M extends PaginatedMethod> = Awaited<ReturnType<AdminClient[M]>>;
export type ListItem<M extends PaginatedMethod> =
  ListResponse<M>[(typeof LIST_ITEMS)[M] & keyof ListResponse<M>] extends ReadonlyArray<infer T> ? T : never;

export interface ListAllOptions {
  /** Page size when the request has no `limit` (admin requires one). Default 100. */
  pageSize?: number;
  /** Stop after this many items. */
  max?: number;
  signal?: AbortSignal;
}

export async function* listAll<M extends PaginatedMethod>(
  client: AdminClient,
  method: M,
  request: ListRequest<M>,
  options: ListAllOptions = {},
): AsyncGenerator<ListItem<M>, void, undefined> {
  const call = client[method] as unknown as (
    req: unknown,
    opts?: { signal?: AbortSignal },
  ) => Promise<Record<string, unknown>>;
  const field = LIST_ITEMS[method];
  const req = request as { limit?: number; token?: string };
  const limit = req.limit || options.pageSize || 100;
  let token = req.token ?? "";
  let yielded = 0;
  for (;;) {
    const page = await call({ ...req, limit, token }, { signal: options.signal });
    const items = (page[field] ?? []) as ListItem<M>[];
    for (const item of items) {
      if (options.max !== undefined && yielded >= options.max) return;
      yielded++;
      yield item;
    }
    const next = page.token as string | undefined;
    if (!next || items.length === 0 || next === token) return;
    if (options.max !== undefined && yielded >= options.max) return;
    token = next;
  }
}
