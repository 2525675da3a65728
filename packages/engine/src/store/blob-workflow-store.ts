// WorkflowStore on the blob store (the work source of an engine whose blobs are on S3; on a local directory
// LocalWorkflowStore appends to a status log instead, over the same files): per execution, `spec.json` written once,
// `status.json` rewritten atomically after each round (blob stores replace objects whole), `abort.json` on request;
// `engine/workflows/active/<key>` marks non-terminal executions so restart recovery lists only those.
// One engine process owns a store: versions are checked against what this instance wrote last.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { CompiledWorkflowClosureSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { listAll, type BlobStore } from "@aloft/core";
import { joinKey } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import { isTerminalWorkflowPhase, type WorkflowStatus } from "../executor/status.ts";
import { encodeStoredStatus } from "./status-json.ts";
import {
  executionKey,
  type ExecutionSpec,
  type LaunchSpec,
  type StoredStatus,
  type WorkflowStore,
} from "./workflow-store.ts";

export const DEFAULT_ENGINE_STORE_PREFIX = "engine/workflows";

/** The key of one of an execution's files (`spec.json`, `status.json`, `abort.json`). */
export function documentKey(prefix: string, key: string, file: string): string {
  return joinKey(prefix, "executions", key, file);
}

/** The marker of a non-terminal execution. */
export function activeMarkerKey(prefix: string, key: string): string {
  return joinKey(prefix, "active", key);
}

interface SpecJson {
  executionId: ExecutionSpec["executionId"];
  closure: string;
  inputs: string;
  spec: LaunchSpec;
  acceptedAt: number;
}

export class BlobWorkflowStore implements WorkflowStore {
  readonly #blobs: BlobStore;
  readonly #prefix: string;
  readonly #versions = new Map<string, number>();

  constructor(blobs: BlobStore, prefix: string = DEFAULT_ENGINE_STORE_PREFIX) {
    this.#blobs = blobs;
    this.#prefix = prefix;
  }

  #docKey(key: string, file: string) {
    return documentKey(this.#prefix, key, file);
  }
  #activeKey(key: string) {
    return activeMarkerKey(this.#prefix, key);
  }

  async create(spec: ExecutionSpec, status: WorkflowStatus): Promise<boolean> {
    const key = executionKey(spec.executionId);
    if (await this.#blobs.exists(this.#docKey(key, "status.json"))) return false;
    const json: SpecJson = {
      executionId: spec.executionId,
      closure: Buffer.from(toBinary(CompiledWorkflowClosureSchema, spec.closure)).toString("base64"),
      inputs: Buffer.from(toBinary(LiteralMapSchema, spec.inputs)).toString("base64"),
      spec: spec.spec,
      acceptedAt: spec.acceptedAt,
    };
    await this.#blobs.put(this.#docKey(key, "spec.json"), JSON.stringify(json), { contentType: "application/json" });
    // The active marker goes before the status: a crash in between leaves a listed key without status, which
    // recovery skips; never a status that recovery cannot find.
    await this.#blobs.put(this.#activeKey(key), "", { contentType: "text/plain" });
    await this.#writeStatus(key, status, 1);
    this.#versions.set(key, 1);
    return true;
  }

  async getSpec(key: string): Promise<ExecutionSpec | undefined> {
    const raw = await this.#read(this.#docKey(key, "spec.json"));
    if (raw === undefined) return undefined;
    const json = JSON.parse(raw) as SpecJson;
    return {
      executionId: json.executionId,
      closure: fromBinary(CompiledWorkflowClosureSchema, Buffer.from(json.closure, "base64")),
      inputs: fromBinary(LiteralMapSchema, Buffer.from(json.inputs, "base64")),
      spec: json.spec,
      acceptedAt: json.acceptedAt,
    };
  }

  async getStatus(key: string): Promise<StoredStatus | undefined> {
    const raw = await this.#read(this.#docKey(key, "status.json"));
    if (raw === undefined) return undefined;
    const stored = JSON.parse(raw) as StoredStatus;
    // Never move the known version backwards: a read racing this instance's own write may return the older object.
    const known = this.#versions.get(key);
    if (known === undefined || stored.version > known) this.#versions.set(key, stored.version);
    return stored;
  }

  async updateStatus(key: string, status: WorkflowStatus, expectedVersion: number): Promise<number> {
    const current = this.#versions.get(key);
    if (current !== undefined && current !== expectedVersion) {
      throw new AloftError(Code.ABORTED, "engine.workflow_conflict", `execution ${key} was updated concurrently`);
    }
    const next = expectedVersion + 1;
    await this.#writeStatus(key, status, next);
    this.#versions.set(key, next);
    if (isTerminalWorkflowPhase(status.phase)) await this.#blobs.delete(this.#activeKey(key));
    return next;
  }

  async requestAbort(key: string, cause: string): Promise<boolean> {
    if (!(await this.#blobs.exists(this.#docKey(key, "status.json")))) return false;
    if (await this.#blobs.exists(this.#docKey(key, "abort.json"))) return true;
    await this.#blobs.put(this.#docKey(key, "abort.json"), JSON.stringify({ cause }), {
      contentType: "application/json",
    });
    return true;
  }

  async getAbortRequest(key: string): Promise<string | undefined> {
    // Asked at the start of every streak and nearly always absent: a head answers that without a failed read.
    const doc = this.#docKey(key, "abort.json");
    if (!(await this.#blobs.exists(doc))) return undefined;
    const raw = await this.#read(doc);
    return raw === undefined ? undefined : (JSON.parse(raw) as { cause: string }).cause;
  }

  async listActive(): Promise<string[]> {
    const prefix = `${joinKey(this.#prefix, "active")}/`;
    const keys: string[] = [];
    for await (const entry of listAll(this.#blobs, prefix)) keys.push(entry.key.slice(prefix.length));
    return keys;
  }

  async #writeStatus(key: string, status: WorkflowStatus, version: number) {
    const body = encodeStoredStatus(status, version);
    await this.#blobs.put(this.#docKey(key, "status.json"), body, { contentType: "application/json" });
  }

  async #read(key: string): Promise<string | undefined> {
    try {
      return Buffer.from(await this.#blobs.get(key)).toString("utf8");
    } catch (e) {
      if (e instanceof AloftError && e.code === Code.NOT_FOUND) return undefined;
      throw e;
    }
  }
}
