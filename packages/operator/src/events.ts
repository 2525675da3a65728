// Kubernetes Events about a TrackingServer (what `kubectl describe` shows), as client-go's EventRecorder writes them:
// core/v1 Events with the involved object, a reason, a message and the reporting component. A failure to record is
// logged, never fatal.
import type { Clock, Logger } from "@aloft/core";
import { type KubeApi, resources } from "@aloft/kube";
import { API_VERSION, KIND, type TrackingServer } from "./types.ts";

export const COMPONENT = "trackingserver-controller";

export interface EventRecorder {
  normal(ts: TrackingServer, reason: string, message: string): void;
  warning(ts: TrackingServer, reason: string, message: string): void;
}

export function kubeEventRecorder(api: KubeApi, clock: Clock, logger: Logger, instance: string): EventRecorder {
  const record = (ts: TrackingServer, type: "Normal" | "Warning", reason: string, message: string) => {
    const now = clock
      .now()
      .toISOString()
      .replace(/\.\d+Z$/, "Z");
    const event = {
      metadata: { generateName: `${ts.metadata.name}.`, namespace: ts.metadata.namespace },
      involvedObject: {
        apiVersion: API_VERSION,
        kind: KIND,
        name: ts.metadata.name,
        namespace: ts.metadata.namespace,
        uid: ts.metadata.uid,
        resourceVersion: ts.metadata.resourceVersion,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: COMPONENT },
      reportingComponent: COMPONENT,
      reportingInstance: instance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    api.create(resources.events, event).catch((err: unknown) => {
      logger.warn({ err, reason, trackingServer: ts.metadata.name }, "cannot record an event");
    });
  };
  return {
    normal: (ts, reason, message) => record(ts, "Normal", reason, message),
    warning: (ts, reason, message) => record(ts, "Warning", reason, message),
  };
}
