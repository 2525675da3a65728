// The workflow builder handed to a workflow's (or dynamic task's) body: every call adds a flyteidl Node whose
// bindings come from the data dependencies (promises) passed in; the result holds typed promises of its outputs.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { NodeSchema, type Node } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { IdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { invalidArgument } from "@aloft/core";
import { list } from "../types/containers.ts";
import type { Type, TypeMap, ValueOf } from "../types/type.ts";
import type { Condition } from "./conditions.ts";
import type { Callable, Entity, LaunchPlanDef, TaskDef, WorkflowDef } from "./entities.ts";
import { bindingData, Ref, type Bindable, type BindingsOf, type RefsOf } from "./refs.ts";

/** A node under construction (plain init objects; `create` checks the shape). */
type NodeInit = { id: string; target?: unknown; metadata?: Record<string, unknown>; [k: string]: unknown };
type IdInit = MessageInitShape<typeof IdentifierSchema>;

/** How the builder names what nodes refer to (the serializer assigns ids and collects referenced entities). */
export interface EntityResolver {
  idOf(e: Entity): IdInit;
}

export interface NodeHandle {
  readonly nodeId: string;
}

/** The promises of a node's outputs, plus the node itself (for ordering with `after`). */
export type NodeOutputs<O extends TypeMap> = RefsOf<O> & { readonly $node: NodeHandle };

export interface NodeOptions {
  /** Node id (default `n<k>`). */
  id?: string;
  name?: string;
  retries?: number;
  timeoutMs?: number;
  interruptible?: boolean;
  /** Nodes that must finish before this one, without a data dependency. */
  after?: readonly Orderable[];
}

export type Orderable = NodeHandle | Ref<unknown> | { readonly $node: NodeHandle };

export interface MapOptions<B extends string> extends NodeOptions {
  /** Inputs passed whole to every element rather than mapped over. */
  bound?: readonly B[];
  parallelism?: number;
  minSuccesses?: number;
  minSuccessRatio?: number;
}

/** Mapped inputs take lists of the task's input types; bound ones take the type itself. */
export type MapBindings<I extends TypeMap, B extends string> = {
  [K in keyof I]: K extends B ? Bindable<ValueOf<I[K]>> : Bindable<ValueOf<I[K]>[]>;
};
/** What a call binds: the callee's inputs; for a launch plan, those with defaults are optional. */
export type CallBindings<E> =
  E extends LaunchPlanDef<infer I, any, infer D>
    ? LaunchPlanBindings<I, D>
    : E extends { inputs: infer I extends TypeMap }
      ? BindingsOf<I>
      : never;

/** Bindings of a launch-plan call: inputs with defaults are optional. */
export type LaunchPlanBindings<I extends TypeMap, D extends string> = {
  [K in Exclude<keyof I, D>]: Bindable<ValueOf<I[K]>>;
} & {
  [K in D & keyof I]?: Bindable<ValueOf<I[K]>>;
};
export type ListRefsOf<O extends TypeMap> = { [K in keyof O]: Ref<ValueOf<O[K]>[]> };

type BranchCase<O extends TypeMap> = readonly [Condition, (b: WorkflowBuilder) => NodeOutputs<O>];

export interface BranchSpec<O extends TypeMap> {
  id?: string;
  name?: string;
  cases: readonly [BranchCase<O>, ...BranchCase<O>[]];
  /** The node when no case holds; or `{ fail: message }` to fail the workflow. */
  otherwise: ((b: WorkflowBuilder) => NodeOutputs<O>) | { fail: string };
}

/**
 * Builds a workflow's nodes; `workflow()` and `dynamic()` bodies receive one as `b`.
 * @example
 * ```ts
 * workflow({ inputs: { x: t.int() }, outputs: { s: t.int() } }, (b, { x }) => ({ s: b.call(add, { a: x, b: 2 }).sum }));
 * ```
 */
export class WorkflowBuilder {
  readonly nodes: Node[] = [];
  readonly #resolver: EntityResolver;
  readonly #counter: { n: number };
  readonly #prefix: string;

