// One round of the workflow state machine (upstream flytepropeller/pkg/apis/flyteworkflow/v1alpha1/iface.go, flytepropeller/pkg/controller/workflow/executor.go, upstream flytepropeller/pkg/controller/workflow/executor.go): Ready → Running → Succeeding → Success,
// Failing → (HandlingFailureNode) → Failed, and abort from any non-terminal phase → Aborted.
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { WorkflowExecution_Phase as WfPhase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { putMessage } from "@aloft/core";
import {
  END_NODE_ID,
  START_NODE_ID,
  nodeDataDir,
  nodeOutputDir,
  workflowInputsKey,
  workflowOutputsKey,
} from "@aloft/core";
import type { ExecContext } from "./context.ts";
import { abortScope, executeDag, visitNode } from "./dag-executor.ts";
import { sendWorkflowEvent } from "./events.ts";
import { RoundEvents } from "./round-events.ts";
import type { DagResult } from "../nodes/node-executor-port.ts";
import { failureNodeScope, primaryScope, syncFailureNode } from "./scopes.ts";
import { isTerminalWorkflowPhase, statusError, type StatusError, type WorkflowPhase } from "./status.ts";
import { labelsOf } from "../metrics/engine-metrics.ts";

const TIMEOUT_ERROR = statusError("USER", "Timeout", "Timeout in node");
const AUTO_ABORT = "Some node execution failed, auto-abort.";
const MISMATCH =
  "workflow state mismatch between propeller and control plane; the control plane already has this execution in a terminal state";

export async function executeRound(exec: ExecContext, abortCause: string | undefined): Promise<void> {
  const s = exec.status;
  if (isTerminalWorkflowPhase(s.phase)) return;
  if (abortCause !== undefined) return abortWorkflow(exec, abortCause);
  switch (s.phase) {
    case "Ready": {
      s.phase = "Running";
      s.startedAt = exec.now();
      await putMessage(exec.deps.blobs, workflowInputsKey(exec.wfDir), LiteralMapSchema, exec.spec.inputs);
      await transition(exec, "Running", WfPhase.RUNNING);
      exec.deps.metrics?.workflowAccepted(labelsOf(exec.spec), Math.max(0, exec.now() - exec.spec.acceptedAt));
      return;
    }
    case "Running": {
      const r = await executePrimary(exec);
      if (r.state === "pending") return;
      if (r.state === "complete") {
        const endedAt = s.nodes[END_NODE_ID]?.stoppedAt;
        if (endedAt !== undefined)
          exec.deps.metrics?.workflowCompleting(labelsOf(exec.spec), Math.max(0, exec.now() - endedAt));
        return transition(exec, "Succeeding", WfPhase.SUCCEEDING);
      }
      s.error = r.timedOut ? TIMEOUT_ERROR : r.error;
      return transition(exec, "Failing", WfPhase.FAILING, { error: s.error });
    }
    case "Succeeding": {
      s.outputRef = exec.deps.blobs.uri(workflowOutputsKey(exec.wfDir));
      return transition(exec, "Success", WfPhase.SUCCEEDED, { outputUri: s.outputRef });
    }
    case "Failing": {
      await abortScope(primaryScope(exec), AUTO_ABORT, true);
      if (exec.index.closure.primary?.template?.failureNode) {
        s.phase = "HandlingFailureNode";
        return;
      }
      return transition(exec, "Failed", WfPhase.FAILED, { error: s.error ?? unknownError() });
    }
    case "HandlingFailureNode": {
      const scope = failureScope(exec);
      if (!scope) return transition(exec, "Failed", WfPhase.FAILED, { error: s.error ?? unknownError() });
      const r = await visitNode(scope, scope.order[0]!);
      syncFailureNode(scope, s);
      if (r.state === "pending") return;
      if (r.state === "failed") s.error = r.timedOut ? TIMEOUT_ERROR : r.error;
      return transition(exec, "Failed", WfPhase.FAILED, { error: s.error ?? unknownError() });
    }
  }
}

/**
 * The primary DAG's visits, the nested scopes' within them included; with a concurrent sink their events go without
 * waiting for each, and are all answered before this returns — before the workflow event and before the round is
 * saved. A refused event fails the round as the first refusal would have had the round awaited each event
 * (round-events.ts).
 */
async function executePrimary(exec: ExecContext): Promise<DagResult> {
  if (!exec.deps.sink.concurrent) return executeDag(primaryScope(exec));
  const events = new RoundEvents();
  exec.events = events;
  let result: DagResult | undefined;
  let thrown: { error: unknown } | undefined;
  try {
    result = await executeDag(primaryScope(exec));
  } catch (error) {
    thrown = { error };
  }
  try {
    await events.flush(thrown);
  } finally {
    delete exec.events;
  }
  return result!;
}

const unknownError = () => statusError("UNKNOWN", "RuntimeExecutionError", "Unknown error");

function failureScope(exec: ExecContext) {
  const node = exec.index.closure.primary?.template?.failureNode;
  if (!node) return undefined;
  const startOut = nodeOutputDir(nodeDataDir(exec.wfDir, START_NODE_ID), 0);
  return failureNodeScope(
    exec,
    node,
    exec.status,
    (id) => nodeDataDir(exec.wfDir, id),
    startOut,
    exec.status.error ?? unknownError(),
  );
}

/** Aborts every running node (task processes stopped, ABORTED events) and ends Aborted. */
async function abortWorkflow(exec: ExecContext, cause: string): Promise<void> {
  if (exec.status.phase !== "Ready") {
    await abortScope(primaryScope(exec), cause, true);
    const fscope = exec.status.phase === "HandlingFailureNode" ? failureScope(exec) : undefined;
    if (fscope) await abortScope(fscope, cause, true);
  }
  exec.status.message = cause;
  exec.deps.metrics?.workflowAborted(labelsOf(exec.spec));
  await transition(exec, "Aborted", WfPhase.ABORTED);
}

/**
 * Ends the execution after too many round errors (upstream flytepropeller/pkg/controller/handler.go): Failed, or Aborted when an abort was requested (an abort
 * always ends ABORTED, even when a plugin cannot stop its task). Node aborts are best effort here.
 */
export async function endAfterSystemErrors(
  exec: ExecContext,
  attempts: number,
  max: number,
  last: string,
  abortCause: string | undefined,
): Promise<void> {
  const error = statusError(
    "SYSTEM",
    "Workflow abort failed",
    `max number of system retry attempts [${attempts}/${max}] exhausted. Last known status message: ${last}`,
  );
  exec.deps.metrics?.workflowAborted(labelsOf(exec.spec));
  if (exec.status.phase !== "Ready") {
    try {
      await abortScope(primaryScope(exec), abortCause ?? error.message, true);
    } catch {
      // best effort: the execution ends regardless
    }
  }
  if (abortCause !== undefined) {
    exec.status.message = abortCause;
    await transition(exec, "Aborted", WfPhase.ABORTED);
    return;
  }
  exec.status.error = error;
  await transition(exec, "Failed", WfPhase.FAILED, { error });
}

async function transition(
  exec: ExecContext,
  phase: WorkflowPhase,
  eventPhase: WfPhase,
  result?: { outputUri?: string; error?: StatusError },
): Promise<void> {
  const s = exec.status;
  const answer = await sendWorkflowEvent(exec, eventPhase, result);
  if (answer === "terminal" && !isTerminalWorkflowPhase(phase)) {
    // Admin already ended this execution: stop what still runs (no node events; admin will refuse them).
    if (s.phase !== "Ready") await abortScope(primaryScope(exec), MISMATCH, false);
    s.phase = "Failed";
    s.message = MISMATCH;
    s.stoppedAt = exec.now();
    recordEnded(exec);
    return;
  }
  s.phase = phase;
  if (isTerminalWorkflowPhase(phase)) {
    s.stoppedAt = exec.now();
    recordEnded(exec);
    s.nodes = {};
    delete s.failureNode;
  }
}

/** An execution ended: its outcome and, when it ran, its duration (success_duration / failure_duration). */
function recordEnded(exec: ExecContext): void {
  const m = exec.deps.metrics;
  const s = exec.status;
  if (!m || (s.phase !== "Success" && s.phase !== "Failed" && s.phase !== "Aborted")) return;
  const ms =
    s.startedAt === undefined || s.stoppedAt === undefined ? undefined : Math.max(0, s.stoppedAt - s.startedAt);
  m.workflowEnded(labelsOf(exec.spec), s.phase, ms);
}
