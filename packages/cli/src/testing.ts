// @aloft/cli/testing: internals that other packages' tests use. Never imported by production code.
export { hydrateLaunchPlan, hydrateTaskSpec, hydrateWorkflowSpec } from "./register/hydrate.ts";
