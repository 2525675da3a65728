// The adapters between admin and engine in one process, both ways. Admin and engine never import each other: admin
// launches through its WorkflowExecutor port, the engine reports and asks through its ports (EventSink, child
// executions, recovery, catalog, signals); here each port is implemented by the other side's objects, called
// directly (same validation, same AloftErrors as over the network, where remote.ts implements the engine's ports).
import { create } from "@bufbuild/protobuf";
import {
  ExecutionTerminateRequestSchema,
  WorkflowExecutionGetDataRequestSchema,
  WorkflowExecutionGetRequestSchema,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  NodeExecutionGetDataRequestSchema,
  NodeExecutionGetRequestSchema,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { notFound } from "@aloft/core";
import type { ExecutionManagers } from "@aloft/admin";
import type { DataCatalogManager } from "@aloft/admin";
import { launchSpecOf } from "@aloft/admin";
import type { SignalManager } from "@aloft/admin";
import type { ExecuteInput, WorkflowExecutor } from "@aloft/admin";
import type { ScheduledLaunch } from "@aloft/admin";
import type { LaunchRequest } from "@aloft/engine";
import type { CatalogPort, ChildExecutionPort, EventSink, RecoveryPort, SignalPort } from "@aloft/engine";
import type { ExecutionKey } from "@aloft/engine";

// ── admin → engine ──────────────────────────────────────────────────────────────────────────────────────────────

/** What admin launches into: an Engine, or only the engine's store (storeLauncher) when no engine runs here. */
export interface Launcher {
  /** Idempotent: launching an execution that exists is a no-op. */
  launch(req: LaunchRequest): Promise<boolean>;
  /** False for an execution the engine does not know. */
  abort(executionId: ExecutionKey, cause: string): Promise<boolean>;
}

/**
 * Admin's WorkflowExecutor port over a Launcher. The launcher is looked up at each call: in the sandbox admin needs
 * its executor before the engine exists (the engine is built from admin's managers), and this lookup is the one late
 * binding that closes that cycle.
 */
export class EngineExecutor implements WorkflowExecutor {
  readonly name = "local-engine";
  readonly #launcher: () => Launcher | undefined;

  constructor(launcher: () => Launcher | undefined) {
    this.#launcher = launcher;
  }

  async execute(input: ExecuteInput): Promise<{ cluster: string }> {
    await this.#engine().launch({
      executionId: input.executionId,
      closure: input.closure,
      inputs: input.inputs,
      spec: launchSpecOf(input),
    });
    return { cluster: "local" };
  }

  async abort(input: { executionId: ExecuteInput["executionId"]; cluster: string; cause: string }): Promise<void> {
    if (!(await this.#engine().abort(input.executionId, input.cause))) {
      throw notFound("engine.unknown_execution", `execution ${input.executionId.name} is not known to the engine`);
    }
  }

  #engine(): Launcher {
    const launcher = this.#launcher();
    if (!launcher) throw notFound("engine.not_started", "the engine is not running");
    return launcher;
  }
}

// ── engine → admin ──────────────────────────────────────────────────────────────────────────────────────────────

export interface InProcessAdmin {
  sink: EventSink;
  children: ChildExecutionPort;
  recovery: RecoveryPort;
  catalog: CatalogPort;
  signals: SignalPort;
}

/** Every port the engine needs, implemented by admin's managers (the in-process counterpart of remoteAdmin). */
export function inProcessAdmin(m: {
  executions: ExecutionManagers;
  dataCatalog: DataCatalogManager;
  signals: SignalManager;
}): InProcessAdmin {
  return {
    sink: inProcessEventSink(m.executions),
    children: inProcessChildExecutions(m.executions),
    recovery: inProcessRecovery(m.executions),
    catalog: inProcessCatalog(m.dataCatalog),
    signals: inProcessSignals(m.signals),
  };
}

/**
 * The engine's events: the three event RPCs called directly (the engine treats ALREADY_EXISTS as success), node and
 * task events without building the responses nobody reads.
 */
export function inProcessEventSink(m: ExecutionManagers): EventSink {
  return {
    workflowEvent: async (req) => {
      await m.executionEvents.createWorkflowEvent(req);
    },
    nodeEvent: (req) => m.nodeEvents.recordNodeEvent(req),
    taskEvent: (req) => m.taskEvents.recordTaskEvent(req),
  };
}

/** Launch-plan nodes: the engine creates, reads and terminates child executions through admin directly. */
export function inProcessChildExecutions(m: ExecutionManagers): ChildExecutionPort {
  return {
    createExecution: async (req) => {
      await m.executions.create(req);
    },
    getExecution: (id) => m.executionQueries.get(create(WorkflowExecutionGetRequestSchema, { id })),
    getOutputs: async (id) =>
      (await m.executionQueries.getData(create(WorkflowExecutionGetDataRequestSchema, { id }))).fullOutputs ??
      create(LiteralMapSchema),
    terminateExecution: async (id, cause) => {
      await m.executionQueries.terminate(create(ExecutionTerminateRequestSchema, { id, cause }));
    },
  };
}

/** Recovery executions: the original's node executions read from admin directly. */
export function inProcessRecovery(m: ExecutionManagers): RecoveryPort {
  return {
    getNodeExecution: (id) => m.nodeExecutions.get(create(NodeExecutionGetRequestSchema, { id })),
    getNodeExecutionData: (id) => m.nodeExecutions.getData(create(NodeExecutionGetDataRequestSchema, { id })),
  };
}

/** Task caching: admin's DataCatalog manager has the port's shape already (datacatalog.DataCatalog's RPCs). */
export function inProcessCatalog(m: DataCatalogManager): CatalogPort {
  return m;
}

/** Approve and signal gates: the engine creates and polls its signals through admin directly. */
export function inProcessSignals(m: SignalManager): SignalPort {
  return { getOrCreateSignal: (req) => m.getOrCreate(req) };
}

// ── scheduler → admin ───────────────────────────────────────────────────────────────────────────────────────────

/** The scheduler's launches in `aloft start`: admin's CreateExecution called directly (same validation and errors). */
export function inProcessScheduledLaunch(m: ExecutionManagers): ScheduledLaunch {
  return async (req) => {
    await m.executions.create(req);
  };
}
