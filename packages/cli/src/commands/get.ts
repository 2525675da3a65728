// `aloft get project|task|workflow|launchplan|execution|nodeexecution|taskexecution|signal [name]`: a list, or one item.
import { Command } from "commander";
import { ProjectSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { TaskSchema } from "@aloft/idl/flyteidl/admin/task_pb.js";
import { WorkflowSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { LaunchPlanSchema } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { ExecutionSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { NodeExecutionSchema } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { TaskExecutionSchema } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema, LiteralSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { toJson } from "@bufbuild/protobuf";
import type { ListAllOptions, ListItem, ListRequest, PaginatedMethod } from "@aloft/client";
import { act, commonOptions, type CliContext } from "../context.ts";
import { listOptions, listParams, type ListFlags } from "../list-flags.ts";
import { render } from "../output.ts";
import { newestFirst } from "../resolve.ts";
import {
  executionView,
  launchPlanView,
  nodeExecutionView,
  print,
  projectView,
  taskExecutionView,
  taskView,
  workflowView,
} from "../views.ts";
import { attributesGetCommand } from "./attributes.ts";
import { schedulesGetCommand } from "./schedules.ts";
import { signalsGetCommand } from "./signals.ts";

/** `get execution <name> --data`: the execution with its full inputs and outputs. */
async function printExecutionData(
  ctx: CliContext,
  id: { project: string; domain: string; name: string },
): Promise<void> {
  const [exec, data] = await Promise.all([ctx.client.getExecution({ id }), ctx.client.getExecutionData({ id })]);
  const map = (m: LiteralMap | undefined) => (m ? toJson(LiteralMapSchema, m) : {});
  if (ctx.format !== "table") {
    const json = {
      ...(toJson(ExecutionSchema, exec) as object),
      inputs: map(data.fullInputs),
      outputs: map(data.fullOutputs),
    };
    return ctx.out(render(ctx.format, [], [], json));
  }
  print(ctx.out, ctx.format, ExecutionSchema, executionView, exec);
  const rows = (kind: string, m: LiteralMap | undefined) =>
    Object.entries(m?.literals ?? {}).map(([k, v]) => [kind, k, JSON.stringify(toJson(LiteralSchema, v))]);
  ctx.out(
    `\n${render("table", ["", "name", "literal"], [...rows("input", data.fullInputs), ...rows("output", data.fullOutputs)], null)}`,
  );
}

async function collect<M extends PaginatedMethod>(
  ctx: CliContext,
  method: M,
  req: ListRequest<M>,
  max: number,
): Promise<ListItem<M>[]> {
  const out: ListItem<M>[] = [];
  const o: ListAllOptions = { max, pageSize: Math.min(max, 100) };
  for await (const item of ctx.client.listAll(method, req, o)) out.push(item);
  return out;
}

interface VersionFlags extends ListFlags {
  version?: string;
  latest?: boolean;
  active?: boolean;
}

function versioned(name: string, description: string, aliases: string[]): Command {
  const cmd = new Command(name)
    .aliases(aliases)
    .description(description)
    .argument("[name]", "entity name (all names when omitted)");
  commonOptions(listOptions(cmd))
    .option("-v, --version <version>", "one version")
    .option("--latest", "only the newest version");
  return cmd;
}

function entityRequest(ctx: CliContext, name: string | undefined, flags: VersionFlags, latest: boolean) {
  const p = listParams(flags, "created_at");
  return {
    req: {
      id: { project: ctx.project(), domain: ctx.domain(), ...(name ? { name } : {}) },
      filters: p.filters,
      sortBy: latest ? newestFirst() : p.sortBy,
    },
    max: latest ? 1 : p.max,
  };
}

export function getCommand(): Command {
  const get = new Command("get").description("list entities, or show one");

  get.addCommand(
    commonOptions(listOptions(new Command("project").aliases(["projects"]).description("projects").argument("[id]")), {
      projectDomain: false,
    }).action(
      act(async (ctx, [id], flags) => {
        if (id) return print(ctx.out, ctx.format, ProjectSchema, projectView, await ctx.client.getProject({ id }));
        const p = listParams(flags as ListFlags);
        print(
          ctx.out,
          ctx.format,
          ProjectSchema,
          projectView,
          await collect(ctx, "listProjects", { filters: p.filters, sortBy: p.sortBy }, p.max),
        );
      }),
    ),
  );

  get.addCommand(
    versioned("task", "tasks, or the versions of one", ["tasks"]).action(
      act(async (ctx, [name], flags: VersionFlags) => {
        if (name && flags.version) {
          const id = {
            resourceType: ResourceType.TASK,
            project: ctx.project(),
            domain: ctx.domain(),
            name,
            version: flags.version,
          };
          return print(ctx.out, ctx.format, TaskSchema, taskView, await ctx.client.getTask({ id }));
        }
        const { req, max } = entityRequest(ctx, name, flags, Boolean(flags.latest));
        print(ctx.out, ctx.format, TaskSchema, taskView, await collect(ctx, "listTasks", req, max));
      }),
    ),
  );

  get.addCommand(
    versioned("workflow", "workflows, or the versions of one", ["workflows", "wf"]).action(
      act(async (ctx, [name], flags: VersionFlags) => {
        if (name && flags.version) {
          const id = {
            resourceType: ResourceType.WORKFLOW,
            project: ctx.project(),
            domain: ctx.domain(),
            name,
            version: flags.version,
          };
          return print(ctx.out, ctx.format, WorkflowSchema, workflowView, await ctx.client.getWorkflow({ id }));
        }
        const { req, max } = entityRequest(ctx, name, flags, Boolean(flags.latest));
        print(ctx.out, ctx.format, WorkflowSchema, workflowView, await collect(ctx, "listWorkflows", req, max));
      }),
    ),
  );

  get.addCommand(
    versioned("launchplan", "launch plans, or the versions of one", ["launchplans", "lp"])
      .option("--active", "only active launch plans")
      .action(
        act(async (ctx, [name], flags: VersionFlags) => {
          const project = ctx.project();
          const domain = ctx.domain();
          if (name && flags.version) {
            const id = { resourceType: ResourceType.LAUNCH_PLAN, project, domain, name, version: flags.version };
            return print(ctx.out, ctx.format, LaunchPlanSchema, launchPlanView, await ctx.client.getLaunchPlan({ id }));
          }
          if (flags.active && name)
            return print(
              ctx.out,
              ctx.format,
              LaunchPlanSchema,
              launchPlanView,
              await ctx.client.getActiveLaunchPlan({ id: { project, domain, name } }),
            );
          if (flags.active) {
            const p = listParams(flags);
            return print(
              ctx.out,
              ctx.format,
              LaunchPlanSchema,
              launchPlanView,
              await collect(ctx, "listActiveLaunchPlans", { project, domain, sortBy: p.sortBy }, p.max),
            );
          }
          const { req, max } = entityRequest(ctx, name, flags, Boolean(flags.latest));
          print(ctx.out, ctx.format, LaunchPlanSchema, launchPlanView, await collect(ctx, "listLaunchPlans", req, max));
        }),
      ),
  );

  get.addCommand(
    commonOptions(
      listOptions(
        new Command("execution").aliases(["executions", "exec"]).description("executions, or one").argument("[name]"),
      ),
    )
      .option(
        "--data",
        "with a name: also show the inputs and outputs (GetExecutionData; `inputs`/`outputs` literal maps in JSON and YAML)",
      )
      .action(
        act(async (ctx, [name], flags) => {
          const id = { project: ctx.project(), domain: ctx.domain() };
          if (name && flags.data) return printExecutionData(ctx, { ...id, name });
          if (name)
            return print(
              ctx.out,
              ctx.format,
              ExecutionSchema,
              executionView,
              await ctx.client.getExecution({ id: { ...id, name } }),
            );
          const p = listParams(flags as ListFlags, "created_at");
          print(
            ctx.out,
            ctx.format,
            ExecutionSchema,
            executionView,
            await collect(ctx, "listExecutions", { id, filters: p.filters, sortBy: p.sortBy }, p.max),
          );
        }),
      ),
  );

  get.addCommand(
    commonOptions(
      listOptions(
        new Command("nodeexecution")
          .aliases(["nodeexecutions", "node"])
          .description("the node executions of an execution, or one")
          .argument("<execution>")
          .argument("[node-id]"),
      ),
    )
      .option("--parent <node-id>", "children of this node (sub-workflows, branches, dynamic nodes)")
      .action(
        act(async (ctx, [name, nodeId], flags) => {
          const executionId = { project: ctx.project(), domain: ctx.domain(), name: name ?? "" };
          if (nodeId)
            return print(
              ctx.out,
              ctx.format,
              NodeExecutionSchema,
              nodeExecutionView,
              await ctx.client.getNodeExecution({ id: { executionId, nodeId } }),
            );
          const p = listParams(flags as ListFlags);
          const req = {
            workflowExecutionId: executionId,
            filters: p.filters,
            sortBy: p.sortBy,
            uniqueParentId: (flags.parent as string | undefined) ?? "",
          };
          print(
            ctx.out,
            ctx.format,
            NodeExecutionSchema,
            nodeExecutionView,
            await collect(ctx, "listNodeExecutions", req, p.max),
          );
        }),
      ),
  );

  get.addCommand(
    commonOptions(
      listOptions(
        new Command("taskexecution")
          .aliases(["taskexecutions"])
          .description("the attempts of a task node")
          .argument("<execution>")
          .argument("<node-id>"),
      ),
    ).action(
      act(async (ctx, [name, nodeId], flags) => {
        const nodeExecutionId = {
          executionId: { project: ctx.project(), domain: ctx.domain(), name: name ?? "" },
          nodeId: nodeId ?? "",
        };
        const p = listParams(flags as ListFlags);
        print(
          ctx.out,
          ctx.format,
          TaskExecutionSchema,
          taskExecutionView,
          await collect(ctx, "listTaskExecutions", { nodeExecutionId, filters: p.filters, sortBy: p.sortBy }, p.max),
        );
      }),
    ),
  );

  get.addCommand(schedulesGetCommand());
  get.addCommand(signalsGetCommand());
  get.addCommand(attributesGetCommand());
  return get;
}
