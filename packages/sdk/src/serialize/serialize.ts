// Entities → flyteidl: TaskTemplates, WorkflowTemplates (with their sub-workflows) and admin LaunchPlans. Names come
// from the module's exports (or an entity's explicit `name`); every entity a workflow uses must be exported, since the
// entrypoint finds tasks by export name.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { ResourceType, type IdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import {
  WorkflowMetadata_OnFailurePolicy,
  WorkflowTemplateSchema,
  type WorkflowTemplate,
} from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { LaunchPlanSchema, type LaunchPlan } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { FixedRateUnit } from "@aloft/idl/flyteidl/admin/schedule_pb.js";
import { invalidArgument } from "@aloft/core";
import { toLiteralMap, variableMap } from "../types/index.ts";
import type { TypeMap, ValuesOf } from "../types/type.ts";
import { WorkflowBuilder, type EntityResolver } from "../authoring/builder.ts";
import {
  isEntity,
  type DynamicDef,
  type Entity,
  type LaunchPlanDef,
  type TaskDef,
  type WorkflowDef,
} from "../authoring/entities.ts";
import { bindingData, Ref, START_NODE, type BindingsOf } from "../authoring/refs.ts";
import { interfaceOf, taskTemplate, type TaskSerializeSettings } from "./task-template.ts";

type IdInit = MessageInitShape<typeof IdentifierSchema>;

export interface SerializedWorkflow {
  template: WorkflowTemplate;
  /** Every sub-workflow it uses, transitively. */
  subWorkflows: WorkflowTemplate[];
}

export interface Serialized {
  tasks: TaskTemplate[];
  workflows: SerializedWorkflow[];
  launchPlans: LaunchPlan[];
  /** Entity → registered name and export name (what the entrypoint and runLocal look tasks up by). */
  names: Map<Entity, { name: string; exportName: string }>;
}

/**
 * Names of a module's entities: explicit `options.name`, else the export name.
 * @example
 * ```ts
 * const names = nameEntities(await import("./pipeline.ts"));   // Map<Entity, { name, exportName }>
 * ```
 */
export function nameEntities(exports: Record<string, unknown>): Map<Entity, { name: string; exportName: string }> {
  const names = new Map<Entity, { name: string; exportName: string }>();
  for (const [exportName, v] of Object.entries(exports)) {
    if (!isEntity(v) || names.has(v)) continue;
    const explicit = v.kind === "launch-plan-ref" ? v.id.name : v.options.name;
    names.set(v, { name: explicit ?? exportName, exportName });
  }
  return names;
}

/**
 * Serializes entities one at a time (tasks, workflows with their sub-workflows, launch plans); `serializeModule`
 * runs it over a whole module.
 * @example
 * ```ts
 * const s = new Serializer(nameEntities(mod), { project: "p", domain: "development", version: "v1", module: "pipeline.ts" });
 * const template = s.workflow(mod.wf).template;
 * ```
 */
export class Serializer implements EntityResolver {
  readonly tasks = new Map<Entity, TaskTemplate>();
  readonly #workflows = new Map<WorkflowDef, SerializedWorkflow>();
  readonly #building = new Set<WorkflowDef>();
  readonly #usedSubWorkflows: Set<WorkflowDef>[] = [];

  #autoNamed = 0;

  /** `autoName`: entities that are not in `names` get their explicit name or `<kind>-<n>` (runLocal). */
  constructor(
    readonly names: Map<Entity, { name: string; exportName: string }>,
    readonly settings: TaskSerializeSettings,
    readonly options: { autoName?: boolean } = {},
  ) {}

