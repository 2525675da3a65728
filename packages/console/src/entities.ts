// Named entities (workflows, tasks, launch plans by name) and launch plan schedules as the pages show them: the list
// filters for active or archived names, and a schedule in words. Pure: no DOM.
import type { EntityKind } from "./routes.ts";
import type { LaunchPlanSchedule } from "./types.ts";

/** The flyteidl ResourceType of each kind of entity (its name, which the HTTP API takes in paths and bodies). */
export const RESOURCE_TYPE: Readonly<Record<EntityKind, string>> = {
  workflows: "WORKFLOW",
  tasks: "TASK",
  launch_plans: "LAUNCH_PLAN",
};

/** NamedEntityState by number: the list filter compares the stored integer. */
const ACTIVE = 0;
const ARCHIVED = 1;

/**
 * ListNamedEntities' filters for the active (or the archived) names. Admin hides system-generated names (`.flytegen…`,
 * the launch plans it makes for single-task runs) only when no filter is given, so the list asks for that itself.
 */
export function namedEntityFilters(archived: boolean): string {
  return `not_like(name,.flytegen%)+eq(state,${archived ? ARCHIVED : ACTIVE})`;
}

export function isArchived(state: string | number | undefined): boolean {
  return state === "NAMED_ENTITY_ARCHIVED" || state === ARCHIVED;
}

const UNITS: Record<string, [string, string]> = {
  MINUTE: ["minute", "minutes"],
  HOUR: ["hour", "hours"],
  DAY: ["day", "days"],
};

/** A launch plan's schedule in words ("cron 0 * * * *", "every 5 minutes"), or "" without one. */
export function scheduleLabel(s: LaunchPlanSchedule | null | undefined): string {
  if (!s) return "";
  const cron = s.cron_schedule?.schedule || s.cron_expression;
  if (cron) return `cron ${cron}${s.cron_schedule?.offset ? ` (offset ${s.cron_schedule.offset})` : ""}`;
  const value = Number(s.rate?.value ?? 0);
  if (value > 0) {
    const [one, many] = UNITS[s.rate?.unit ?? "MINUTE"] ?? ["minute", "minutes"];
    return value === 1 ? `every ${one}` : `every ${value} ${many}`;
  }
  return "";
}
