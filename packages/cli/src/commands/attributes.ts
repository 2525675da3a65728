// Matchable attributes (flytectl's task-resource-attribute, execution-queue-attribute, …) as one noun:
//   aloft get|update|delete attributes <type> [--workflow <name>] [--project-level]
// <type>: task-resource, cluster-resource, execution-queue, execution-cluster-label, quality-of-service,
// plugin-override, workflow-execution-config, cluster-assignment. `update` reads --attr-file (YAML/JSON): either a
// MatchingAttributes message ({taskResourceAttributes: {...}}) or just the attributes of <type> ({defaults: {...}}).
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { parse as parseYaml } from "yaml";
import { fromJson, toJson, type JsonValue } from "@bufbuild/protobuf";
import {
  MatchableResource,
  MatchingAttributesSchema,
  type MatchingAttributes,
} from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import { invalidArgument } from "@aloft/core";
import { act, commonOptions, type CliContext } from "../context.ts";
import { render } from "../output.ts";

const TYPES: Record<string, [MatchableResource, MatchingAttributes["target"]["case"] & string]> = {
  "task-resource": [MatchableResource.TASK_RESOURCE, "taskResourceAttributes"],
  "cluster-resource": [MatchableResource.CLUSTER_RESOURCE, "clusterResourceAttributes"],
  "execution-queue": [MatchableResource.EXECUTION_QUEUE, "executionQueueAttributes"],
  "execution-cluster-label": [MatchableResource.EXECUTION_CLUSTER_LABEL, "executionClusterLabel"],
  "quality-of-service": [MatchableResource.QUALITY_OF_SERVICE_SPECIFICATION, "qualityOfService"],
  "plugin-override": [MatchableResource.PLUGIN_OVERRIDE, "pluginOverrides"],
  "workflow-execution-config": [MatchableResource.WORKFLOW_EXECUTION_CONFIG, "workflowExecutionConfig"],
  "cluster-assignment": [MatchableResource.CLUSTER_ASSIGNMENT, "clusterAssignment"],
};

function resourceType(arg: string): [MatchableResource, string] {
  const key = arg
    .toLowerCase()
    .replace(/_/g, "-")
    .replace(/-attributes?$/, "")
    .replace(/^quality-of-service-specification$/, "quality-of-service");
  const t = TYPES[key];
  if (!t)
    throw invalidArgument(
      "cli.attributes",
      `unknown attribute type ${JSON.stringify(arg)} (use ${Object.keys(TYPES).join(", ")})`,
    );
  return t;
}

interface AttrFlags {
  workflow?: string;
  projectLevel?: boolean;
  all?: boolean;
  attrFile?: string;
}

type Level =
  | { level: "project"; project: string }
  | { level: "project-domain"; project: string; domain: string }
  | { level: "workflow"; project: string; domain: string; workflow: string };

function levelOf(ctx: CliContext, f: AttrFlags): Level {
  if (f.workflow && f.projectLevel)
    throw invalidArgument("cli.attributes", "--workflow and --project-level exclude each other");
  if (f.projectLevel) return { level: "project", project: ctx.project() };
  if (f.workflow) return { level: "workflow", project: ctx.project(), domain: ctx.domain(), workflow: f.workflow };
  return { level: "project-domain", project: ctx.project(), domain: ctx.domain() };
}

interface Row {
  project: string;
  domain: string;
  workflow: string;
  launchPlan: string;
  attributes: JsonValue;
}

function show(ctx: CliContext, rows: Row[], single: boolean) {
  const table = rows.map((r) => [r.project, r.domain, r.workflow, r.launchPlan, JSON.stringify(r.attributes)]);
  ctx.out(
    render(ctx.format, ["project", "domain", "workflow", "launch plan", "attributes"], table, single ? rows[0] : rows),
  );
}

const row = (l: Partial<Row>, m: MatchingAttributes | undefined): Row => ({
  project: l.project ?? "",
  domain: l.domain ?? "",
  workflow: l.workflow ?? "",
  launchPlan: l.launchPlan ?? "",
  attributes: m ? toJson(MatchingAttributesSchema, m) : null,
});

function withOptions(cmd: Command): Command {
  return commonOptions(cmd.argument("<type>", Object.keys(TYPES).join(" | ")))
    .option("--workflow <name>", "workflow-level attributes")
    .option("--project-level", "project-level attributes (all domains)");
}

