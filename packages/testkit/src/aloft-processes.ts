// Test support: the `aloft` bin (packages/server/bin/aloft.mjs) run as child processes of a test file, sharing one data
// directory. Test-only.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";

const ALOFT_BIN = fileURLToPath(new URL("../../server/bin/aloft.mjs", import.meta.url));

/** The gRPC and HTTP ports in what `aloft admin` / `aloft start` print once they listen. */
export const ALOFT_READY = /gRPC\s+\S+:(\d+)[\s\S]*HTTP\s+http:\/\/[^:]+:(\d+)/;

/**
 * `run(args, ready)` over a fresh data directory (`<tmp>/<prefix>…`): starts `aloft <args> --data-dir <it>` (log
 * level warn, stderr passed through) and resolves with the first match of `ready` on its stdout, or rejects when the
 * process exits first. After the file's tests every process started is killed and the directory removed.
 */
export function aloftProcesses(prefix: string): (args: string[], ready: RegExp) => Promise<RegExpMatchArray> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) c.kill("SIGKILL");
    rmSync(dataDir, { recursive: true, force: true });
  });
  return (args, ready) => {
    const child = spawn(process.execPath, [ALOFT_BIN, ...args, "--data-dir", dataDir], {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ALOFT_LOGGING__LEVEL: "warn" },
    });
    children.push(child);
    let out = "";
    return new Promise((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = out.match(ready);
        if (m) resolve(m);
      });
      child.once("exit", (code) => reject(new Error(`aloft ${args[0]} exited ${code}: ${out}`)));
    });
  };
}

/**
 * Starts, with `run` (an `aloftProcesses` one or a test's own), `aloft admin` on free ports and then `aloft engine`
 * working for it over gRPC and HTTP, resyncing every 100 ms, with `engineFlags`. Resolves with admin's ports once the
 * engine's stdout matches `engineReady`, and that match.
 */
export async function startAdminAndEngine(
  run: (args: string[], ready: RegExp) => Promise<RegExpMatchArray>,
  engineFlags: string[] = [],
  engineReady = /engine is up/,
): Promise<{ grpcPort: string; httpPort: string; engine: RegExpMatchArray }> {
  const [, grpcPort = "", httpPort = ""] = await run(["admin", "--http-port", "0", "--grpc-port", "0"], ALOFT_READY);
  const engine = await run(
    [
      "engine",
      "--admin-endpoint",
      `127.0.0.1:${grpcPort}`,
      "--admin-http-url",
      `http://127.0.0.1:${httpPort}`,
      "--resync-ms",
      "100",
      ...engineFlags,
    ],
    engineReady,
  );
  return { grpcPort, httpPort, engine };
}
