// The flytesnacks registration fixtures live in `shared/` beside the repository (ALOFT_FLYTESNACKS_DIR overrides).
// Under CI=true their absence is a failure; elsewhere the suites that need them skip with this reason.
export { fixturesDir as flytesnacksDir } from "@aloft/core/testing";

export const NO_FIXTURES =
  "NO FLYTESNACKS FIXTURES: set ALOFT_FLYTESNACKS_DIR (they live in shared/fixtures/flytesnacks)";
