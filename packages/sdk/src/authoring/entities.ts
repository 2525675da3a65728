// The authored entities: tasks, dynamic tasks, workflows, launch plans and references to registered launch plans.
import type { TypeMap, ValueOf, ValuesOf } from "../types/type.ts";
import type { TaskContext } from "./task-context.ts";
import type { BindingsOf, RefsOf } from "./refs.ts";
import type { WorkflowBuilder } from "./builder.ts";

export interface Resources {
  cpu?: string;
  memory?: string;
  gpu?: string;
  ephemeralStorage?: string;
}

export interface Secret {
  group: string;
  key?: string;
  /** "env" (default) or "file". */
  mountAs?: "env" | "file";
}

export interface TaskOptions<I extends TypeMap, O extends TypeMap> {
  /** Registered name; defaults to the name the module exports the task under. */
  name?: string;
  inputs: I;
  outputs: O;
  description?: string;
  /** User retries (attempts = retries + 1). */
  retries?: number;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs?: number;
  /** Cache outputs by inputs: `cache: true` needs `cacheVersion`. */
  cache?: boolean;
  cacheVersion?: string;
  cacheSerialize?: boolean;
  cacheIgnoreInputs?: (keyof I & string)[];
  requests?: Resources;
  limits?: Resources;
  secrets?: Secret[];
  env?: Record<string, string>;
  interruptible?: boolean;
  /** Container image (the sandbox ignores it). */
  image?: string;
  /**
   * Run in a warm worker (task type `aloft-ts`, handled by the WarmWorkerPlugin) instead of a fresh process
   * (task type `container`). Default false.
   */
  warm?: boolean;
}

export type TaskFn<I extends TypeMap, O extends TypeMap> = (inputs: ValuesOf<I>, ctx: TaskContext) => Promise<ValuesOf<O>> | ValuesOf<O>;

export interface TaskDef<I extends TypeMap = TypeMap, O extends TypeMap = TypeMap> {
  readonly kind: "task";
  readonly options: TaskOptions<I, O>;
  readonly inputs: I;
  readonly outputs: O;
  readonly fn: TaskFn<I, O>;
}

export type DynamicFn<I extends TypeMap, O extends TypeMap> = (b: WorkflowBuilder, inputs: ValuesOf<I>, ctx: TaskContext) => BindingsOf<O>;

/** A task whose body builds a workflow at run time from the actual input values (flytekit's @dynamic). */
export interface DynamicDef<I extends TypeMap = TypeMap, O extends TypeMap = TypeMap> {
  readonly kind: "dynamic";
  readonly options: TaskOptions<I, O>;
  readonly inputs: I;
  readonly outputs: O;
  readonly build: DynamicFn<I, O>;
}

export type FailurePolicy = "immediately" | "after-executable-nodes";

export interface WorkflowOptions<I extends TypeMap, O extends TypeMap> {
  name?: string;
  inputs: I;
  outputs: O;
  description?: string;
  failurePolicy?: FailurePolicy;
  /** Default interruptible for every node. */
  interruptible?: boolean;
}

export type WorkflowFn<I extends TypeMap, O extends TypeMap> = (b: WorkflowBuilder, inputs: RefsOf<I>) => BindingsOf<O>;

export interface WorkflowDef<I extends TypeMap = TypeMap, O extends TypeMap = TypeMap> {
  readonly kind: "workflow";
  readonly options: WorkflowOptions<I, O>;
  readonly inputs: I;
  readonly outputs: O;
  readonly build: WorkflowFn<I, O>;
}

export type Schedule = { cron: string; kickoffInput?: string } | { rateMinutes: number; kickoffInput?: string };

export interface LaunchPlanOptions<I extends TypeMap, F extends keyof I = keyof I, D extends keyof I = keyof I> {
  name?: string;
  /** Inputs a caller may leave out. */
  defaults?: { [K in D]: ValueOf<I[K]> };
  /** Inputs no caller can set (not part of the launch plan's interface). */
  fixed?: { [K in F]: ValueOf<I[K]> };
  schedule?: Schedule;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  maxParallelism?: number;
}

