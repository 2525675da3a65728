// The engine's status document inside a FlyteWorkflow resource: upstream's top-level status fields (the phase as
// propeller's WorkflowPhase number, timestamps, message, failed attempts) so that `kubectl get fly -o yaml` and
// upstream tooling read the phase, plus the engine's own document and its version under `status.aloft`. Node statuses
// are not rendered in upstream's shape (the spec allows it: no live Go propeller shares these resources).
import type { KubeObject } from "@aloft/kube";
import { plainNodes } from "../executor/node-map.ts";
import type { WorkflowPhase, WorkflowStatus } from "../executor/status.ts";
import type { StoredStatus } from "../store/workflow-store.ts";

/** propeller's `WorkflowPhase` (flytepropeller/pkg/apis/flyteworkflow/v1alpha1/iface.go). */
const PHASE_NUMBERS: Record<WorkflowPhase, number> = {
  Ready: 1,
  Running: 2,
  Succeeding: 3,
  Success: 4,
  Failing: 5,
  Failed: 6,
  Aborted: 7,
  HandlingFailureNode: 8,
};

export interface ResourceStatus {
  phase: number;
  startedAt?: string;
  stoppedAt?: string;
  lastUpdatedAt?: string;
  message?: string;
  failedAttempts?: number;
  outputRef?: string;
  aloft?: StoredStatus;
}

const time = (ms: number | undefined) =>
  ms === undefined ? undefined : new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");

export function encodeStatus(status: WorkflowStatus, version: number): ResourceStatus {
  const out: ResourceStatus = { phase: PHASE_NUMBERS[status.phase] };
  const put = <K extends keyof ResourceStatus>(k: K, v: ResourceStatus[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  put("startedAt", time(status.startedAt));
  put("stoppedAt", time(status.stoppedAt));
  put("lastUpdatedAt", time(status.lastUpdatedAt));
  put("message", status.message);
  if (status.failedAttempts > 0) out.failedAttempts = status.failedAttempts;
  put("outputRef", status.outputRef);
  // A plain copy of the node map: the engine's may be an overlay, and is settled into after the write.
  out.aloft = { version, status: { ...status, nodes: plainNodes(status.nodes) } };
  return out;
}

/** The stored status; a resource no engine has written yet (admin's skeleton) is Ready at version 0. */
export function decodeStatus(obj: KubeObject): StoredStatus {
  const stored = (obj["status"] as ResourceStatus | undefined)?.aloft;
  return stored ?? { version: 0, status: { phase: "Ready", failedAttempts: 0, nodes: {} } };
}
