// Aloft's own HTTP routes for schedules (not part of flyteidl; flyteadmin has no API for the scheduler's state):
//   GET /api/v1/aloft/schedules?project=&domain=            the active schedules with last/next fire time, last error
//   GET /api/v1/aloft/schedules/backfill?project=&domain=&name=[&version=]&from=&to=
//       the ExecutionCreateRequests (JSON, proto field names) of every fire time in (from, to] of the launch plan
//       (the active version when no version is given): exactly what the scheduler would send, deterministic names
//       included, so a backfill of times the scheduler already fired answers ALREADY_EXISTS.
// Served on admin's HTTP port beside the gateway; with auth on they need a token like the other plain routes.
import type { IncomingMessage, ServerResponse } from "node:http";
import { create, toJson } from "@bufbuild/protobuf";
import { ObjectGetRequestSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { ExecutionCreateRequestSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ActiveLaunchPlanRequestSchema, LaunchPlanState } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { AloftError, Code, httpStatusFromCode, invalidArgument, notFound, toAloftError } from "@aloft/core";
import type { LaunchPlanManager } from "../managers/launch-plan-manager.ts";
import type { SchedulableEntityRepo } from "../repositories/schedulable-entity-repo.ts";
import { FireTimesFactory, fireTimesBetween } from "./fire-times.ts";
import { scheduledLaunchRequest } from "./launch-request.ts";
import { isScheduleEmpty } from "../validation/schedule-validator.ts";
import { schedulableEntityOf } from "./schedule-sink.ts";

export const SCHEDULES_ROUTE = "/api/v1/aloft/schedules";
/** A backfill launches at most this many fire times per request. */
const MAX_BACKFILL = 10_000;

export interface SchedulesRouteDeps {
  repo: SchedulableEntityRepo;
  launchPlans: Pick<LaunchPlanManager, "get" | "getActive">;
  useUtcTz: boolean;
  now: () => Date;
}

export function schedulesRoute(deps: SchedulesRouteDeps) {
  const factory = new FireTimesFactory(deps.useUtcTz);
  const iso = (d: Date | number | undefined) => (d === undefined ? null : new Date(d).toISOString());
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if ((req.method ?? "GET") !== "GET") throw new AloftError(Code.UNIMPLEMENTED, "schedules.method", "GET only");
      const url = new URL(req.url ?? "/", "http://localhost");
      const q = (k: string) => url.searchParams.get(k) ?? "";
      const project = q("project");
      const domain = q("domain");
      if (project === "" || domain === "") throw invalidArgument("schedules.scope", "project and domain are required");
      if (url.pathname === SCHEDULES_ROUTE) {
        const rows = await deps.repo.listActive({ project, domain });
        const schedules = rows.map((r) => {
          let next: number | undefined;
          try {
            next = factory.of(r).next(Math.max(r.updatedAt.getTime(), r.lastFireAt?.getTime() ?? 0));
          } catch {
            next = undefined;
          }
          return {
            launchPlan: { project: r.project, domain: r.domain, name: r.name, version: r.version },
            schedule: r.cronExpression !== "" ? r.cronExpression : `every ${r.fixedRateValue} ${unitName(r.unit)}`,
            kickoffTimeInputArg: r.kickoffTimeInputArg,
            activatedAt: iso(r.updatedAt),
            lastFireTime: iso(r.lastFireAt),
            nextFireTime: iso(next),
            lastError: r.lastError ?? null,
            lastErrorTime: iso(r.lastErrorAt),
          };
        });
        return json(res, 200, { schedules });
      }
      if (url.pathname === `${SCHEDULES_ROUTE}/backfill`) {
        const name = q("name");
        if (name === "") throw invalidArgument("schedules.name", "name is required");
        const from = Date.parse(q("from"));
        const to = q("to") === "" ? deps.now().getTime() : Date.parse(q("to"));
        if (Number.isNaN(from) || Number.isNaN(to))
          throw invalidArgument("schedules.range", "from and to must be RFC 3339 times");
        if (to < from) throw invalidArgument("schedules.range", "from must not be after to");
        const id = { project, domain, name, version: q("version") };
        const lp =
          id.version === ""
            ? await deps.launchPlans.getActive(create(ActiveLaunchPlanRequestSchema, { id }))
            : await deps.launchPlans.get(
                create(ObjectGetRequestSchema, { id: { ...id, resourceType: ResourceType.LAUNCH_PLAN } }),
              );
        if (isScheduleEmpty(lp.spec?.entityMetadata?.schedule))
          throw invalidArgument("schedules.no_schedule", `launch plan ${name} has no schedule`);
        const entity = schedulableEntityOf(lp);
        // Inclusive of `from`: the fire times in [from, to].
        const span = fireTimesBetween(factory.of(entity), from - 1, to, MAX_BACKFILL);
        if (span.skipped > 0)
          throw invalidArgument("schedules.range", `more than ${MAX_BACKFILL} fire times in the range: narrow it`);
        return json(res, 200, {
          launchPlan: { ...entity, active: lp.closure?.state === LaunchPlanState.ACTIVE },
          requests: span.times.map((t) => toJson(ExecutionCreateRequestSchema, scheduledLaunchRequest(entity, t))),
        });
      }
      throw notFound("schedules.route", `no route ${url.pathname}`);
    } catch (err) {
      const e = toAloftError(err);
      return json(res, httpStatusFromCode(e.code), { code: e.code, message: e.message });
    }
  };
}

function unitName(unit: number): string {
  return ["minute", "hour", "day"][unit] ?? `unit ${unit}`;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}
