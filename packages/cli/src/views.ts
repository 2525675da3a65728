// Table columns for each noun, and JSON/YAML as protobuf JSON (lowerCamelCase, as flytectl prints).
import { toJson, type DescMessage, type MessageShape, type JsonValue } from "@bufbuild/protobuf";
import { timestampDate, type Duration, type Timestamp } from "@bufbuild/protobuf/wkt";
import type { Project } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { Project_ProjectState } from "@aloft/idl/flyteidl/admin/project_pb.js";
import type { Task } from "@aloft/idl/flyteidl/admin/task_pb.js";
import type { Workflow } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { LaunchPlanState, type LaunchPlan } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import type { Execution } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { NodeExecution } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import type { TaskExecution } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { render, type OutputFormat } from "./output.ts";

export interface View<T> {
  columns: string[];
  row(item: T): string[];
}

export function time(t: Timestamp | undefined): string {
  if (!t || (t.seconds === 0n && t.nanos === 0)) return "";
  return timestampDate(t)
    .toISOString()
    .replace(/\.\d+Z$/, "Z");
}

/** A multi-line error message on one line (whitespace runs collapsed), cut to `max` characters. */
export function oneLine(s: string, max = 300): string {
  const flat = s.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function seconds(d: Duration | undefined): number {
  return d ? Number(d.seconds) + d.nanos / 1e9 : 0;
}

/** 0.4s, 12.3s, 4m05s, 1h02m */
export function formatDuration(s: number): string {
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

const duration = (d: Duration | undefined) => (d && seconds(d) > 0 ? formatDuration(seconds(d)) : "");
export const workflowPhase = (p: WorkflowExecution_Phase | undefined) => WorkflowExecution_Phase[p ?? 0] ?? String(p);
export const nodePhase = (p: NodeExecution_Phase | undefined) => NodeExecution_Phase[p ?? 0] ?? String(p);
export const taskPhase = (p: TaskExecution_Phase | undefined) => TaskExecution_Phase[p ?? 0] ?? String(p);
const ref = (id: Identifier | undefined) => (id ? `${id.name}:${id.version}` : "");
const names = (vars: Record<string, unknown> | undefined) =>
  Object.keys(vars ?? {})
    .sort()
    .join(", ");

export const projectView: View<Project> = {
  columns: ["id", "name", "state", "description"],
  row: (p) => [p.id, p.name, Project_ProjectState[p.state] ?? "", p.description],
};

export const taskView: View<Task> = {
  columns: ["version", "name", "type", "inputs", "outputs", "created"],
  row: (t) => {
    const tpl = t.closure?.compiledTask?.template;
    return [
      t.id?.version ?? "",
      t.id?.name ?? "",
      tpl?.type ?? "",
      names(tpl?.interface?.inputs?.variables),
      names(tpl?.interface?.outputs?.variables),
      time(t.closure?.createdAt),
    ];
  },
};

export const workflowView: View<Workflow> = {
  columns: ["version", "name", "inputs", "outputs", "created"],
  row: (w) => {
    const iface = w.closure?.compiledWorkflow?.primary?.template?.interface;
    return [
      w.id?.version ?? "",
      w.id?.name ?? "",
      names(iface?.inputs?.variables),
      names(iface?.outputs?.variables),
      time(w.closure?.createdAt),
    ];
  },
};

export const launchPlanView: View<LaunchPlan> = {
  columns: ["version", "name", "state", "workflow", "schedule", "created"],
  row: (l) => {
    const sched = l.spec?.entityMetadata?.schedule?.ScheduleExpression;
    const schedule =
      sched?.case === "cronSchedule"
        ? sched.value.schedule
        : sched?.case === "cronExpression"
          ? sched.value
          : sched?.case === "rate"
            ? `every ${sched.value.value} ${["minutes", "hours", "days"][sched.value.unit] ?? ""}`
            : "";
    return [
      l.id?.version ?? "",
      l.id?.name ?? "",
      LaunchPlanState[l.closure?.state ?? 0] ?? "",
      ref(l.spec?.workflowId),
      schedule,
      time(l.closure?.createdAt),
    ];
  },
};

export const executionView: View<Execution> = {
  columns: ["name", "launched", "phase", "started", "duration", "error"],
  row: (e) => {
    const err = e.closure?.outputResult.case === "error" ? e.closure.outputResult.value.message : "";
    return [
      e.id?.name ?? "",
      ref(e.spec?.launchPlan),
      workflowPhase(e.closure?.phase),
      time(e.closure?.startedAt),
      duration(e.closure?.duration),
      oneLine(err, 80),
    ];
  },
};

export const nodeExecutionView: View<NodeExecution> = {
  columns: ["node", "phase", "started", "duration", "error"],
  row: (n) => {
    const err = n.closure?.outputResult.case === "error" ? n.closure.outputResult.value.message : "";
    return [
      n.id?.nodeId ?? "",
      nodePhase(n.closure?.phase),
      time(n.closure?.startedAt),
      duration(n.closure?.duration),
      oneLine(err, 80),
    ];
  },
};

export const taskExecutionView: View<TaskExecution> = {
  columns: ["task", "attempt", "phase", "started", "duration", "logs"],
  row: (t) => [
    ref(t.id?.taskId),
    String(t.id?.retryAttempt ?? 0),
    taskPhase(t.closure?.phase),
    time(t.closure?.startedAt),
    duration(t.closure?.duration),
    (t.closure?.logs ?? []).map((l) => l.uri).join(" "),
  ],
};

/** Prints one message (an object) or a list (an array) in the chosen format. */
export function print<D extends DescMessage>(
  out: (s: string) => void,
  format: OutputFormat,
  schema: D,
  view: View<MessageShape<D>>,
  items: MessageShape<D> | MessageShape<D>[],
): void {
  const list = Array.isArray(items) ? items : [items];
  const data: JsonValue = Array.isArray(items) ? items.map((i) => toJson(schema, i)) : toJson(schema, items);
  out(render(format, view.columns, list.map(view.row), data));
}