  #entry(e: Entity): { name: string; exportName: string } | undefined {
    let n = this.names.get(e);
    if (!n && this.options.autoName) {
      const name = (e.kind === "launch-plan-ref" ? e.id.name : e.options.name) ?? `${e.kind}-${this.#autoNamed++}`;
      n = { name, exportName: name };
      this.names.set(e, n);
    }
    return n;
  }

  /**
   * The registered name of an entity; INVALID_ARGUMENT when it is used but not exported.
   * @example
   * ```ts
   * serializer.nameOf(mod.add)   // "add"
   * ```
   */
  nameOf(e: Entity): string {
    const n = this.#entry(e);
    if (!n) {
      const what = e.kind === "launch-plan-ref" ? e.id.name : ((e.options as { name?: string }).name ?? "(unnamed)");
      throw invalidArgument(
        "sdk.not_exported",
        `${e.kind} ${what} is used but not exported from ${this.settings.module}`,
      );
    }
    return n.name;
  }

  /**
   * The flyteidl Identifier a node uses to refer to an entity (project, domain and version from the settings).
   * @example
   * ```ts
   * serializer.idOf(mod.add)   // { resourceType: TASK, project: "p", domain: "development", name: "add", version: "v1" }
   * ```
   */
  idOf(e: Entity): IdInit {
    const s = this.settings;
    switch (e.kind) {
      case "task":
      case "dynamic":
        return this.task(e).id!;
      case "workflow":
        this.#usedSubWorkflows.at(-1)?.add(e);
        return this.#workflowId(e);
      case "launch-plan":
        return {
          resourceType: ResourceType.LAUNCH_PLAN,
          project: s.project,
          domain: s.domain,
          name: this.nameOf(e),
          version: s.version,
        };
      case "launch-plan-ref":
        return {
          resourceType: ResourceType.LAUNCH_PLAN,
          project: e.id.project ?? s.project,
          domain: e.id.domain ?? s.domain,
          name: e.id.name,
          version: e.id.version,
        };
    }
  }

  #workflowId(wf: WorkflowDef): IdInit {
    const s = this.settings;
    return {
      resourceType: ResourceType.WORKFLOW,
      project: s.project,
      domain: s.domain,
      name: this.nameOf(wf),
      version: s.version,
    };
  }

  /**
   * The TaskTemplate of a task or dynamic task (one per entity, cached).
   * @example
   * ```ts
   * const template = serializer.task(mod.add);   // template.type: "container"
   * ```
   */
  task(e: TaskDef | DynamicDef): TaskTemplate {
    let t = this.tasks.get(e);
    if (!t) {
      const n = this.#entry(e);
      if (!n) this.nameOf(e);
      t = taskTemplate(e, n!.name, n!.exportName, this.settings);
      this.tasks.set(e, t);
    }
    return t;
  }

  /**
   * The WorkflowTemplate of a workflow and the sub-workflows it uses, transitively.
   * @example
   * ```ts
   * const { template, subWorkflows } = serializer.workflow(mod.wf);
   * ```
   */
  workflow(wf: WorkflowDef): SerializedWorkflow {
    const done = this.#workflows.get(wf);
    if (done) return done;
    if (this.#building.has(wf))
      throw invalidArgument("sdk.recursive_workflow", `workflow ${this.nameOf(wf)} contains itself`);
    this.#building.add(wf);
    try {
      const { result: template, subWorkflows } = this.collect(() => {
        const b = new WorkflowBuilder(this);
        const inputs: Record<string, Ref<unknown>> = {};
        for (const [k, ty] of Object.entries(wf.inputs)) inputs[k] = new Ref(START_NODE, k, ty);
        const outs = wf.build(b, inputs as never) as Record<string, unknown>;
        return create(WorkflowTemplateSchema, {
          id: this.#workflowId(wf),
          metadata: {
            onFailure:
              wf.options.failurePolicy === "after-executable-nodes"
                ? WorkflowMetadata_OnFailurePolicy.FAIL_AFTER_EXECUTABLE_NODES_COMPLETE
                : WorkflowMetadata_OnFailurePolicy.FAIL_IMMEDIATELY,
          },
          metadataDefaults: { interruptible: wf.options.interruptible ?? false },
          interface: interfaceOf(wf.inputs, wf.outputs),
          nodes: b.nodes,
          outputs: outputBindings(wf.outputs, outs, this.nameOf(wf)),
        });
      });
      const result = { template, subWorkflows };
      this.#workflows.set(wf, result);
      return result;
    } finally {
      this.#building.delete(wf);
    }
  }

  /**
   * Runs `f` (which adds nodes through this resolver) and returns the sub-workflows its nodes use, transitively.
   * @example
   * ```ts
   * const { result, subWorkflows } = serializer.collect(() => buildNodes(builder));
   * ```
   */
  collect<T>(f: () => T): { result: T; subWorkflows: WorkflowTemplate[] } {
    const used = new Set<WorkflowDef>();
    this.#usedSubWorkflows.push(used);
    let result: T;
    try {
      result = f();
    } finally {
      this.#usedSubWorkflows.pop();
    }
    const subs = new Map<string, WorkflowTemplate>();
    for (const sub of used) {
      const s = this.workflow(sub);
      subs.set(this.nameOf(sub), s.template);
      for (const t of s.subWorkflows) subs.set(t.id!.name, t);
    }
    return { result, subWorkflows: [...subs.values()] };
  }

  /**
   * The LaunchPlan of a launch plan (id and spec; admin computes the closure).
   * @example
   * ```ts
   * const lp = serializer.launchPlan(mod.nightly);
   * ```
   */
  launchPlan(lp: LaunchPlanDef, name = this.nameOf(lp)): LaunchPlan {
    const s = this.settings;
    const wfId = this.#workflowId(lp.workflow);
    const wf = lp.workflow;
    const o = lp.options;
    const fixed = pick(wf.inputs, o.fixed);
    const defaults = pick(wf.inputs, o.defaults);
    const fixedLits = toLiteralMap(fixed.types, fixed.values as never, "fixed input");
    const defaultLits = toLiteralMap(defaults.types, defaults.values as never, "default input");
    const vars = variableMap(wf.inputs).variables;
    const parameters: Record<string, object> = {};
    for (const [k, v] of Object.entries(vars)) {
      if (k in fixed.types) continue;
      const d = defaultLits.literals[k];
      parameters[k] = { var: v, behavior: d ? { case: "default", value: d } : { case: "required", value: true } };
    }
    const schedule = o.schedule && {
      kickoffTimeInputArg: o.schedule.kickoffInput ?? "",
      ScheduleExpression:
        "cron" in o.schedule
          ? { case: "cronSchedule" as const, value: { schedule: o.schedule.cron } }
          : { case: "rate" as const, value: { value: o.schedule.rateMinutes, unit: FixedRateUnit.MINUTE } },
    };
    return create(LaunchPlanSchema, {
      id: { resourceType: ResourceType.LAUNCH_PLAN, project: s.project, domain: s.domain, name, version: s.version },
      spec: {
        workflowId: wfId,
        entityMetadata: schedule ? { schedule } : {},
        defaultInputs: { parameters },
        fixedInputs: fixedLits,
        labels: { values: o.labels ?? {} },
        annotations: { values: o.annotations ?? {} },
        maxParallelism: o.maxParallelism ?? 0,
      },
      closure: { expectedInputs: { parameters }, expectedOutputs: variableMap(wf.outputs) },
    });
  }
}