export function attributesGetCommand(): Command {
  return withOptions(
    new Command("attributes")
      .aliases(["attribute", "attr"])
      .description("matchable attributes (the most specific match)"),
  )
    .option("--all", "every stored row of this type, all projects and levels")
    .action(
      act(async (ctx, [arg], flags: AttrFlags) => {
        const [type] = resourceType(arg ?? "");
        const c = ctx.client;
        if (flags.all) {
          const res = await c.listMatchableAttributes({ resourceType: type });
          return show(
            ctx,
            res.configurations.map((x) =>
              row(
                { project: x.project, domain: x.domain, workflow: x.workflow, launchPlan: x.launchPlan },
                x.attributes,
              ),
            ),
            false,
          );
        }
        const l = levelOf(ctx, flags);
        if (l.level === "project")
          return show(
            ctx,
            [
              row(
                l,
                (await c.getProjectAttributes({ project: l.project, resourceType: type })).attributes
                  ?.matchingAttributes,
              ),
            ],
            true,
          );
        if (l.level === "workflow") {
          const a = (await c.getWorkflowAttributes({ ...l, resourceType: type })).attributes;
          return show(ctx, [row({ ...l, ...a }, a?.matchingAttributes)], true);
        }
        const a = (await c.getProjectDomainAttributes({ project: l.project, domain: l.domain, resourceType: type }))
          .attributes;
        show(ctx, [row({ ...l, ...a }, a?.matchingAttributes)], true);
      }),
    );
}

function readAttributes(path: string, target: string): MatchingAttributes {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, "utf8"));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw invalidArgument(
      "cli.attr_file",
      err.code === "ENOENT"
        ? `attribute file ${path} does not exist`
        : `attribute file ${path}: ${err.message.split("\n")[0]}`,
    );
  }
  if (!doc || typeof doc !== "object" || Array.isArray(doc))
    throw invalidArgument("cli.attr_file", `attribute file ${path} must be a mapping`);
  const keys = MatchingAttributesSchema.fields.flatMap((f) => [f.localName, f.name]);
  const wrapped = Object.keys(doc).some((k) => keys.includes(k)) ? doc : { [target]: doc };
  let m: MatchingAttributes;
  try {
    m = fromJson(MatchingAttributesSchema, wrapped as JsonValue);
  } catch (e) {
    throw invalidArgument("cli.attr_file", `attribute file ${path}: ${(e as Error).message}`);
  }
  if (m.target.case !== target)
    throw invalidArgument("cli.attr_file", `attribute file ${path} holds ${m.target.case ?? "nothing"}, not ${target}`);
  return m;
}

export function attributesUpdateCommand(): Command {
  return withOptions(
    new Command("attributes").aliases(["attribute", "attr"]).description("create or replace matchable attributes"),
  )
    .requiredOption("--attr-file <file>", "YAML or JSON with the attributes")
    .action(
      act(async (ctx, [arg], flags: AttrFlags) => {
        const [, target] = resourceType(arg ?? "");
        const matchingAttributes = readAttributes(flags.attrFile ?? "", target);
        const l = levelOf(ctx, flags);
        const c = ctx.client;
        if (l.level === "project")
          await c.updateProjectAttributes({ attributes: { project: l.project, matchingAttributes } });
        else if (l.level === "workflow") await c.updateWorkflowAttributes({ attributes: { ...l, matchingAttributes } });
        else
          await c.updateProjectDomainAttributes({
            attributes: { project: l.project, domain: l.domain, matchingAttributes },
          });
        ctx.err(
          `updated ${arg} attributes for ${[l.project, "domain" in l ? l.domain : "", "workflow" in l ? l.workflow : ""].filter(Boolean).join("/")}`,
        );
      }),
    );
}

export function attributesDeleteCommand(): Command {
  return withOptions(
    new Command("attributes").aliases(["attribute", "attr"]).description("delete matchable attributes"),
  ).action(
    act(async (ctx, [arg], flags: AttrFlags) => {
      const [type] = resourceType(arg ?? "");
      const l = levelOf(ctx, flags);
      const c = ctx.client;
      if (l.level === "project") await c.deleteProjectAttributes({ project: l.project, resourceType: type });
      else if (l.level === "workflow") await c.deleteWorkflowAttributes({ ...l, resourceType: type });
      else await c.deleteProjectDomainAttributes({ project: l.project, domain: l.domain, resourceType: type });
      ctx.err(
        `deleted ${arg} attributes for ${[l.project, "domain" in l ? l.domain : "", "workflow" in l ? l.workflow : ""].filter(Boolean).join("/")}`,
      );
    }),
  );
}
