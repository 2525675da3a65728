// Runs `aloft start` (admin + engine) or `aloft admin` until SIGTERM/SIGINT, printing where everything is.
import { underDataDir, type AloftConfig } from "@aloft/core";
import { systemClock } from "@aloft/core";
import { createLogger } from "@aloft/core";
import { createMetrics } from "@aloft/platform";
import { displayHost, isLoopbackHost } from "@aloft/core";
import { buildInfo } from "./build-info.ts";
import { startAdminOnly, startSandbox } from "./sandbox.ts";

export async function serve(kind: "start" | "admin", config: AloftConfig): Promise<void> {
  const startedAt = new Date();
  const logger = createLogger({ level: config.logging.level });
  const deps = {
    config,
    logger,
    clock: systemClock,
    metrics: createMetrics(),
    build: buildInfo(startedAt),
    migrate: true,
  };
  // `start` is the sandbox (admin + engine in one process); `admin` runs the control plane alone and launches into the
  // shared workflow store, where an `aloft engine` with the same storage picks executions up.
  const running = kind === "start" ? await startSandbox(deps) : await startAdminOnly(deps);
  // Signals are handled before the banner is printed: a supervisor that stops us as soon as it reads the banner must
  // get a clean shutdown, not the default SIGTERM death.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    setTimeout(() => process.exit(1), 10_000).unref();
    await running.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  const host = displayHost(config.server.host);
  const where = config.database.kind === "sqlite" ? underDataDir(config, config.database.sqlitePath) : "PostgreSQL";
  const blobs =
    config.storage.kind === "local" ? underDataDir(config, config.storage.localRoot) : `s3://${config.storage.bucket}`;
  const lines = [
    `Aloft ${kind === "start" ? "sandbox" : "admin"} is up (${Date.now() - startedAt.getTime()} ms)`,
    `  listens  ${listening(config)}`,
    `  gRPC     ${host}:${running.grpcPort}   (flyteidl.service.AdminService, health, reflection)`,
    `  HTTP     http://${host}:${running.httpPort}/api/v1/projects`,
    `  health   http://${host}:${running.httpPort}/healthcheck`,
    `  metrics  http://${host}:${running.httpPort}/metrics`,
    `  console  http://${host}:${running.httpPort}/console`,
    kind === "start"
      ? `  engine   local processes and warm TypeScript workers, ${config.engine.workers} workers; task logs in ${underDataDir(config, config.engine.logDir)}`
      : `  engine   none in this process: run \`aloft engine\` with the same storage to execute workflows`,
    `  data     ${where}; blobs in ${blobs}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  if (running.exposure.insecureRemote) {
    process.stdout.write(
      `  WARNING  reachable from the network with authentication off: anyone who can connect can run commands as this user\n`,
    );
  }
}

/** Where the ports listen, and who can reach them. */
function listening(config: AloftConfig): string {
  const h = config.server.host;
  const shown = h === "" ? "all interfaces" : h;
  const scope = isLoopbackHost(h) ? "this machine only" : "the network";
  const origins =
    config.server.allowCors && config.server.allowedOrigins.length > 0
      ? `; CORS for ${config.server.allowedOrigins.join(", ")}`
      : "";
  return `${shown} (${scope}${origins})`;
}
