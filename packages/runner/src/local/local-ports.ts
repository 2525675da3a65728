// runLocal's stand-ins for admin: signals given up front (gates), and child executions of launch plans defined in the
// same module, run by the same in-process engine.
import { create } from "@bufbuild/protobuf";
import { SignalSchema, type Signal, type SignalGetOrCreateRequest } from "@aloft/idl/flyteidl/admin/signal_pb.js";
import {
  ExecutionSchema,
  type Execution,
  type ExecutionCreateRequest,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import {
  LiteralMapSchema,
  LiteralSchema,
  type Literal,
  type LiteralMap,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SimpleType, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { getMessage, type BlobStore } from "@aloft/core";
import { alreadyExists, invalidArgument, notFound } from "@aloft/core";
import type { Engine } from "@aloft/engine";
import type { WorkflowPhase } from "@aloft/engine";
import type { ChildExecutionPort, SignalPort } from "@aloft/engine";
import type { CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";

/** A signal value: a primitive (typed by the gate's declared type) or a Literal. */
export type SignalValue = boolean | number | string | Date | Literal;

function signalLiteral(v: SignalValue, type: LiteralType | undefined, id: string): Literal {
  if (typeof v === "object" && !(v instanceof Date)) return v;
  const simple =
    type?.type.case === "simple" ? type.type.value : typeof v === "boolean" ? SimpleType.BOOLEAN : SimpleType.STRING;
  const prim = (() => {
    switch (simple) {
      case SimpleType.BOOLEAN:
        return typeof v === "boolean" ? { case: "boolean" as const, value: v } : undefined;
      case SimpleType.INTEGER:
        return typeof v === "number" && Number.isSafeInteger(v)
          ? { case: "integer" as const, value: BigInt(v) }
          : undefined;
      case SimpleType.FLOAT:
        return typeof v === "number" ? { case: "floatValue" as const, value: v } : undefined;
      case SimpleType.STRING:
        return typeof v === "string" ? { case: "stringValue" as const, value: v } : undefined;
      case SimpleType.DATETIME:
        return v instanceof Date
          ? {
              case: "datetime" as const,
              value: { seconds: BigInt(Math.floor(v.getTime() / 1000)), nanos: (v.getTime() % 1000) * 1e6 },
            }
          : undefined;
      default:
        return undefined;
    }
  })();
  if (!prim)
    throw invalidArgument("sdk.bad_signal", `signal ${id}: ${String(v)} does not fit its type; pass a Literal`);
  return create(LiteralSchema, {
    value: { case: "scalar", value: { value: { case: "primitive", value: { value: prim } } } },
  });
}

/** Gates pass as soon as their signal is in `values`; others wait (bounded by node timeouts). */
export function localSignals(values: Record<string, SignalValue>): SignalPort {
  return {
    async getOrCreateSignal(req: SignalGetOrCreateRequest): Promise<Signal> {
      const id = req.id?.signalId ?? "";
      const v = values[id];
      return create(SignalSchema, {
        id: req.id,
        type: req.type,
        ...(v !== undefined && { value: signalLiteral(v, req.type, id) }),
      });
    },
  };
}

export interface LocalLaunchPlan {
  closure: CompiledWorkflowClosure;
  /** Defaults, overridden by the node's inputs, overridden by fixed inputs. */
  defaults: LiteralMap;
  fixed: LiteralMap;
}

const PHASES: Record<WorkflowPhase, WorkflowExecution_Phase> = {
  Ready: WorkflowExecution_Phase.QUEUED,
  Running: WorkflowExecution_Phase.RUNNING,
  Succeeding: WorkflowExecution_Phase.SUCCEEDING,
  Success: WorkflowExecution_Phase.SUCCEEDED,
  Failing: WorkflowExecution_Phase.FAILING,
  Failed: WorkflowExecution_Phase.FAILED,
  Aborted: WorkflowExecution_Phase.ABORTED,
  HandlingFailureNode: WorkflowExecution_Phase.FAILING,
};

const ERROR_KINDS = { UNKNOWN: 0, USER: 1, SYSTEM: 2 } as const;

/** Child executions of local launch plans (by launch-plan name), on the engine set with `bind`. */
export class LocalChildren implements ChildExecutionPort {
  #engine: Engine | undefined;

  constructor(
    private readonly launchPlans: (name: string) => LocalLaunchPlan | undefined,
    private readonly blobs: BlobStore,
  ) {}

  bind(engine: Engine): void {
    this.#engine = engine;
  }

  get #e(): Engine {
    if (!this.#engine) throw new Error("LocalChildren used before bind()");
    return this.#engine;
  }

  async createExecution(req: ExecutionCreateRequest): Promise<void> {
    const lpName = req.spec?.launchPlan?.name ?? "";
    const lp = this.launchPlans(lpName);
    if (!lp)
      throw notFound(
        "sdk.unknown_launch_plan",
        `launch plan ${lpName} is not defined in this module (runLocal runs local launch plans only)`,
      );
    const inputs = create(LiteralMapSchema, {
      literals: { ...lp.defaults.literals, ...req.inputs?.literals, ...lp.fixed.literals },
    });
    const created = await this.#e.launch({
      executionId: { project: req.project, domain: req.domain, name: req.name },
      closure: lp.closure,
      inputs,
      spec: { rawOutputPrefix: req.spec?.rawOutputDataConfig?.outputLocationPrefix || "raw" },
    });
    if (!created) throw alreadyExists("sdk.child_exists", `execution ${req.name} exists`);
  }

  async getExecution(id: WorkflowExecutionIdentifier): Promise<Execution> {
    const s = await this.#e.status({ project: id.project, domain: id.domain, name: id.name });
    if (!s) throw notFound("sdk.unknown_execution", `execution ${id.name} not found`);
    return create(ExecutionSchema, {
      id,
      closure: {
        phase: PHASES[s.phase],
        ...(s.error && {
          outputResult: {
            case: "error",
            value: { code: s.error.code, message: s.error.message, kind: ERROR_KINDS[s.error.kind] },
          },
        }),
      },
    });
  }

  async getOutputs(id: WorkflowExecutionIdentifier): Promise<LiteralMap> {
    const s = await this.#e.status({ project: id.project, domain: id.domain, name: id.name });
    if (!s?.outputRef) return create(LiteralMapSchema);
    return getMessage(this.blobs, this.blobs.keyOf(s.outputRef), LiteralMapSchema);
  }

  async terminateExecution(id: WorkflowExecutionIdentifier, cause: string): Promise<void> {
    await this.#e.abort({ project: id.project, domain: id.domain, name: id.name }, cause).catch(() => undefined);
  }
}
