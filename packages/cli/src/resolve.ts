// Finding entities by name: a given version, the active launch plan, or the latest version (newest created_at).
import { Code, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { SortSchema, Sort_Direction } from "@aloft/idl/flyteidl/admin/common_pb.js";
import type { LaunchPlan } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import type { Task } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { AloftClient } from "@aloft/client";

export const newestFirst = () => create(SortSchema, { key: "created_at", direction: Sort_Direction.DESCENDING });

const notFound = (what: string, name: string, p: string, d: string, version?: string) =>
  new ConnectError(`${what} ${name}${version ? ` version ${version}` : ""} not found in ${p}/${d}`, Code.NotFound);

async function absentIsUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ConnectError && e.code === Code.NotFound) return undefined;
    throw e;
  }
}

/** A launch plan by name: that version; else the active one; else the newest. Undefined if none. */
export async function findLaunchPlan(
  c: AloftClient,
  project: string,
  domain: string,
  name: string,
  version?: string,
): Promise<LaunchPlan | undefined> {
  if (version)
    return absentIsUndefined(
      c.getLaunchPlan({ id: { resourceType: ResourceType.LAUNCH_PLAN, project, domain, name, version } }),
    );
  const active = await absentIsUndefined(c.getActiveLaunchPlan({ id: { project, domain, name } }));
  if (active) return active;
  const list = await c.listLaunchPlans({ id: { project, domain, name }, limit: 1, sortBy: newestFirst() });
  return list.launchPlans[0];
}

export async function findTask(
  c: AloftClient,
  project: string,
  domain: string,
  name: string,
  version?: string,
): Promise<Task | undefined> {
  if (version)
    return absentIsUndefined(c.getTask({ id: { resourceType: ResourceType.TASK, project, domain, name, version } }));
  const list = await c.listTasks({ id: { project, domain, name }, limit: 1, sortBy: newestFirst() });
  return list.tasks[0];
}

export async function requireLaunchPlan(
  c: AloftClient,
  p: string,
  d: string,
  name: string,
  version?: string,
): Promise<LaunchPlan> {
  const lp = await findLaunchPlan(c, p, d, name, version);
  if (!lp) throw notFound("launch plan", name, p, d, version);
  return lp;
}

export async function requireTask(c: AloftClient, p: string, d: string, name: string, version?: string): Promise<Task> {
  const t = await findTask(c, p, d, name, version);
  if (!t) throw notFound("task", name, p, d, version);
  return t;
}
