// Offloading the static part of a FlyteWorkflow (spec, sub-workflows, tasks) to the blob store, so no execution fails
// on etcd's object size limit (1.5 MiB by default). Upstream admin does it for every execution when
// `useOffloadedWorkflowClosure` is on: the resource keeps `workflowClosureReference` (an `admin.WorkflowClosure`)
// and `spec`/`tasks` become null; propeller reads the closure back and rebuilds the fields before each round
// (`BuildWfClosureCrdFields`). Here it happens when the static part would exceed a size (`alwaysOffload` for upstream's
// behaviour), and `resolveStaticPart` is the reader.
import { create, fromBinary } from "@bufbuild/protobuf";
import { type BlobStore, failedPrecondition, putMessage } from "@aloft/core";
import { WorkflowClosureSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import type { CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { buildStaticFields } from "./build.ts";
import { reorder } from "./prepare.ts";
import type { FlyteWorkflow } from "./types.ts";

/** Default threshold: a third of etcd's 1.5 MiB request limit, leaving room for the status that grows each round. */
export const DEFAULT_MAX_STATIC_BYTES = 512 * 1024;

export interface OffloadOptions {
  blobs: BlobStore;
  /** The closure the resource was built from. */
  closure: CompiledWorkflowClosure;
  /**
   * Where the `admin.WorkflowClosure` lives: admin's registered closure (`workflowClosureKey`) is reused when it is
   * already there, otherwise the closure is written to this key.
   */
  closureKey: string;
  /** Offload when the static part's JSON is larger than this (bytes). */
  maxStaticBytes?: number;
  /** Offload whatever the size (upstream admin's `useOffloadedWorkflowClosure`). */
  alwaysOffload?: boolean;
}

/** UTF-8 size of the static part as it would be stored. */
export function staticPartBytes(wf: FlyteWorkflow): number {
  return Buffer.byteLength(JSON.stringify({ spec: wf.spec, subWorkflows: wf.subWorkflows, tasks: wf.tasks }), "utf8");
}

/** The resource unchanged when small enough, else a copy whose static part is replaced by a closure reference. */
export async function offloadStaticPart(wf: FlyteWorkflow, opts: OffloadOptions): Promise<FlyteWorkflow> {
  if (wf.workflowClosureReference) return wf;
  const limit = opts.maxStaticBytes ?? DEFAULT_MAX_STATIC_BYTES;
  if (!opts.alwaysOffload && staticPartBytes(wf) <= limit) return wf;
  if (!(await opts.blobs.exists(opts.closureKey))) {
    await putMessage(
      opts.blobs,
      opts.closureKey,
      WorkflowClosureSchema,
      create(WorkflowClosureSchema, { compiledWorkflow: opts.closure }),
    );
  }
  const { subWorkflows: _dropped, ...rest } = wf;
  return reorder({ ...rest, spec: null, tasks: null, workflowClosureReference: opts.blobs.uri(opts.closureKey) });
}

export interface ResolvedStaticPart {
  /** The resource with spec, sub-workflows and tasks present. */
  workflow: FlyteWorkflow;
  /** The compiled closure read from the reference; undefined when the resource was not offloaded. */
  closure: CompiledWorkflowClosure | undefined;
}

/** Reads an offloaded static part back (propeller's handler does this before every round). */
export async function resolveStaticPart(wf: FlyteWorkflow, blobs: BlobStore | undefined): Promise<ResolvedStaticPart> {
  const ref = wf.workflowClosureReference;
  if (!ref) return { workflow: wf, closure: undefined };
  if (!blobs) {
    throw failedPrecondition(
      "flyteworkflow.offloaded",
      `the workflow closure is offloaded to ${ref}: a blob store is needed`,
    );
  }
  const stored = fromBinary(WorkflowClosureSchema, await blobs.get(blobs.keyOf(ref)));
  const closure = stored.compiledWorkflow;
  if (!closure?.primary) {
    throw failedPrecondition("flyteworkflow.offloaded", `the workflow closure at ${ref} has no compiled workflow`);
  }
  const fields = buildStaticFields(closure);
  const workflow = reorder({
    ...wf,
    spec: fields.spec,
    tasks: fields.tasks,
    ...(Object.keys(fields.subWorkflows).length > 0 ? { subWorkflows: fields.subWorkflows } : {}),
  });
  return { workflow, closure };
}
