// Launching: find the launch plan or task by name (given version, else the active launch plan, else the newest
// version), type the inputs against what it expects, create the execution, and optionally follow it.
import type { Command } from "commander";
import { toJson } from "@bufbuild/protobuf";
import { ExecutionSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { invalidArgument } from "@aloft/core";
import type { CliContext } from "./context.ts";
import { buildInputs, fromParameterMap, fromVariableMap, readInputsFile, type ExpectedInputs } from "./inputs.ts";
import { render } from "./output.ts";
import { followExecution } from "./progress.ts";
import { findLaunchPlan, findTask, requireLaunchPlan, requireTask } from "./resolve.ts";

export interface LaunchFlags {
  version?: string;
  input?: string[];
  inputsFile?: string;
  name?: string;
  watch?: boolean;
  interval?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function launchOptions(cmd: Command): Command {
  return cmd
    .option("-v, --version <version>", "version (default: the active launch plan, else the newest version)")
    .option(
      "-i, --input <name=value>",
      "an input value; repeatable. Lists, maps and structs as JSON; files as paths or URIs",
      collect,
    )
    .option("--inputs-file <file>", "YAML or JSON mapping of input names to values (--input wins)")
    .option("--name <name>", "execution name (default: generated)")
    .option("--watch", "follow the execution until it ends")
    .option("--interval <ms>", "poll interval for --watch", "1000");
}

export function watchInterval(flags: { interval?: string }): number {
  const n = Number(flags.interval ?? "1000");
  if (!Number.isFinite(n) || n < 0)
    throw invalidArgument("cli.interval", `--interval ${JSON.stringify(flags.interval)}: expected milliseconds`);
  return n;
}

interface Target {
  id: Identifier;
  expected: ExpectedInputs;
  what: string;
}

async function resolveTarget(
  ctx: CliContext,
  kind: "launchplan" | "task" | "any",
  name: string,
  version: string | undefined,
): Promise<Target> {
  const p = ctx.project();
  const d = ctx.domain();
  const c = ctx.client;
  if (kind !== "task") {
    const lp =
      kind === "launchplan"
        ? await requireLaunchPlan(c, p, d, name, version)
        : await findLaunchPlan(c, p, d, name, version);
    if (lp?.id) {
      const expected = fromParameterMap(lp.closure?.expectedInputs ?? lp.spec?.defaultInputs);
      return {
        id: { ...lp.id, resourceType: ResourceType.LAUNCH_PLAN },
        expected,
        what: `launch plan ${lp.id.name}:${lp.id.version}`,
      };
    }
  }
  const task = kind === "task" ? await requireTask(c, p, d, name, version) : await findTask(c, p, d, name, version);
  if (!task?.id)
    throw new ConnectError(
      `no launch plan or task named ${name}${version ? ` version ${version}` : ""} in ${p}/${d}`,
      Code.NotFound,
    );
  const expected = fromVariableMap(task.closure?.compiledTask?.template?.interface?.inputs);
  return {
    id: { ...task.id, resourceType: ResourceType.TASK },
    expected,
    what: `task ${task.id.name}:${task.id.version}`,
  };
}

export async function launch(
  ctx: CliContext,
  kind: "launchplan" | "task" | "any",
  name: string,
  flags: LaunchFlags,
): Promise<void> {
  const interval = watchInterval(flags);
  const target = await resolveTarget(ctx, kind, name, flags.version);
  const fromFile = flags.inputsFile ? readInputsFile(flags.inputsFile) : {};
  const inputs = buildInputs(target.expected, flags.input ?? [], fromFile);
  const res = await ctx.client.createExecution({
    project: ctx.project(),
    domain: ctx.domain(),
    name: flags.name ?? "",
    spec: { launchPlan: target.id },
    inputs,
  });
  await launched(ctx, res.id, target.what, flags.watch ?? false, interval);
}

/** Reports a created execution and follows it with --watch. */
export async function launched(
  ctx: CliContext,
  id: WorkflowExecutionIdentifier | undefined,
  what: string,
  watch: boolean,
  intervalMs: number,
): Promise<void> {
  if (!id) throw new ConnectError("the server returned no execution id", Code.Internal);
  const ref = { project: id.project, domain: id.domain, name: id.name };
  const line = `execution ${id.project}/${id.domain}/${id.name} launched (${what})`;
  if (ctx.format === "table") ctx.out(line);
  else if (!watch) ctx.out(render(ctx.format, [], [], ref));
  else ctx.err(line);
  if (!watch) return;
  const done = await followExecution(ctx, id, { intervalMs });
  if (ctx.format !== "table") ctx.out(render(ctx.format, [], [], toJson(ExecutionSchema, done)));
}
