// @aloft/cli: the package's front door. Everything not exported here is private to the package.
export { describeError } from "./exit.ts";
export { buildCliProgram } from "./program.ts";
