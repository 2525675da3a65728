// `aloft update project|launchplan|attributes`
import { Command } from "commander";
import { Project_ProjectState } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { LaunchPlanState } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { invalidArgument } from "@aloft/core";
import { act, commonOptions } from "../context.ts";
import { requireLaunchPlan } from "../resolve.ts";
import { attributesUpdateCommand } from "./attributes.ts";

function onOff(flags: Record<string, unknown>, on: string, off: string): boolean | undefined {
  if (flags[on] && flags[off]) throw invalidArgument("cli.update", `--${on} and --${off} exclude each other`);
  return flags[on] ? true : flags[off] ? false : undefined;
}

export function updateCommand(): Command {
  const update = new Command("update").description("change projects, launch plans and attributes");

  update.addCommand(
    commonOptions(new Command("project").description("archive, activate or rename a project").argument("<id>"), {
      projectDomain: false,
      output: false,
    })
      .option("--archive", "archive the project (hidden from lists)")
      .option("--activate", "make an archived project active again")
      .option("--name <name>", "new display name")
      .option("--description <text>", "new description")
      .action(
        act(async (ctx, [id], flags) => {
          const active = onOff(flags, "activate", "archive");
          if (active === undefined && flags.name === undefined && flags.description === undefined) {
            throw invalidArgument(
              "cli.update",
              "nothing to change: pass --archive, --activate, --name or --description",
            );
          }
          // Admin writes only non-empty fields, but always the state (absent = ACTIVE): send the current one unless changed.
          const current = await ctx.client.getProject({ id: id ?? "" });
          const state =
            active === undefined ? current.state : active ? Project_ProjectState.ACTIVE : Project_ProjectState.ARCHIVED;
          await ctx.client.updateProject({
            id: current.id,
            state,
            name: (flags.name as string | undefined) ?? "",
            description: (flags.description as string | undefined) ?? "",
          });
          ctx.out(`project ${current.id} updated (${Project_ProjectState[state]?.toLowerCase() ?? ""})`);
        }),
      ),
  );

  update.addCommand(
    commonOptions(
      new Command("launchplan")
        .aliases(["lp"])
        .description("activate or deactivate a launch plan version")
        .argument("<name>"),
      { output: false },
    )
      .option("-v, --version <version>", "version (default: the newest)")
      .option("--activate", "make this version the active one (schedules start)")
      .option("--deactivate", "deactivate it")
      .action(
        act(async (ctx, [name], flags) => {
          const active = onOff(flags, "activate", "deactivate");
          if (active === undefined) throw invalidArgument("cli.update", "pass --activate or --deactivate");
          const version = flags.version as string | undefined;
          const lp = version
            ? {
                id: {
                  resourceType: ResourceType.LAUNCH_PLAN,
                  project: ctx.project(),
                  domain: ctx.domain(),
                  name: name ?? "",
                  version,
                },
              }
            : await requireLaunchPlan(ctx.client, ctx.project(), ctx.domain(), name ?? "");
          await ctx.client.updateLaunchPlan({
            id: lp.id,
            state: active ? LaunchPlanState.ACTIVE : LaunchPlanState.INACTIVE,
          });
          ctx.out(`launch plan ${lp.id?.name}:${lp.id?.version} ${active ? "activated" : "deactivated"}`);
        }),
      ),
  );

  update.addCommand(attributesUpdateCommand());
  return update;
}
