// Launch plan rows ⇄ flyteidl messages (flyteadmin transformers/launch_plan.go). The row keeps the spec and the
// closure (expected inputs/outputs) as bytes; state and timestamps live in their own columns.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  LaunchPlanClosureSchema,
  LaunchPlanSchema,
  LaunchPlanSpecSchema,
  type LaunchPlan,
  type LaunchPlanSpec,
} from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { IdentifierSchema, ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LAUNCH_PLAN_INACTIVE, type LaunchPlanRow, type NewLaunchPlanRow } from "../repositories/launch-plan-repo.ts";

/** schedule_type and launch_condition_type columns (upstream CreateLaunchPlanModel). */
function scheduleColumns(spec: LaunchPlanSpec): { scheduleType: string; launchConditionType: string | null } {
  const e = spec.entityMetadata?.schedule?.ScheduleExpression;
  if ((e?.case === "cronExpression" && e.value !== "") || e?.case === "cronSchedule")
    return { scheduleType: "CRON", launchConditionType: "SCHED" };
  if (e?.case === "rate") return { scheduleType: "RATE", launchConditionType: "SCHED" };
  return { scheduleType: "NONE", launchConditionType: null };
}

/** The row of a newly registered (INACTIVE) launch plan of the workflow with database id `workflowId`. */
export function newLaunchPlanRow(
  id: Identifier,
  lp: LaunchPlan,
  spec: LaunchPlanSpec,
  workflowId: number,
  digest: string,
): NewLaunchPlanRow {
  return {
    project: id.project,
    domain: id.domain,
    name: id.name,
    version: id.version,
    spec: toBinary(LaunchPlanSpecSchema, spec),
    workflowId,
    closure: toBinary(LaunchPlanClosureSchema, lp.closure!),
    state: LAUNCH_PLAN_INACTIVE,
    digest,
    ...scheduleColumns(spec),
  };
}

export const launchPlanSpecOf = (row: Pick<LaunchPlanRow, "spec">): LaunchPlanSpec =>
  fromBinary(LaunchPlanSpecSchema, row.spec);

/** A row as the API returns it: state from the column, timestamps from the row. */
export function toLaunchPlan(row: LaunchPlanRow): LaunchPlan {
  const closure = fromBinary(LaunchPlanClosureSchema, row.closure);
  closure.state = row.state;
  closure.createdAt = timestampFromDate(row.createdAt);
  closure.updatedAt = timestampFromDate(row.updatedAt);
  return create(LaunchPlanSchema, {
    id: create(IdentifierSchema, {
      resourceType: ResourceType.LAUNCH_PLAN,
      project: row.project,
      domain: row.domain,
      name: row.name,
      version: row.version,
    }),
    spec: launchPlanSpecOf(row),
    closure,
  });
}
