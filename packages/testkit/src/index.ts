// @aloft/testkit: the package's front door. Everything not exported here is private to the package.
export {
  createTestDatabase,
  forEachDatabase,
  postgresAdminUrl,
  postgresAvailability,
  scratchPostgresUrl,
} from "./databases.ts";
export type { TestDatabase } from "./databases.ts";
export { ALOFT_READY, aloftProcesses, startAdminAndEngine } from "./aloft-processes.ts";
export { approveDevice } from "./device-approver.ts";
export { CookieJar } from "./cookie-jar.ts";
export type { DeviceDecision } from "./device-approver.ts";
export { aloftErrorIs } from "./errors.ts";
export { eventClock, nodeEventRequest, taskEventRequest } from "./events.ts";
export { NO_FIXTURES, flytesnacksDir } from "./fixtures.ts";
export { TemplateError, TemplateSet, renderChart } from "./helm/index.ts";
export type { RenderOptions, RenderedChart, RenderedDocument } from "./helm/index.ts";
export { findFlytekit, pyflyteRegisterArgs, registerWorkflows, runRemote, writeFlytekitConfig } from "./flytekit.ts";
export type { RemoteResult } from "./flytekit.ts";
export { adminClient, grpc, healthClient, loadPackage, unary } from "./grpc-js-client.ts";
export type { GrpcJsClient } from "./grpc-js-client.ts";
export { startSignInPlatform, startTestPlatform, testServerDeps } from "./platform.ts";
export type { TestPlatform } from "./platform.ts";
export { S3RVER_CREDENTIALS, startExternalS3, startS3 } from "./s3.ts";
export type { TestS3 } from "./s3.ts";
export {
  id,
  intLiteral,
  intOf,
  intType,
  launchOneTask,
  promise,
  registerGatedWorkflow,
  registerOneTask,
  registerWorkflow,
  shellTask,
  taskNode,
  waitForEnd,
} from "./workflows.ts";
export type { Admin } from "./workflows.ts";
