// @aloft/admin/testing: internals that other packages' tests use. Never imported by production code.
export { s256 } from "./auth/pkce.ts";
export { loadKeySet } from "./auth/signing-keys.ts";
export { createDatabase } from "./repositories/database.ts";
export type { Database, DatabaseConfig, Dialect } from "./repositories/database.ts";
