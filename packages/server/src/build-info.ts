import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { BuildInfo } from "@aloft/admin";

/** Version from package.json, build = git commit when run from a checkout (or ALOFT_BUILD), build time = start time. */
export function buildInfo(startedAt: Date): BuildInfo {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  let build = process.env.ALOFT_BUILD ?? "";
  if (!build) {
    try {
      build = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
        cwd: new URL(".", import.meta.url).pathname,
        stdio: ["ignore", "pipe", "ignore"],
      })
        .toString()
        .trim();
    } catch {
      build = "unknown";
    }
  }
  return { version: pkg.version, build, buildTime: startedAt.toISOString() };
}
