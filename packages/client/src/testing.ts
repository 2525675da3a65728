// @aloft/client/testing: internals that other packages' tests use. Never imported by production code.
export { answeringTransport } from "./fake-transport.ts";
export type { WatchOptions } from "./watch.ts";
