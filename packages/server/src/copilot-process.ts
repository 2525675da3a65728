// `aloft copilot download|upload`: copilot's two containers in the pod of a raw container task with a data config
// (the pod plugin adds them, packages/engine/src/plugins/k8s-pod/copilot.ts). download writes the task's inputs into
// the shared inputs volume before the primary container starts; upload waits for the primary container to terminate
// (its pod's status, read through the Kubernetes API: the pod's service account needs `get pods`) and, when it exited
// 0, uploads the outputs volume as outputs.pb (or error.pb) to the output prefix. The staging code is the local
// runtime's (downloadInputs / uploadOutputs); the blob store is the engine's, from ALOFT_STORAGE__*.
import { fromBinary } from "@bufbuild/protobuf";
import { VariableMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { BlobStore } from "@aloft/core";
import { AloftError, Code, failedPrecondition } from "@aloft/core";
import { downloadInputs, uploadOutputs } from "@aloft/engine";
import type { KubeApi } from "@aloft/kube";
import { isNotFound, resources } from "@aloft/kube";

export type LiteralMapFormat = "JSON" | "YAML" | "PROTO";

export function formatOf(raw: string): LiteralMapFormat {
  const f = raw.toUpperCase();
  if (f !== "JSON" && f !== "YAML" && f !== "PROTO") throw new Error(`${raw} is not JSON, YAML or PROTO`);
  return f;
}

export async function copilotDownload(
  store: BlobStore,
  opts: { fromRemote: string; toLocalDir: string; format: LiteralMapFormat },
): Promise<void> {
  await downloadInputs(store, opts.fromRemote, opts.toLocalDir, opts.format);
}

export interface WaitOptions {
  namespace: string;
  pod: string;
  primary: string;
  pollMs?: number;
  /** Give up when the primary container has not terminated after this long (0 = never). */
  timeoutMs?: number;
}

/**
 * The primary container's terminated state, once the pod's status reports it. A failing read is tried again (the API
 * server may be briefly away) except a missing pod or a refusal, which no retry mends.
 */
export async function waitForPrimary(api: KubeApi, w: WaitOptions): Promise<{ exitCode: number; reason?: string }> {
  const deadline = w.timeoutMs ? Date.now() + w.timeoutMs : Number.POSITIVE_INFINITY;
  for (;;) {
    const pod = await api.get(resources.pods, w.pod, { namespace: w.namespace }).catch((err: unknown) => {
      const refused = err instanceof AloftError && [Code.PERMISSION_DENIED, Code.UNAUTHENTICATED].includes(err.code);
      if (isNotFound(err) || refused) throw err;
      return undefined;
    });
    const statuses = (pod?.["status"]?.["containerStatuses"] ?? []) as Record<string, any>[];
    const t = statuses.find((s) => s["name"] === w.primary)?.["state"]?.["terminated"];
    if (t) return { exitCode: Number(t["exitCode"]), ...(t["reason"] ? { reason: String(t["reason"]) } : {}) };
    if (Date.now() > deadline)
      throw failedPrecondition(
        "copilot.timeout",
        `container ${w.primary} of pod ${w.namespace}/${w.pod} did not terminate within ${w.timeoutMs} ms`,
      );
    await new Promise((r) => setTimeout(r, w.pollMs ?? 1000));
  }
}

export interface UploadOptions {
  fromLocalDir: string;
  toOutputPrefix: string;
  toRawOutput: string;
  /** The task's output variables: a VariableMap, serialized and base64-encoded. */
  outputsInterface: string;
}

/**
 * After the primary container: nothing when it failed (its exit fails the task); otherwise outputs.pb, or error.pb
 * with the reason the outputs could not be read. Returns what was done, for the log.
 */
export async function copilotUpload(store: BlobStore, exitCode: number, opts: UploadOptions): Promise<string> {
  if (exitCode !== 0) return `the primary container exited ${exitCode}: no outputs uploaded`;
  const outputs = fromBinary(VariableMapSchema, Buffer.from(opts.outputsInterface, "base64"));
  const target = { store, outputPrefix: opts.toOutputPrefix, rawOutputPrefix: opts.toRawOutput };
  const { error } = await uploadOutputs(target, outputs, opts.fromLocalDir);
  return error === undefined
    ? `outputs uploaded to ${opts.toOutputPrefix}`
    : `error document written to ${opts.toOutputPrefix}: ${error}`;
}
