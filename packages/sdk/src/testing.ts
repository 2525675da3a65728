// @aloft/sdk/testing: internals that other packages' tests use. Never imported by production code.
import { fileURLToPath } from "node:url";
export * as fixtureTasks from "./testing/fixture-tasks.ts";
/** The file of the fixture task module, for tests that make workers or task processes load it by path. */
export const FIXTURE_TASKS_FILE = fileURLToPath(new URL("./testing/fixture-tasks.ts", import.meta.url));
export * as index from "./types/index.ts";
