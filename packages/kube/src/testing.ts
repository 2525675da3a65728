// @aloft/kube/testing: the test API server and the contract-suite harness that other packages' tests share.
// Never imported by production code, never built.
export { startTestApiServer, testKubeConfig } from "./testing/api-server.ts";
export type { TestApiServer, TestApiServerOptions } from "./testing/api-server.ts";
export { eventually, kubeTargets } from "./testing/targets.ts";
export type { KubeTarget, KubeTestEnv } from "./testing/targets.ts";
export { startDeploymentController } from "./testing/deployment-controller.ts";
export type { DeploymentControllerSim } from "./testing/deployment-controller.ts";
export { OOM_MARKER, PULL_ERROR_SUFFIX, startSimulatedKubelet } from "./testing/kubelet.ts";
export type { SimulatedKubelet, SimulatedKubeletOptions } from "./testing/kubelet.ts";
