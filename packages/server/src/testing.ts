// @aloft/server/testing: internals that other packages' tests use. Never imported by production code.
export { startAdmin } from "./admin-server.ts";
export type { RunningAdmin } from "./admin-server.ts";
export { startSandbox } from "./sandbox.ts";
export type { RunningSandbox } from "./sandbox.ts";
export { inProcessEventSink } from "./wiring/in-process.ts";
export { remoteAdmin, remoteEventSink } from "./wiring/remote.ts";