  constructor(resolver: EntityResolver, options: { prefix?: string; counter?: { n: number } } = {}) {
    this.#resolver = resolver;
    this.#prefix = options.prefix ?? "n";
    this.#counter = options.counter ?? { n: 0 };
  }

  /**
   * Calls a task, dynamic task, workflow (inlined as a sub-workflow), launch plan or launch-plan reference (a child
   * execution; inputs with defaults may be left out, fixed ones cannot be bound).
   * @example
   * ```ts
   * const r = b.call(add, { a: x, b: 1 }, { id: "first", retries: 1, timeoutMs: 60_000 });   // r.sum: Ref<number>
   * ```
   */
  call<E extends Callable<any, any> | LaunchPlanDef<any, any, any>>(
    entity: E,
    inputs: CallBindings<E>,
    opts: NodeOptions = {},
  ): NodeOutputs<E["outputs"]> {
    const id = this.#nodeId(opts);
    const optional = new Set<string>(entity.kind === "launch-plan" ? (entity as LaunchPlanDef).optionalInputs : []);
    const node: NodeInit = {
      id,
      ...this.#common(entity.inputs, inputs as Record<string, unknown>, opts, id, this.#nameOf(entity), optional),
    };
    node.target = targetOf(entity, this.#resolver.idOf(entity as Entity));
    return this.#add(node, entity.outputs) as NodeOutputs<E["outputs"]>;
  }

  /**
   * Runs `t` once per element of the mapped (list) inputs, as an array node; outputs are lists in input order.
   * Inputs named in `bound` are passed whole to every element.
   * @example
   * ```ts
   * const trained = b.map(train, { kind: kinds, rows }, { bound: ["rows"], parallelism: 4, minSuccessRatio: 0.5 });
   * // trained.error: Ref<number[]>
   * ```
   */
  map<I extends TypeMap, O extends TypeMap, B extends keyof I & string = never>(
    t: TaskDef<I, O>,
    inputs: MapBindings<I, B>,
    opts: MapOptions<B> = {},
  ): ListRefsOf<O> & { readonly $node: NodeHandle } {
    const id = this.#nodeId(opts);
    const bound = new Set<string>(opts.bound ?? []);
    const listTypes: TypeMap = {};
    for (const [k, ty] of Object.entries(t.inputs)) listTypes[k] = bound.has(k) ? ty : list(ty);
    const common = this.#common(listTypes, inputs as Record<string, unknown>, opts, id, this.#nameOf(t));
    const inner: NodeInit = {
      id: `${id}-sub`,
      metadata: { name: this.#nameOf(t) },
      target: targetOf(t, this.#resolver.idOf(t as unknown as Entity)),
    };
    if (opts.retries !== undefined) inner.metadata = { ...inner.metadata, retries: { retries: opts.retries } };
    const node: NodeInit = {
      id,
      ...common,
      target: {
        case: "arrayNode",
        value: {
          node: inner,
          isOriginalSubNodeInterface: true,
          boundInputs: [...bound],
          ...(opts.parallelism !== undefined && {
            parallelismOption: { case: "parallelism", value: opts.parallelism },
          }),
          ...(opts.minSuccesses !== undefined
            ? { successCriteria: { case: "minSuccesses", value: opts.minSuccesses } }
            : opts.minSuccessRatio !== undefined
              ? { successCriteria: { case: "minSuccessRatio", value: opts.minSuccessRatio } }
              : {}),
        },
      },
    };
    const outs: TypeMap = {};
    for (const [k, ty] of Object.entries(t.outputs)) outs[k] = list(ty);
    return this.#add(node, outs) as ListRefsOf<O> & { readonly $node: NodeHandle };
  }

  /**
   * A branch node: the first case whose condition holds runs its node; outputs are those the cases share.
   * `otherwise: { fail: "message" }` fails the execution when no case holds.
   * @example
   * ```ts
   * const out = b.branch({
   *   cases: [[when(score, ">", 0.9), (b) => b.call(deploy, { model })]],
   *   otherwise: (b) => b.call(report, { model }),
   * });
   * ```
   */
  branch<O extends TypeMap>(spec: BranchSpec<O>): NodeOutputs<O> {
    const id = this.#nodeId({ ...(spec.id !== undefined && { id: spec.id }) });
    const inputs: Record<string, ReturnType<typeof bindingData>> = {};
    const use = (r: Ref<unknown>) => {
      const name = `${r.nodeId}.${r.varName}${r.attrPath.map((p) => `.${p}`).join("")}`;
      inputs[name] = bindingData(r.type, r, `${id}.${name}`);
      return name;
    };
    const child = (f: (b: WorkflowBuilder) => NodeOutputs<O>): { node: Node; outputs: TypeMap } => {
      const b = new WorkflowBuilder(this.#resolver, { prefix: `${this.#prefix}`, counter: this.#counter });
      const out = f(b);
      if (b.nodes.length !== 1)
        throw invalidArgument("sdk.bad_branch", `branch ${id}: each case must add exactly one node`);
      const types: TypeMap = {};
      for (const [k, v] of Object.entries(out)) if (v instanceof Ref) types[k] = v.type;
      return { node: b.nodes[0]!, outputs: types };
    };
    const blocks = spec.cases.map(([cond, f]) => ({ condition: cond.build(use), then: child(f) }));
    const other = typeof spec.otherwise === "function" ? child(spec.otherwise) : undefined;
    const [first, ...rest] = blocks;
    const node: NodeInit = {
      id,
      metadata: { name: spec.name ?? id },
      inputs: Object.entries(inputs).map(([v, binding]) => ({ var: v, binding })),
      target: {
        case: "branchNode",
        value: {
          ifElse: {
            case: { condition: first!.condition, thenNode: first!.then.node },
            other: rest.map((b) => ({ condition: b.condition, thenNode: b.then.node })),
            default: other
              ? { case: "elseNode", value: other.node }
              : { case: "error", value: { failedNodeId: id, message: (spec.otherwise as { fail: string }).fail } },
          },
        },
      },
    };
    return this.#add(node, blocks[0]!.then.outputs) as NodeOutputs<O>;
  }

  /**
   * A gate that waits for a human's approval of `value` (signal `<node id>` unless `signalId` is given), then passes
   * it on.
   * @example
   * ```ts
   * const approved = b.approve(r.sum, { signalId: "ok-to-ship" });   // aloft approve <execution> ok-to-ship
   * ```
   */
  approve<T>(value: Ref<T>, opts: NodeOptions & { signalId?: string } = {}): Ref<T> {
    const id = this.#nodeId(opts);
    const node: NodeInit = {
      id,
      ...this.#common({ value: value.type }, { value }, opts, id, "approve"),
      target: { case: "gateNode", value: { condition: { case: "approve", value: { signalId: opts.signalId ?? id } } } },
    };
    return (this.#add(node, { value: value.type }) as unknown as RefsOf<{ value: Type<T> }>).value;
  }

  /**
   * A gate that waits for a typed value sent as signal `signalId`.
   * @example
   * ```ts
   * const threshold = b.waitForInput("threshold", t.float());   // aloft signal set <execution> threshold 0.8
   * ```
   */
  waitForInput<T>(signalId: string, type: Type<T>, opts: NodeOptions = {}): Ref<T> {
    const id = this.#nodeId(opts);
    const node: NodeInit = {
      id,
      ...this.#common({}, {}, opts, id, signalId),
      target: {
        case: "gateNode",
        value: { condition: { case: "signal", value: { signalId, type: type.literalType, outputVariableName: "o0" } } },
      },
    };
    return (this.#add(node, { o0: type }) as unknown as RefsOf<{ o0: Type<T> }>).o0;
  }

  /**
   * A gate that sleeps for `ms` milliseconds.
   * @example
   * ```ts
   * const pause = b.sleep(30_000);
   * b.after(b.call(report, { model }), pause);
   * ```
   */
  sleep(ms: number, opts: NodeOptions = {}): NodeHandle {
    const id = this.#nodeId(opts);
    const seconds = Math.floor(ms / 1000);
    const node: NodeInit = {
      id,
      ...this.#common({}, {}, opts, id, "sleep"),
      target: {
        case: "gateNode",
        value: {
          condition: {
            case: "sleep",
            value: { duration: { seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1e6 } },
          },
        },
      },
    };
    return this.#add(node, {}).$node;
  }

  /**
   * Explicit ordering: `later` starts only after every one of `earlier` finished (no data has to flow between them).
   * @example
   * ```ts
   * const cleaned = b.call(clean, {});
   * const loaded = b.call(load, {});
   * b.after(loaded, cleaned);
   * ```
   */
  after(later: Orderable, ...earlier: Orderable[]): void {
    const n = this.nodes.find((x) => x.id === nodeIdOf(later));
    if (!n) throw invalidArgument("sdk.unknown_node", `node ${nodeIdOf(later)} is not in this workflow`);
    for (const e of earlier) if (!n.upstreamNodeIds.includes(nodeIdOf(e))) n.upstreamNodeIds.push(nodeIdOf(e));
  }

  #nameOf(e: Callable<any, any> | LaunchPlanDef): string {
    return String(this.#resolver.idOf(e as Entity).name ?? e.kind);
  }

  #nodeId(opts: { id?: string }): string {
    const id = opts.id ?? `${this.#prefix}${this.#counter.n++}`;
    if (this.nodes.some((n) => n.id === id)) throw invalidArgument("sdk.duplicate_node", `node id ${id} is used twice`);
    return id;
  }

  #common(
    types: TypeMap,
    bindings: Record<string, unknown>,
    opts: NodeOptions,
    id: string,
    name: string,
    optional = new Set<string>(),
  ): Partial<NodeInit> {
    const inputs = [];
    for (const [k, ty] of Object.entries(types)) {
      const v = bindings[k];
      if (v === undefined) {
        if (ty.name.endsWith("?") || optional.has(k)) continue;
        throw invalidArgument("sdk.unbound_input", `node ${id}: input ${k} is not bound`);
      }
      inputs.push({ var: k, binding: bindingData(ty, v as Bindable<unknown>, `${id}.${k}`) });
    }
    for (const k of Object.keys(bindings)) {
      if (!(k in types)) throw invalidArgument("sdk.unknown_input", `node ${id}: ${k} is not an input of ${name}`);
    }
    const metadata: Record<string, unknown> = { name: opts.name ?? name };
    if (opts.retries !== undefined) metadata.retries = { retries: opts.retries };
    if (opts.timeoutMs !== undefined) metadata.timeout = durationInit(opts.timeoutMs);
    if (opts.interruptible !== undefined)
      metadata.interruptibleValue = { case: "interruptible", value: opts.interruptible };
    return { metadata, inputs, upstreamNodeIds: (opts.after ?? []).map(nodeIdOf) };
  }

  #add(init: NodeInit, outputs: TypeMap): Record<string, unknown> & { $node: NodeHandle } {
    const node = create(NodeSchema, init as MessageInitShape<typeof NodeSchema>);
    this.nodes.push(node);
    const out: Record<string, unknown> & { $node: NodeHandle } = { $node: { nodeId: node.id } };
    for (const [k, ty] of Object.entries(outputs)) out[k] = new Ref(node.id, k, ty);
    return out;
  }
}

export function nodeIdOf(o: Orderable): string {
  if (o instanceof Ref) return o.nodeId;
  return "$node" in o ? o.$node.nodeId : o.nodeId;
}

export function durationInit(ms: number) {
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

function targetOf(e: Callable<any, any> | LaunchPlanDef, id: IdInit): NodeInit["target"] {
  switch (e.kind) {
    case "task":
    case "dynamic":
      return { case: "taskNode", value: { reference: { case: "referenceId", value: id } } };
    case "workflow":
      return { case: "workflowNode", value: { reference: { case: "subWorkflowRef", value: id } } };
    case "launch-plan":
    case "launch-plan-ref":
      return { case: "workflowNode", value: { reference: { case: "launchplanRef", value: id } } };
  }
}

export type { WorkflowDef };
