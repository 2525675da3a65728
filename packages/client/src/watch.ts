// Watch helpers: poll an execution until it reaches a terminal phase, reporting each phase change.
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Execution } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { AdminClient } from "./pagination.ts";
import { realSleep, type Sleep } from "./retry.ts";

const TERMINAL_EXECUTION = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.TIMED_OUT,
  WorkflowExecution_Phase.ABORTED,
]);
export const isTerminalExecutionPhase = (p: WorkflowExecution_Phase) => TERMINAL_EXECUTION.has(p);

export type ExecutionId = MessageInitShape<typeof WorkflowExecutionIdentifierSchema>;

export interface WatchOptions {
  /** Poll interval; default 1000 ms. */
  intervalMs?: number;
  /** Called with the first phase seen and every change after it. */
  onPhase?: (phase: WorkflowExecution_Phase, execution: Execution) => void | Promise<void>;
  /** Called after every poll (e.g. to refresh a progress view of the nodes). */
  onPoll?: (execution: Execution) => void | Promise<void>;
  signal?: AbortSignal;
  sleep?: Sleep;
}

/** Polls GetExecution until the execution is terminal and returns it (rejects if `signal` aborts). */
export async function watchExecution(client: AdminClient, id: ExecutionId, o: WatchOptions = {}): Promise<Execution> {
  const sleep = o.sleep ?? realSleep;
  let last: WorkflowExecution_Phase | undefined;
  for (;;) {
    const execution = await client.getExecution({ id }, { signal: o.signal });
    const phase = execution.closure?.phase ?? WorkflowExecution_Phase.UNDEFINED;
    if (phase !== last) {
      last = phase;
      await o.onPhase?.(phase, execution);
    }
    await o.onPoll?.(execution);
    if (isTerminalExecutionPhase(phase)) return execution;
    await sleep(o.intervalMs ?? 1000, o.signal);
  }
}
