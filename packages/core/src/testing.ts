// @aloft/core/testing: internals that other packages' tests use. Never imported by production code.
export { blobStoreContract, rejectsWith } from "./blob/blob-store-contract.ts";
export { rawOutputShard } from "./blob/keys.ts";
export { ManualClock } from "./clock.ts";
export * as builders from "./compiler/testing/builders.ts";
export { fixturesDir } from "./compiler/testing/fixtures.ts";
export { harness } from "./compiler/testing/harness.ts";
export { canonicalJson } from "./hashing.ts";
/** YAML parsing for tests of manifests (core owns the `yaml` dependency). */
export { parse as parseYaml } from "yaml";
