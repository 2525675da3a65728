// `aloft run`, `watch`, `terminate`, `relaunch`, `recover`
import { Command } from "commander";
import { toJson } from "@bufbuild/protobuf";
import { ExecutionSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { render } from "../output.ts";
import { invalidArgument } from "@aloft/core";
import { act, commonOptions, type CliContext } from "../context.ts";
import { launch, launched, launchOptions, watchInterval, type LaunchFlags } from "../launch.ts";
import { followExecution } from "../progress.ts";
import { launchTargetOf, looksLikeModule, packageModule } from "../register/register-code.ts";
import { registerFiles } from "../register/register-files.ts";

const execId = (ctx: CliContext, name: string | undefined) => ({
  project: ctx.project(),
  domain: ctx.domain(),
  name: name ?? "",
});

export function runCommand(): Command {
  return launchOptions(
    commonOptions(
      new Command("run")
        .description(
          "launch a launch plan or task by name (its active or newest version) with typed inputs; or, given a TypeScript module " +
            "(`aloft run examples/ml-pipeline/pipeline.ts pipeline -i n=50 --watch`), register the module first (as `register code`, " +
            "version = a content hash of the file unless -v) and launch one of its exports: a workflow (through its default launch " +
            "plan), a launch plan or a task, by export or registered name",
        )
        .argument("<name>", "launch plan (or task) name, or a module file (.ts/.js) written with @aloft/sdk")
        .argument(
          "[export]",
          "with a module: the workflow, launch plan or task to launch (export name or registered name)",
        ),
    ),
  )
    .option("--task", "only look for a task")
    .option("--launchplan", "only look for a launch plan")
    .option(
      "--no-warm",
      "with a module: serialize its tasks as plain container tasks instead of warm-worker tasks (aloft-ts)",
    )
    .action(
      act(async (ctx, [name, exported], flags) => {
        const target = name ?? "";
        if (looksLikeModule(target)) return runModule(ctx, target, exported, flags);
        if (exported !== undefined)
          throw invalidArgument(
            "run.extra_argument",
            `unexpected argument ${exported}: only a module file takes an export name`,
          );
        return launch(ctx, flags.task ? "task" : flags.launchplan ? "launchplan" : "any", target, flags as LaunchFlags);
      }),
    );
}

/** `aloft run <module> <export>`: register the module, then launch the export at the registered version. */
async function runModule(
  ctx: CliContext,
  file: string,
  exported: string | undefined,
  flags: Record<string, unknown>,
): Promise<void> {
  const project = ctx.project();
  const domain = ctx.domain();
  const version = flags.version as string | undefined;
  const m = await packageModule(file, { project, domain, warm: flags.warm !== false, ...(version && { version }) });
  if (exported === undefined) {
    const names = [...m.serialized.names.values()].map((n) => n.exportName);
    throw invalidArgument("run.no_export", `which export of ${file} to run? one of: ${names.join(", ")}`);
  }
  const target = launchTargetOf(m, exported, file);
  const results = await registerFiles(ctx.client, m.files, {
    project,
    domain,
    version: m.version,
    continueOnError: false,
  });
  const failed = results.find((r) => r.status === "failed");
  if (failed) throw new Error(`registering ${file} failed at ${failed.kind} ${failed.name}: ${failed.message}`);
  if (ctx.format === "table") {
    const fresh = results.filter((r) => r.status === "registered").length;
    ctx.out(`registered ${file} as version ${m.version} (${fresh} new, ${results.length - fresh} already present)`);
  }
  await launch(ctx, target.kind, target.name, { ...(flags as LaunchFlags), version: m.version });
}

export function watchCommand(): Command {
  return commonOptions(
    new Command("watch")
      .description("follow an execution node by node until it ends")
      .argument("<execution>", "execution name"),
  )
    .option("--interval <ms>", "poll interval", "1000")
    .action(
      act(async (ctx, [name], flags) => {
        const done = await followExecution(ctx, execId(ctx, name), { intervalMs: watchInterval(flags) });
        if (ctx.format !== "table") ctx.out(render(ctx.format, [], [], toJson(ExecutionSchema, done)));
      }),
    );
}

export function terminateCommand(): Command {
  return commonOptions(new Command("terminate").description("abort running executions").argument("<executions...>"), {
    output: false,
  })
    .option("--cause <text>", "why (recorded as the abort cause)", "terminated by aloft CLI")
    .action(
      act(async (ctx, names, flags) => {
        for (const name of names) {
          await ctx.client.terminateExecution({ id: execId(ctx, name), cause: flags.cause as string });
          ctx.out(`execution ${ctx.project()}/${ctx.domain()}/${name} terminating`);
        }
      }),
    );
}

function again(kind: "relaunch" | "recover"): Command {
  const description =
    kind === "relaunch"
      ? "launch an execution again with the same inputs"
      : "re-run an execution in recovery mode (RecoverExecution): nodes that succeeded in the original are copied (RECOVERED), not run again; the rest runs";
  return commonOptions(new Command(kind).description(description).argument("<execution>"))
    .option("--name <name>", "name of the new execution (default: generated)")
    .option("--watch", "follow the new execution until it ends")
    .option("--interval <ms>", "poll interval for --watch", "1000")
    .action(
      act(async (ctx, [name], flags) => {
        const interval = watchInterval(flags);
        const req = { id: execId(ctx, name), name: (flags.name as string | undefined) ?? "" };
        const res =
          kind === "relaunch" ? await ctx.client.relaunchExecution(req) : await ctx.client.recoverExecution(req);
        await launched(ctx, res.id, `${kind} of ${name}`, Boolean(flags.watch), interval);
      }),
    );
}

export const relaunchCommand = () => again("relaunch");
export const recoverCommand = () => again("recover");
