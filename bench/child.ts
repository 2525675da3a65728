// Starts `aloft start` in a child process on ephemeral ports and returns them (benchmarks drive it from outside).
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export interface ChildServer {
  child: ChildProcess;
  grpcPort: number;
  httpPort: number;
  /** SIGTERM, resolved once the server has exited (its data directory is then safe to remove). */
  stop(): Promise<void>;
}

export const repoRoot = join(import.meta.dirname, "..");

export function startChild(
  cmd: string,
  args: string[],
  ready: RegExp,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, ALOFT_LOGGING__LEVEL: "warn", ...env },
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = out.match(ready);
      if (m) resolve({ child, match: m });
    });
    child.once("exit", (code) => reject(new Error(`${cmd} exited with ${code}: ${out}`)));
  });
}

/** `aloft start` over `dataDir` on free ports, with `extraArgs` and `env` added to this process's environment. */
export async function startAloft(
  dataDir: string,
  extraArgs: string[] = [],
  env: Record<string, string> = {},
): Promise<ChildServer> {
  const { child, match } = await startChild(
    process.execPath,
    [
      join(repoRoot, "packages/server/bin/aloft.mjs"),
      "start",
      "--data-dir",
      dataDir,
      "--http-port",
      "0",
      "--grpc-port",
      "0",
      ...extraArgs,
    ],
    /gRPC\s+\S+:(\d+)[\s\S]*HTTP\s+http:\/\/[^:]+:(\d+)/,
    env,
  );
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return { child, grpcPort: Number(match[1]), httpPort: Number(match[2]), stop };
}
