// The database the configuration names, opened the same way by every server process (start, admin, scheduler,
// migrate): the SQLite file under the data directory or the PostgreSQL pool, a replaced connection logged.
import { underDataDir, type AloftConfig, type Logger } from "@aloft/core";
import { createDatabase, type Database } from "@aloft/admin";

export function openConfiguredDatabase(config: AloftConfig, logger?: Logger): Promise<Database> {
  return createDatabase({
    kind: config.database.kind,
    sqlitePath: underDataDir(config, config.database.sqlitePath),
    postgresUrl: config.database.postgresUrl,
    maxConnections: config.database.maxConnections,
    ...(logger
      ? {
          onConnectionError: (err: unknown) =>
            logger.warn({ err }, "a database connection failed; it will be replaced"),
        }
      : {}),
  });
}
