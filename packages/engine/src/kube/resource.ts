// What the engine's Kubernetes mode writes on a FlyteWorkflow besides the status: propeller's finalizer while it
// runs, and once it ends the labels the informer filters on and the garbage collector selects by
// (flytepropeller/pkg/controller/handler.go, completed_workflows.go).
import type { ResourceType } from "@aloft/kube";
import { FLYTE_WORKFLOW_GROUP, FLYTE_WORKFLOW_PLURAL, FLYTE_WORKFLOW_VERSION } from "../flyteworkflow/types.ts";

export const flyteWorkflows: ResourceType = {
  group: FLYTE_WORKFLOW_GROUP,
  version: FLYTE_WORKFLOW_VERSION,
  plural: FLYTE_WORKFLOW_PLURAL,
  kind: "FlyteWorkflow",
  namespaced: true,
};

/** propeller's finalizer: a deleted resource stays until the engine has aborted what runs. */
export const FINALIZER = "flyte-finalizer";
export const LABEL_TERMINATION_STATUS = "termination-status";
export const TERMINATED = "terminated";
export const LABEL_COMPLETED_TIME = "completed-time";
/** Admin's Kubernetes executor writes the terminate cause here before deleting the resource (Aloft). */
export const ANNOTATION_ABORT_CAUSE = "aloft.dev/abort-cause";
/** The informer's selector: unfinished resources only (propeller's). */
export const ACTIVE_SELECTOR = `${LABEL_TERMINATION_STATUS} notin (${TERMINATED})`;

/** The `completed-time` label value: the UTC hour bucket, `YYYY-MM-DD.HH` (Go layout `2006-01-02.15`). */
export function hourBucket(at: Date): string {
  return `${at.toISOString().slice(0, 10)}.${at.toISOString().slice(11, 13)}`;
}
