// Accepting a launch is writing it into the workflow store: the execution's spec and a Ready status. An engine does
// it in Engine.launch (then queues the execution at once); an admin without an engine in its process (`aloft admin`)
// does only this, and the engine that shares the store picks the execution up at its next resync.
import type { CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { invalidArgument } from "@aloft/core";
import {
  executionKey,
  type ExecutionKey,
  type ExecutionSpec,
  type LaunchSpec,
  type WorkflowStore,
} from "../store/workflow-store.ts";

export interface LaunchRequest {
  executionId: ExecutionKey;
  closure: CompiledWorkflowClosure;
  inputs: LiteralMap;
  spec: LaunchSpec;
}

/** The stored spec of a launch accepted at `acceptedAt` (epoch ms); INVALID_ARGUMENT for a launch no engine could run. */
export function launchDocument(req: LaunchRequest, acceptedAt: number): ExecutionSpec {
  const id = { project: req.executionId.project, domain: req.executionId.domain, name: req.executionId.name };
  if (!id.project || !id.domain || !id.name)
    throw invalidArgument("engine.invalid_execution_id", "execution id needs project, domain and name");
  if (!req.closure.primary?.template)
    throw invalidArgument("engine.invalid_closure", "the compiled closure has no primary workflow");
  return { executionId: id, closure: req.closure, inputs: req.inputs, spec: req.spec, acceptedAt };
}

/** Writes an accepted launch; false when the execution exists already (launching is idempotent). */
export function writeLaunch(store: WorkflowStore, spec: ExecutionSpec): Promise<boolean> {
  return store.create(spec, { phase: "Ready", failedAttempts: 0, nodes: {} });
}

/**
 * A launch writer over a shared store: what an admin without an engine needs to launch and abort. The abort request
 * is stored for the engine's next round; false for an execution the store does not know.
 */
export function storeLauncher(store: WorkflowStore, now: () => number) {
  return {
    launch: async (req: LaunchRequest): Promise<boolean> => writeLaunch(store, launchDocument(req, now())),
    abort: (executionId: ExecutionKey, cause: string): Promise<boolean> =>
      store.requestAbort(executionKey(executionId), cause),
  };
}