function pick(
  types: TypeMap,
  values: Partial<ValuesOf<TypeMap>> | undefined,
): { types: TypeMap; values: Record<string, unknown> } {
  const out: TypeMap = {};
  for (const k of Object.keys(values ?? {})) {
    const t = types[k];
    if (!t) throw invalidArgument("sdk.unknown_input", `launch plan input ${k} is not a workflow input`);
    out[k] = t;
  }
  return { types: out, values: values ?? {} };
}

export function outputBindings(types: TypeMap, outs: Record<string, unknown>, where: string) {
  return Object.entries(types).map(([k, ty]) => {
    if (!(k in outs)) throw invalidArgument("sdk.unbound_output", `${where}: output ${k} is not bound`);
    return { var: k, binding: bindingData(ty, outs[k] as BindingsOf<TypeMap>[string], `${where}.${k}`) };
  });
}

/**
 * Serializes every exported entity of a module: its tasks, its workflows (each with a default launch plan of the
 * same name, as flytekit does) and its launch plans.
 * @example
 * ```ts
 * import * as mod from "./pipeline.ts";
 * const s = serializeModule(mod, { project: "ml", domain: "development", version: "v1", module: "/app/pipeline.ts" });
 * await writeRegistrationFiles(s, "out/");   // then: aloft register files out/
 * ```
 */
export function serializeModule(exports: Record<string, unknown>, settings: TaskSerializeSettings): Serialized {
  const names = nameEntities(exports);
  const ser = new Serializer(names, settings);
  const workflows: SerializedWorkflow[] = [];
  const launchPlans: LaunchPlan[] = [];
  const lpNames = new Set<string>();
  for (const e of names.keys()) if (e.kind === "launch-plan") lpNames.add(ser.nameOf(e));
  for (const e of names.keys()) {
    if (e.kind === "task" || e.kind === "dynamic") ser.task(e);
    else if (e.kind === "workflow") {
      workflows.push(ser.workflow(e));
      const n = ser.nameOf(e);
      if (!lpNames.has(n))
        launchPlans.push(
          ser.launchPlan(
            { kind: "launch-plan", workflow: e, options: {}, inputs: e.inputs, outputs: e.outputs, optionalInputs: [] },
            n,
          ),
        );
    } else if (e.kind === "launch-plan") {
      ser.workflow(e.workflow);
      launchPlans.push(ser.launchPlan(e));
    }
  }
  return { tasks: [...ser.tasks.values()], workflows, launchPlans, names };
}
