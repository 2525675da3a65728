// `aloft create project|execution`
import { Command } from "commander";
import { invalidArgument } from "@aloft/core";
import { act, commonOptions } from "../context.ts";
import { launch, launchOptions, type LaunchFlags } from "../launch.ts";

const collect = (v: string, prev: string[] = []) => [...prev, v];

function labels(pairs: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs ?? []) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw invalidArgument("cli.label", `--label ${JSON.stringify(p)}: expected key=value`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

export function createCommand(): Command {
  const create = new Command("create").description("create projects and executions");

  create.addCommand(
    commonOptions(new Command("project").description("register a project").argument("[id]", "project id (or --id)"), {
      projectDomain: false,
      output: false,
    })
      .option("--id <id>", "project id")
      .option("--name <name>", "display name (default: the id)")
      .option("--description <text>", "description", "")
      .option("--label <key=value>", "a label; repeatable", collect)
      .action(
        act(async (ctx, [arg], flags) => {
          const id = arg ?? (flags.id as string | undefined);
          if (!id) throw invalidArgument("cli.project", "a project id is required: aloft create project <id>");
          const name = (flags.name as string | undefined) ?? id;
          await ctx.client.registerProject({
            project: {
              id,
              name,
              description: flags.description as string,
              labels: { values: labels(flags.label as string[] | undefined) },
            },
          });
          ctx.out(`project ${id} created`);
        }),
      ),
  );

  create.addCommand(
    launchOptions(
      commonOptions(
        new Command("execution")
          .description("launch a launch plan (or a task with --task)")
          .argument("<name>", "launch plan or task name"),
      ),
    )
      .option("--task", "the name is a task")
      .option("--launchplan", "the name is a launch plan (the default)")
      .action(
        act(async (ctx, [name], flags) =>
          launch(ctx, flags.task ? "task" : "launchplan", name ?? "", flags as LaunchFlags),
        ),
      ),
  );
  return create;
}
