// @aloft/sdk/testing: internals that other packages' tests use. Never imported by production code.
export * as fixtureTasks from "./testing/fixture-tasks.ts";
export * as index from "./types/index.ts";
