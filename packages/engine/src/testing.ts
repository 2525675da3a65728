// @aloft/engine/testing: internals that other packages' tests use. Never imported by production code.
export { isAlreadyTerminal } from "./executor/events.ts";
export { isOutage } from "./executor/unreachable.ts";
export { drive, isTerminal, sandbox } from "./plugins/local-process/testing.ts";
export { sample } from "./testing/metrics-sample.ts";
export { flyteWorkflowResource, startFlyteWorkflowApi, type FlyteWorkflowApi } from "./testing/kube.ts";
