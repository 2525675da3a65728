// Test support: an EventSink that behaves like admin's event endpoints where the engine can tell (ALREADY_EXISTS for a
// repeated phase, FAILED_PRECONDITION + already_in_terminal_state after a terminal phase) and records what it accepted.
import { create } from "@bufbuild/protobuf";
import type {
  NodeExecutionEventRequest,
  TaskExecutionEventRequest,
  WorkflowExecutionEventRequest,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import { EventFailureReasonSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import type {
  NodeExecutionEvent,
  TaskExecutionEvent,
  WorkflowExecutionEvent,
} from "@aloft/idl/flyteidl/event/event_pb.js";
import { AloftError, Code } from "@aloft/core";
import { NODE_TERMINAL, TASK_TERMINAL, WORKFLOW_TERMINAL } from "@aloft/core";
import type { EventSink } from "../ports.ts";

type Recorded =
  | { kind: "wf"; event: WorkflowExecutionEvent }
  | { kind: "node"; event: NodeExecutionEvent }
  | { kind: "task"; event: TaskExecutionEvent };

function terminalError(phase: string): AloftError {
  return new AloftError(Code.FAILED_PRECONDITION, "event.already_terminal", `already in terminal state ${phase}`, {
    details: [
      {
        schema: EventFailureReasonSchema,
        value: create(EventFailureReasonSchema, {
          reason: { case: "alreadyInTerminalState", value: { currentPhase: phase } },
        }),
      },
    ],
  });
}

const dup = () => new AloftError(Code.ALREADY_EXISTS, "event.duplicate", "event already recorded");

export class RecordingEventSink implements EventSink {
  readonly events: Recorded[] = [];
  readonly #wf = new Map<string, WorkflowExecution_Phase>();
  readonly #node = new Map<string, NodeExecution_Phase>();
  readonly #task = new Map<string, { phase: TaskExecution_Phase; version: number }>();
  /** Set to make the next N calls fail with UNAVAILABLE (a flaky admin). */
  failNext = 0;
  /** Returns an error to refuse a node event with (e.g. INVALID_ARGUMENT for an oversized one). */
  rejectNode: ((e: NodeExecutionEvent) => AloftError | undefined) | undefined;
  /** Executions admin "does not know": every event about them is NOT_FOUND. */
  readonly unknown = new Set<string>();
  /**
   * Calls may overlap (the engine then sends a round's events without awaiting each): every answer comes a turn later,
   * and a child node's event is NOT_FOUND before its parent node has one (as admin looks the parent up).
   */
  concurrent = process.env["ALOFT_TEST_CONCURRENT_EVENTS"] === "1";

  async #turn(): Promise<void> {
    if (this.concurrent) await new Promise((resolve) => setImmediate(resolve));
  }

  #maybeFail(execName?: string) {
    if (execName !== undefined && this.unknown.has(execName)) {
      throw new AloftError(Code.NOT_FOUND, "test.not_found", `execution ${execName} not found`);
    }
    if (this.failNext > 0) {
      this.failNext--;
      throw new AloftError(Code.UNAVAILABLE, "test.unavailable", "admin unavailable");
    }
  }

  async workflowEvent(req: WorkflowExecutionEventRequest): Promise<void> {
    const e = req.event!;
    await this.#turn();
    this.#maybeFail(e.executionId?.name);
    const key = e.executionId!.name;
    const cur = this.#wf.get(key);
    if (cur === e.phase) throw dup();
    if (cur !== undefined && WORKFLOW_TERMINAL.has(cur)) throw terminalError(WorkflowExecution_Phase[cur]);
    this.#wf.set(key, e.phase);
    this.events.push({ kind: "wf", event: e });
  }

  async nodeEvent(req: NodeExecutionEventRequest): Promise<void> {
    const e = req.event!;
    await this.#turn();
    this.#maybeFail(e.id?.executionId?.name);
    const rejected = this.rejectNode?.(e);
    if (rejected) throw rejected;
    const key = `${e.id!.executionId!.name}/${e.id!.nodeId}`;
    const parent = e.parentNodeMetadata && `${e.id!.executionId!.name}/${e.parentNodeMetadata.nodeId}`;
    if (this.concurrent && parent && !this.#node.has(parent) && !this.#node.has(key)) {
      throw new AloftError(Code.NOT_FOUND, "test.parent_not_found", `parent node ${parent} not found`);
    }
    const cur = this.#node.get(key);
    if (cur === e.phase) throw dup();
    if (cur !== undefined && NODE_TERMINAL.has(cur)) throw terminalError(NodeExecution_Phase[e.phase]);
    this.#node.set(key, e.phase);
    this.events.push({ kind: "node", event: e });
  }

  async taskEvent(req: TaskExecutionEventRequest): Promise<void> {
    const e = req.event!;
    await this.#turn();
    this.#maybeFail(e.parentNodeExecutionId?.executionId?.name);
    const key = `${e.parentNodeExecutionId!.executionId!.name}/${e.parentNodeExecutionId!.nodeId}/${e.retryAttempt}`;
    const cur = this.#task.get(key);
    if (cur && cur.phase === e.phase && cur.version >= e.phaseVersion) throw dup();
    if (cur && TASK_TERMINAL.has(cur.phase)) throw terminalError(TaskExecution_Phase[cur.phase]);
    this.#task.set(key, { phase: e.phase, version: e.phaseVersion });
    this.events.push({ kind: "task", event: e });
  }

  /** Compact lines: `wf RUNNING`, `node n0 QUEUED`, `task n0#0 RUNNING v1`. */
  lines(execName?: string): string[] {
    const out: string[] = [];
    for (const r of this.events) {
      if (r.kind === "wf") {
        if (execName && r.event.executionId?.name !== execName) continue;
        out.push(`wf ${WorkflowExecution_Phase[r.event.phase]}`);
      } else if (r.kind === "node") {
        if (execName && r.event.id?.executionId?.name !== execName) continue;
        out.push(`node ${r.event.id?.nodeId} ${NodeExecution_Phase[r.event.phase]}`);
      } else {
        if (execName && r.event.parentNodeExecutionId?.executionId?.name !== execName) continue;
        out.push(
          `task ${r.event.parentNodeExecutionId?.nodeId}#${r.event.retryAttempt} ${TaskExecution_Phase[r.event.phase]} v${r.event.phaseVersion}`,
        );
      }
    }
    return out;
  }
}