/** `I`: the inputs callers bind (the workflow's minus the fixed ones); `D`: those of them with defaults. */
export interface LaunchPlanDef<I extends TypeMap = TypeMap, O extends TypeMap = TypeMap, D extends string = string> {
  readonly kind: "launch-plan";
  readonly workflow: WorkflowDef<any, O>;
  readonly options: LaunchPlanOptions<any>;
  readonly inputs: I;
  readonly outputs: O;
  /** Inputs a call may leave unbound (they have defaults). */
  readonly optionalInputs: readonly D[];
}

/** A launch plan registered elsewhere, called by id (its interface must be declared here). */
export interface LaunchPlanRefDef<I extends TypeMap = TypeMap, O extends TypeMap = TypeMap> {
  readonly kind: "launch-plan-ref";
  readonly id: { project?: string; domain?: string; name: string; version: string };
  readonly inputs: I;
  readonly outputs: O;
}

export type Callable<I extends TypeMap, O extends TypeMap> =
  | TaskDef<I, O>
  | DynamicDef<I, O>
  | WorkflowDef<I, O>
  | LaunchPlanDef<I, O, never>
  | LaunchPlanRefDef<I, O>;

export type Entity = TaskDef<any, any> | DynamicDef<any, any> | WorkflowDef<any, any> | LaunchPlanDef<any, any, any> | LaunchPlanRefDef<any, any>;

export function task<I extends TypeMap, O extends TypeMap>(options: TaskOptions<I, O>, fn: TaskFn<NoInfer<I>, NoInfer<O>>): TaskDef<I, O> {
  return { kind: "task", options, inputs: options.inputs, outputs: options.outputs, fn };
}

export function dynamic<I extends TypeMap, O extends TypeMap>(options: TaskOptions<I, O>, build: DynamicFn<NoInfer<I>, NoInfer<O>>): DynamicDef<I, O> {
  return { kind: "dynamic", options, inputs: options.inputs, outputs: options.outputs, build };
}

export function workflow<I extends TypeMap, O extends TypeMap>(options: WorkflowOptions<I, O>, build: WorkflowFn<NoInfer<I>, NoInfer<O>>): WorkflowDef<I, O> {
  return { kind: "workflow", options, inputs: options.inputs, outputs: options.outputs, build };
}

export function launchPlan<I extends TypeMap, O extends TypeMap, F extends keyof I & string = never, D extends keyof I & string = never>(
  wf: WorkflowDef<I, O>,
  options: LaunchPlanOptions<I, F, D> = {},
): LaunchPlanDef<OmitTypes<I, F>, O, Exclude<D, F>> {
  const fixed = new Set(Object.keys(options.fixed ?? {}));
  const inputs: TypeMap = {};
  for (const [k, ty] of Object.entries(wf.inputs)) if (!fixed.has(k)) inputs[k] = ty;
  const optionalInputs = Object.keys(options.defaults ?? {}).filter((k) => !fixed.has(k)) as Exclude<D, F>[];
  return { kind: "launch-plan", workflow: wf, options, inputs: inputs as OmitTypes<I, F>, outputs: wf.outputs, optionalInputs };
}

type OmitTypes<I extends TypeMap, F extends keyof I> = { [K in Exclude<keyof I, F>]: I[K] };
export function launchPlanRef<I extends TypeMap, O extends TypeMap>(
  id: LaunchPlanRefDef["id"],
  iface: { inputs: I; outputs: O },
): LaunchPlanRefDef<I, O> {
  return { kind: "launch-plan-ref", id, inputs: iface.inputs, outputs: iface.outputs };
}

export function isEntity(x: unknown): x is Entity {
  const k = (x as { kind?: unknown } | null)?.kind;
  return typeof x === "object" && x !== null && (k === "task" || k === "dynamic" || k === "workflow" || k === "launch-plan" || k === "launch-plan-ref");
}
