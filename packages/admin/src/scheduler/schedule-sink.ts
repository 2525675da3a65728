// Admin's side of the native scheduler (upstream flyteadmin/scheduler/dbapi/event_scheduler_impl.go): launch plan
// (de)activation writes the schedulable entity in the state change's transaction. A rate becomes a fixed rate, a
// cron_schedule its cron text (its `offset` is ignored, as upstream); the deprecated cron_expression is refused.
import type { LaunchPlan } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { internal } from "@aloft/core";
import type { ScheduleSink } from "../managers/launch-plan-manager.ts";
import type { SchedulableEntity, SchedulableEntityRepo } from "../repositories/schedulable-entity-repo.ts";

export function schedulableEntityOf(lp: LaunchPlan): SchedulableEntity {
  const id = lp.id;
  const schedule = lp.spec?.entityMetadata?.schedule;
  const e = schedule?.ScheduleExpression;
  if (!id || !schedule || !e) throw internal("schedule.missing", "the launch plan has no schedule");
  const base = {
    project: id.project,
    domain: id.domain,
    name: id.name,
    version: id.version,
    kickoffTimeInputArg: schedule.kickoffTimeInputArg,
  };
  switch (e.case) {
    case "rate":
      return { ...base, cronExpression: "", fixedRateValue: e.value.value, unit: e.value.unit };
    case "cronSchedule":
      return { ...base, cronExpression: e.value.schedule, fixedRateValue: 0, unit: 0 };
    default:
      throw internal(
        "schedule.deprecated_cron_expression",
        "deprecated cron expression schedules are not supported by the native scheduler: use cron_schedule",
      );
  }
}

/** The ScheduleSink createAdmin installs: schedulable entities in admin's database. */
export function databaseScheduleSink(repo: SchedulableEntityRepo): ScheduleSink {
  return {
    activate: (lp, tx) => repo.activate(schedulableEntityOf(lp), tx),
    deactivate: async (lp, tx) => {
      if (lp.id) await repo.deactivate(lp.id, tx);
    },
  };
}
