// @aloft/client/testing: internals that other packages' tests use. Never imported by production code.
export type { WatchOptions } from "./watch.ts";
