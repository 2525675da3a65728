// Starts the platform in-process on ephemeral ports against a fresh database, for end-to-end tests that
// drive it only through its public APIs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type AloftConfig, type AuthConfig } from "@aloft/core";
import { systemClock, type Clock } from "@aloft/core";
import { silentLogger, type Logger } from "@aloft/core";
import { createMetrics } from "@aloft/platform";
import { initSecrets, type PluginRegistry } from "@aloft/admin";
import { startAdmin, type RunningAdmin } from "@aloft/server/testing";
import { startSandbox } from "@aloft/server/testing";
import type { Engine } from "@aloft/engine";
import { createTestDatabase } from "./databases.ts";

export interface TestPlatform {
  admin: RunningAdmin;
  /** Present when started with `engine: true` (the sandbox: admin + engine + local processes). */
  engine?: Engine;
  config: AloftConfig;
  grpcAddress: string;
  httpUrl: string;
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  database?: "sqlite" | "postgres";
  clock?: Clock;
  configurePlugins?: (plugins: PluginRegistry) => void;
  overrides?: Record<string, unknown>;
  /** Default: silent. */
  logger?: Logger;
  /** Start the engine too (as `aloft start` does), running tasks as local processes. */
  engine?: boolean;
  /** The web console's built assets served at /console (default: packages/console/dist of this checkout). */
  consoleDir?: string;
  /** With `engine`: the scheduler's clock (a fast clock runs schedules quickly). */
  schedulerClock?: Clock;
}

export async function startTestPlatform(options: TestPlatformOptions = {}): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), "aloft-e2e-"));
  const kind = options.database ?? "sqlite";
  const pg = kind === "postgres" ? await createTestDatabase("postgres") : undefined;
  // The test database helper already migrated its database; the platform migrates again (idempotent), as at a restart.
  await pg?.database.close();
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      engine: { pollIntervalMs: 50 },
      database: pg
        ? { kind: "postgres", postgresUrl: pg.config.postgresUrl }
        : { kind: "sqlite", sqlitePath: "aloft.db" },
      ...options.overrides,
      // The host stays the product default (loopback) unless a test says otherwise; ports are always free ones.
      server: { grpcPort: 0, httpPort: 0, ...(options.overrides?.server as Record<string, unknown> | undefined) },
    },
  });
  const start = options.engine ? startSandbox : startAdmin;
  let admin: Awaited<ReturnType<typeof start>>;
  try {
    admin = await start({
      ...testServerDeps(config, options.logger, options.clock),
      configurePlugins: options.configurePlugins,
      ...(options.consoleDir !== undefined ? { consoleDir: options.consoleDir } : {}),
      ...(options.schedulerClock ? { schedulerClock: options.schedulerClock } : {}),
    });
  } catch (err) {
    await pg?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    admin,
    ...("engine" in admin ? { engine: admin.engine as Engine } : {}),
    config,
    grpcAddress: `127.0.0.1:${admin.grpcPort}`,
    httpUrl: `http://127.0.0.1:${admin.httpPort}`,
    close: async () => {
      await admin.close();
      await pg?.drop();
      // Task processes outlive their engine by design (a restarted engine adopts them): one still writing its outputs
      // can add files while the tree is removed (ENOTEMPTY), so the removal is retried.
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}

/**
 * A platform for sign-in tests: its own authorization server on, with the secrets `initSecrets` writes to `secretsDir`
 * for one person, alice (her password in `user-alice.password`), granted what `bindings` say; a device (RFC 8628) may
 * poll every second.
 */
export async function startSignInPlatform(
  secretsDir: string,
  bindings: AuthConfig["roles"]["bindings"],
): Promise<TestPlatform> {
  await initSecrets({ dir: secretsDir, users: ["alice"] });
  return startTestPlatform({
    overrides: {
      auth: { enabled: true, secretsDir, self: { deviceCodeIntervalSeconds: 1 }, roles: { bindings } },
    },
  });
}

/** What startAdmin / startSandbox need besides the config, for a server started inside a test: quiet, migrated. */
export function testServerDeps(config: AloftConfig, logger: Logger = silentLogger(), clock: Clock = systemClock) {
  return {
    config,
    logger,
    clock,
    metrics: createMetrics({ defaultMetrics: false }),
    build: { version: "0.0.0-test", build: "test", buildTime: new Date(0).toISOString() },
    migrate: true,
  };
}
