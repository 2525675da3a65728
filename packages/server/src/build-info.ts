import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildInfo } from "@aloft/admin";

/** Version from package.json, build = git commit when run from a checkout (or ALOFT_BUILD), build time = start time. */
export function buildInfo(startedAt: Date): BuildInfo {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  const here = fileURLToPath(new URL(".", import.meta.url));
  const build = process.env.ALOFT_BUILD || headCommit(here) || gitRevParse(here) || "unknown";
  return { version: pkg.version, build, buildTime: startedAt.toISOString() };
}

/**
 * The short commit of HEAD read from the repository's files (a loose or packed ref, a detached HEAD, a worktree's
 * `.git` file), without starting `git`: a process start at every server start cost more than the rest of this file.
 * Undefined when the layout is not understood (git is asked then).
 */
function headCommit(from: string): string | undefined {
  try {
    let dir = resolve(from);
    while (!existsSync(join(dir, ".git"))) {
      if (dirname(dir) === dir) return undefined;
      dir = dirname(dir);
    }
    const dotGit = join(dir, ".git");
    const gitDir = statSync(dotGit).isDirectory()
      ? dotGit
      : resolve(
          dir,
          readFileSync(dotGit, "utf8")
            .trim()
            .replace(/^gitdir:\s*/, ""),
        );
    return refCommit(gitDir);
  } catch {
    return undefined;
  }
}

function refCommit(gitDir: string): string | undefined {
  const head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
  const short = (sha: string) => (/^[0-9a-f]{40,64}$/.test(sha) ? sha.slice(0, 7) : undefined);
  if (!head.startsWith("ref:")) return short(head);
  const ref = head.slice(4).trim();
  // A worktree keeps HEAD in its own directory and refs in the common one.
  const common = existsSync(join(gitDir, "commondir"))
    ? resolve(gitDir, readFileSync(join(gitDir, "commondir"), "utf8").trim())
    : gitDir;
  for (const base of [gitDir, common]) {
    if (existsSync(join(base, ref))) return short(readFileSync(join(base, ref), "utf8").trim());
  }
  if (!existsSync(join(common, "packed-refs"))) return undefined;
  for (const line of readFileSync(join(common, "packed-refs"), "utf8").split("\n")) {
    const [sha, name] = line.split(" ");
    if (name === ref && sha) return short(sha);
  }
  return undefined;
}

function gitRevParse(cwd: string): string | undefined {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {
    return undefined;
  }
}
