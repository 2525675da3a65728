// @aloft/operator: the package's front door. The TrackingServer operator — CRD, reconciler, controller, leader-elected
// runner and its health/metrics endpoint. Everything not exported here is private.
export { ownerReference, selectorLabels } from "./children.ts";
export { TrackingServerController } from "./controller.ts";
export type { ControllerOptions, ControllerStats } from "./controller.ts";
export { trackingServerCrd } from "./crd.ts";
export { operatorMetrics, startOperatorEndpoint } from "./endpoint.ts";
export type { OperatorEndpoint } from "./endpoint.ts";
export { createOperator } from "./operator.ts";
export type { Operator, OperatorOptions } from "./operator.ts";
export { childTypes } from "./reconciler.ts";
export type { Outcome, ReconcilerConfig } from "./reconciler.ts";
export {
  API_VERSION,
  FINALIZER,
  KIND,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  trackingServers,
  traefikTypes,
} from "./types.ts";
export type {
  Condition,
  CredentialsSecretRef,
  IngressController,
  TrackingServer,
  TrackingServerSpec,
  TrackingServerStatus,
} from "./types.ts";
export { validateSpec } from "./validate.ts";
export { toYaml } from "./yaml.ts";
