// The ExecutionCreateRequest of one fire (upstream flyteadmin/scheduler/executor/executor_impl.go): the exact launch
// plan version, mode SCHEDULED with scheduled_at, a deterministic name, and the kickoff time as the launch plan's
// kickoff input — for cron schedules only, as upstream (a fixed-rate launch plan gets no kickoff input).
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ExecutionCreateRequestSchema,
  ExecutionMetadata_ExecutionMode,
  type ExecutionCreateRequest,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { SchedulableEntity } from "../repositories/schedulable-entity-repo.ts";
import { scheduledExecutionName } from "./execution-name.ts";

export function scheduledLaunchRequest(e: SchedulableEntity, scheduledAtMs: number): ExecutionCreateRequest {
  const literals: Record<string, Literal> = {};
  if (e.cronExpression !== "" && e.kickoffTimeInputArg !== "") {
    literals[e.kickoffTimeInputArg] = create(LiteralSchema, {
      value: {
        case: "scalar",
        value: {
          value: { case: "primitive", value: { value: { case: "datetime", value: timestampFromMs(scheduledAtMs) } } },
        },
      },
    });
  }
  return create(ExecutionCreateRequestSchema, {
    project: e.project,
    domain: e.domain,
    name: scheduledExecutionName(e, new Date(scheduledAtMs)),
    spec: {
      launchPlan: {
        resourceType: ResourceType.LAUNCH_PLAN,
        project: e.project,
        domain: e.domain,
        name: e.name,
        version: e.version,
      },
      metadata: { mode: ExecutionMetadata_ExecutionMode.SCHEDULED, scheduledAt: timestampFromMs(scheduledAtMs) },
    },
    inputs: { literals },
  });
}
