// An in-memory WorkflowStore for unit tests (and a test double for restart: two engines may share one instance).
import { clone } from "@bufbuild/protobuf";
import { CompiledWorkflowClosureSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { AloftError, Code } from "@aloft/core";
import { plainNodes } from "../executor/node-map.ts";
import { isTerminalWorkflowPhase, type WorkflowStatus } from "../executor/status.ts";
import type { ExecutionSpec, StoredStatus, WorkflowStore } from "./workflow-store.ts";
import { executionKey } from "./workflow-store.ts";

interface Entry {
  spec: ExecutionSpec;
  status: string;
  version: number;
  abortCause?: string;
}

export class MemoryWorkflowStore implements WorkflowStore {
  readonly #entries = new Map<string, Entry>();
  /** Number of status writes (tests assert rounds without changes do not write). */
  writes = 0;

  async create(spec: ExecutionSpec, status: WorkflowStatus): Promise<boolean> {
    const key = executionKey(spec.executionId);
    if (this.#entries.has(key)) return false;
    const copy: ExecutionSpec = {
      ...spec,
      closure: clone(CompiledWorkflowClosureSchema, spec.closure),
      inputs: clone(LiteralMapSchema, spec.inputs),
      spec: structuredClone(spec.spec),
    };
    this.#entries.set(key, { spec: copy, status: JSON.stringify(status), version: 1 });
    return true;
  }

  async getSpec(key: string): Promise<ExecutionSpec | undefined> {
    return this.#entries.get(key)?.spec;
  }

  async getStatus(key: string): Promise<StoredStatus | undefined> {
    const e = this.#entries.get(key);
    return e ? { status: JSON.parse(e.status) as WorkflowStatus, version: e.version } : undefined;
  }

  async updateStatus(key: string, status: WorkflowStatus, expectedVersion: number): Promise<number> {
    const e = this.#entries.get(key);
    if (!e) throw new AloftError(Code.NOT_FOUND, "engine.workflow_not_found", `execution ${key} not found`);
    if (e.version !== expectedVersion) {
      throw new AloftError(Code.ABORTED, "engine.workflow_conflict", `execution ${key} was updated concurrently`);
    }
    e.status = JSON.stringify({ ...status, nodes: plainNodes(status.nodes) });
    e.version += 1;
    this.writes += 1;
    return e.version;
  }

  async requestAbort(key: string, cause: string): Promise<boolean> {
    const e = this.#entries.get(key);
    if (!e) return false;
    e.abortCause ??= cause;
    return true;
  }

  async getAbortRequest(key: string): Promise<string | undefined> {
    return this.#entries.get(key)?.abortCause;
  }

  async listActive(): Promise<string[]> {
    const out: string[] = [];
    for (const [key, e] of this.#entries) {
      const status = JSON.parse(e.status) as WorkflowStatus;
      if (!isTerminalWorkflowPhase(status.phase)) out.push(key);
    }
    return out.sort();
  }
}
