// Pod status → plugin phase on status objects as a kubelet writes them (no cluster needed).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { KubeObject } from "@aloft/kube";
import { podPhase } from "./pod-status.ts";

const grace = { createContainerErrorGraceMs: 180_000, imagePullBackoffGraceMs: 180_000, podPendingTimeoutMs: 0 };
const now = new Date("2026-01-01T00:10:00Z");

function pod(status: Record<string, unknown>, extra: Partial<KubeObject["metadata"]> = {}): KubeObject {
  return {
    metadata: {
      name: "p",
      creationTimestamp: "2026-01-01T00:00:00Z",
      annotations: { primary_container_name: "main" },
      ...extra,
    },
    spec: { nodeName: "n1", containers: [{ name: "main" }] },
    status,
  };
}

const terminated = (exitCode: number, reason: string) => ({
  containerStatuses: [
    { name: "main", state: { terminated: { exitCode, reason, finishedAt: "2026-01-01T00:05:00Z" } } },
  ],
});

test("evictions and node shutdowns are SYSTEM retryable failures (Interrupted)", () => {
  for (const reason of ["Evicted", "Shutdown", "NodeShutdown", "Terminated"]) {
    const info = podPhase(pod({ phase: "Failed", reason, message: "The node was low on resource" }), now, grace);
    assert.equal(info.phase, "RetryableFailure", reason);
    assert.deepEqual([info.error?.code, info.error?.kind], ["Interrupted", "SYSTEM"], reason);
  }
});

test("failed pods: OOMKilled is USER, SIGKILL of the primary is SYSTEM, a plain exit code is USER", () => {
  const oom = podPhase(pod({ phase: "Failed", ...terminated(137, "OOMKilled") }), now, grace);
  assert.deepEqual([oom.phase, oom.error?.code, oom.error?.kind], ["RetryableFailure", "OOMKilled", "USER"]);
  const killed = podPhase(pod({ phase: "Failed", ...terminated(137, "Error") }), now, grace);
  assert.deepEqual([killed.error?.code, killed.error?.kind], ["Interrupted", "SYSTEM"]);
  const exit = podPhase(pod({ phase: "Failed", ...terminated(2, "Error") }), now, grace);
  assert.deepEqual([exit.error?.code, exit.error?.kind], ["Error", "USER"]);
  assert.match(exit.error?.message ?? "", /\[main\] terminated with exit code \(2\)/);
  assert.equal(exit.occurredAt?.toISOString(), "2026-01-01T00:05:00.000Z");
});

test("a succeeded pod with an OOMKilled container is a USER failure", () => {
  const info = podPhase(pod({ phase: "Succeeded", ...terminated(0, "OOMKilled") }), now, grace);
  assert.deepEqual([info.phase, info.error?.code], ["RetryableFailure", "OOMKilled"]);
  assert.equal(podPhase(pod({ phase: "Succeeded", ...terminated(0, "Completed") }), now, grace).phase, "Success");
});

test("pending: unschedulable → Queued; image errors → Initializing, then failures after the grace period", () => {
  const unschedulable = podPhase(
    pod({
      phase: "Pending",
      conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/3 nodes" }],
    }),
    now,
    grace,
  );
  assert.deepEqual([unschedulable.phase, unschedulable.reason], ["Queued", "Unschedulable:0/3 nodes"]);
  const waiting = (reason: string, since: string) =>
    pod({
      phase: "Pending",
      conditions: [{ type: "Ready", status: "False", lastTransitionTime: since }],
      containerStatuses: [{ name: "main", state: { waiting: { reason, message: "m" } } }],
    });
  assert.equal(podPhase(waiting("ErrImagePull", "2026-01-01T00:09:00Z"), now, grace).phase, "Initializing");
  assert.equal(podPhase(waiting("ImagePullBackOff", "2026-01-01T00:09:00Z"), now, grace).phase, "Initializing");
  const late = podPhase(waiting("ImagePullBackOff", "2026-01-01T00:01:00Z"), now, grace);
  assert.deepEqual([late.phase, late.error?.kind], ["RetryableFailure", "USER"]);
  assert.equal(
    podPhase(waiting("CreateContainerConfigError", "2026-01-01T00:09:00Z"), now, grace).phase,
    "PermanentFailure",
  );
  assert.equal(podPhase(waiting("InvalidImageName", "2026-01-01T00:09:00Z"), now, grace).phase, "PermanentFailure");
  const created = podPhase(waiting("CreateContainerError", "2026-01-01T00:01:00Z"), now, grace);
  assert.equal(created.phase, "PermanentFailure");
  const odd = podPhase(waiting("SomethingElse", "2026-01-01T00:09:00Z"), now, grace);
  assert.deepEqual([odd.phase, odd.error?.kind], ["RetryableFailure", "SYSTEM"]);
  const timedOut = podPhase(pod({ phase: "Pending" }), now, { ...grace, podPendingTimeoutMs: 60_000 });
  assert.equal(timedOut.error?.code, "PodPendingTimeout");
});

test("running: the primary container decides; a deletion timestamp on a live pod is a SYSTEM failure", () => {
  const sidecarStillRunning = pod({
    phase: "Running",
    containerStatuses: [
      { name: "main", state: { terminated: { exitCode: 0, reason: "Completed" } } },
      { name: "sidecar", state: { running: { startedAt: "2026-01-01T00:01:00Z" } } },
    ],
  });
  assert.equal(podPhase(sidecarStillRunning, now, grace).phase, "Success");
  const deleted = podPhase(
    pod(
      { phase: "Running", containerStatuses: [{ name: "main", state: { running: {} } }] },
      { deletionTimestamp: "2026-01-01T00:09:00Z" },
    ),
    now,
    grace,
  );
  assert.deepEqual([deleted.error?.code, deleted.error?.kind], ["UnexpectedObjectDeletion", "SYSTEM"]);
});

test("copilot's uploader: a successful primary waits for it, and its failure fails the attempt", () => {
  const annotations = { primary_container_name: "main", "aloft.dev/copilot-uploader": "uploader" };
  const main = { name: "main", state: { terminated: { exitCode: 0, reason: "Completed" } } };
  const uploader = (state: Record<string, unknown>) => ({ name: "uploader", state });
  const phaseWith = (state: Record<string, unknown>) =>
    podPhase(pod({ phase: "Running", containerStatuses: [main, uploader(state)] }, { annotations }), now, grace);
  assert.equal(phaseWith({ running: { startedAt: "2026-01-01T00:01:00Z" } }).phase, "Running");
  assert.equal(phaseWith({ terminated: { exitCode: 0, reason: "Completed" } }).phase, "Success");
  const failed = phaseWith({ terminated: { exitCode: 1, reason: "Error", message: "no bucket" } });
  assert.deepEqual([failed.phase, failed.error?.code], ["RetryableFailure", "OutputUploadFailed"]);
  assert.match(failed.error?.message ?? "", /no bucket/);
  const plain = podPhase(pod({ phase: "Running", containerStatuses: [main] }), now, grace);
  assert.equal(plain.phase, "Success", "without the annotation the primary alone decides");
});
