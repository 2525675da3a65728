// Options shared by the server commands and how they become the typed configuration.
import type { Command } from "commander";
import { loadConfig, type AloftConfig } from "@aloft/core";

export interface ServerOptions {
  config?: string;
  dataDir?: string;
  db?: string;
  postgresUrl?: string;
  grpcPort?: string;
  httpPort?: string;
  host?: string;
  insecureRemote?: boolean;
  logLevel?: string;
}

export function serverOptions(cmd: Command): Command {
  return cmd
    .option("-c, --config <file>", "YAML config file (also ALOFT_CONFIG)")
    .option("--data-dir <dir>", "where the sandbox keeps its database and blobs (default .aloft)")
    .option("--db <kind>", "sqlite or postgres")
    .option("--postgres-url <url>", "postgres://user:pass@host:5432/db (implies --db postgres)")
    .option("--grpc-port <port>", "gRPC port (default 8089)")
    .option("--http-port <port>", "HTTP port (default 8088)")
    .option("--host <address>", "address to listen on (default 127.0.0.1; another needs auth or --insecure-remote)")
    .option(
      "--insecure-remote",
      "allow a non-loopback --host with authentication off: anyone who can reach it can run commands here",
    )
    .option("--log-level <level>", "trace, debug, info, warn, error");
}

/** defaults < config file < ALOFT_* environment < flags. */
export function configFrom(opts: ServerOptions): AloftConfig {
  const overrides: Record<string, unknown> = {};
  const server: Record<string, unknown> = {};
  const database: Record<string, unknown> = {};
  if (opts.dataDir) overrides.dataDir = opts.dataDir;
  if (opts.db) database.kind = opts.db;
  if (opts.postgresUrl) {
    database.postgresUrl = opts.postgresUrl;
    database.kind ??= "postgres";
  }
  if (opts.grpcPort) server.grpcPort = opts.grpcPort;
  if (opts.httpPort) server.httpPort = opts.httpPort;
  if (opts.host !== undefined) server.host = opts.host;
  if (opts.insecureRemote) server.allowInsecureRemote = true;
  if (opts.logLevel) overrides.logging = { level: opts.logLevel };
  if (Object.keys(server).length) overrides.server = server;
  if (Object.keys(database).length) overrides.database = database;
  return loadConfig({ file: opts.config, env: process.env, overrides });
}
