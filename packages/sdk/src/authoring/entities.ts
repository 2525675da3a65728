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

export type TaskFn<I extends TypeMap, O extends TypeMap> = (
  inputs: ValuesOf<I>,
  ctx: TaskContext,
) => Promise<ValuesOf<O>> | ValuesOf<O>;

export interface TaskDef<I extends TypeMap = TypeMap, O extends TypeMap = TypeMap> {
  readonly kind: "task";
  readonly options: TaskOptions<I, O>;
  readonly inputs: I;
  readonly outputs: O;
  readonly fn: TaskFn<I, O>;
}

export type DynamicFn<I extends TypeMap, O extends TypeMap> = (
  b: WorkflowBuilder,
  inputs: ValuesOf<I>,
  ctx: TaskContext,
) => BindingsOf<O>;

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

export type Entity =
  | TaskDef<any, any>
  | DynamicDef<any, any>
  | WorkflowDef<any, any>
  | LaunchPlanDef<any, any, any>
  | LaunchPlanRefDef<any, any>;

/**
 * A task: a TypeScript function with typed inputs and outputs, run by the task entrypoint (one process per attempt,
 * or a warm worker). Options set retries, timeout, cache, resources, secrets, env, image, `warm`.
 * @example
 * ```ts
 * export const add = task(
 *   { inputs: { a: t.int(), b: t.int() }, outputs: { sum: t.int() }, retries: 2, cache: true, cacheVersion: "1" },
 *   async ({ a, b }) => ({ sum: a + b }),
 * );
 * ```
 */
export function task<I extends TypeMap, O extends TypeMap>(
  options: TaskOptions<I, O>,
  fn: TaskFn<NoInfer<I>, NoInfer<O>>,
): TaskDef<I, O> {
  return { kind: "task", options, inputs: options.inputs, outputs: options.outputs, fn };
}

/**
 * A dynamic task: its body runs at execution time with real input values and builds nodes (a workflow decided at
 * run time); the entrypoint writes them as a DynamicJobSpec. Tasks it calls must be exported.
 * @example
 * ```ts
 * export const fanOut = dynamic({ inputs: { n: t.int() }, outputs: { sums: t.list(t.int()) } }, (b, { n }) => {
 *   const sums = Array.from({ length: n }, (_, i) => b.call(add, { a: i, b: i }).sum);
 *   return { sums };
 * });
 * ```
 */
export function dynamic<I extends TypeMap, O extends TypeMap>(
  options: TaskOptions<I, O>,
  build: DynamicFn<NoInfer<I>, NoInfer<O>>,
): DynamicDef<I, O> {
  return { kind: "dynamic", options, inputs: options.inputs, outputs: options.outputs, build };
}

/**
 * A workflow: `build` receives a WorkflowBuilder and the inputs as promises (Refs) and returns the outputs; the
 * wiring is type-checked (a Ref<string> cannot feed an int input).
 * @example
 * ```ts
 * export const wf = workflow({ inputs: { x: t.int() }, outputs: { s: t.int() } }, (b, { x }) => {
 *   const r = b.call(add, { a: x, b: 1 });
 *   return { s: r.sum };
 * });
 * ```
 */
export function workflow<I extends TypeMap, O extends TypeMap>(
  options: WorkflowOptions<I, O>,
  build: WorkflowFn<NoInfer<I>, NoInfer<O>>,
): WorkflowDef<I, O> {
  return { kind: "workflow", options, inputs: options.inputs, outputs: options.outputs, build };
}

/**
 * A launch plan of a workflow: default and fixed inputs, a schedule (cron or fixed rate), labels, annotations,
 * max parallelism. A workflow calling it cannot bind fixed inputs and may leave defaulted ones out.
 * @example
 * ```ts
 * export const nightly = launchPlan(wf, { name: "wf.nightly", defaults: { x: 1 }, schedule: { cron: "0 2 * * *" } });
 * ```
 */
export function launchPlan<
  I extends TypeMap,
  O extends TypeMap,
  F extends keyof I & string = never,
  D extends keyof I & string = never,
>(wf: WorkflowDef<I, O>, options: LaunchPlanOptions<I, F, D> = {}): LaunchPlanDef<OmitTypes<I, F>, O, Exclude<D, F>> {
  const fixed = new Set(Object.keys(options.fixed ?? {}));
  const inputs: TypeMap = {};
  for (const [k, ty] of Object.entries(wf.inputs)) if (!fixed.has(k)) inputs[k] = ty;
  const optionalInputs = Object.keys(options.defaults ?? {}).filter((k) => !fixed.has(k)) as Exclude<D, F>[];
  return {
    kind: "launch-plan",
    workflow: wf,
    options,
    inputs: inputs as OmitTypes<I, F>,
    outputs: wf.outputs,
    optionalInputs,
  };
}

type OmitTypes<I extends TypeMap, F extends keyof I> = { [K in Exclude<keyof I, F>]: I[K] };
/**
 * A reference to a launch plan registered elsewhere, with its interface declared here so that calls type-check;
 * calling it creates a child execution.
 * @example
 * ```ts
 * const train = launchPlanRef(
 *   { project: "ml", domain: "prod", name: "train.daily", version: "v3" },
 *   { inputs: { rows: t.int() }, outputs: { error: t.float() } },
 * );
 * ```
 */
export function launchPlanRef<I extends TypeMap, O extends TypeMap>(
  id: LaunchPlanRefDef["id"],
  iface: { inputs: I; outputs: O },
): LaunchPlanRefDef<I, O> {
  return { kind: "launch-plan-ref", id, inputs: iface.inputs, outputs: iface.outputs };
}

/**
 * True for what `task`, `dynamic`, `workflow`, `launchPlan` and `launchPlanRef` return (how a module's exports
 * are sorted from its other values).
 * @example
 * ```ts
 * const entities = Object.values(await import("./pipeline.ts")).filter(isEntity);
 * ```
 */
export function isEntity(x: unknown): x is Entity {
  const k = (x as { kind?: unknown } | null)?.kind;
  return (
    typeof x === "object" &&
    x !== null &&
    (k === "task" || k === "dynamic" || k === "workflow" || k === "launch-plan" || k === "launch-plan-ref")
  );
}
