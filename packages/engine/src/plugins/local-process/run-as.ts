// The unprivileged account local task processes run as when the engine runs as root (config engine.runAsUser,
// issue 9 row 8): a task's command runs on the host, so running it as root would hand every launcher root's shell.
import { readFileSync } from "node:fs";
import { chown, readdir } from "node:fs/promises";
import { join } from "node:path";
import { invalidArgument } from "@aloft/core";

export interface RunAs {
  uid: number;
  gid: number;
  /** The account's name when known (logs). */
  name?: string;
  /** Its home directory when known: the task's HOME (root's is not readable by it). */
  home?: string;
}

/**
 * `name`, `uid` or `uid:gid` → ids, names looked up in /etc/passwd (`passwd` for tests). INVALID_ARGUMENT when the
 * user does not exist or is root (uid 0 would defeat the purpose).
 */
export function resolveRunAs(spec: string, passwd?: string): RunAs {
  let text = passwd;
  if (text === undefined) {
    try {
      text = readFileSync("/etc/passwd", "utf8");
    } catch {
      text = "";
    }
  }
  const entries = text
    .split("\n")
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 7);
  const numeric = /^(\d+)(?::(\d+))?$/.exec(spec.trim());
  let found: RunAs | undefined;
  if (numeric) {
    const uid = Number(numeric[1]);
    const entry = entries.find((f) => Number(f[2]) === uid);
    const gid = numeric[2] !== undefined ? Number(numeric[2]) : entry ? Number(entry[3]) : uid;
    found = { uid, gid, ...(entry ? { name: entry[0]!, home: entry[5]! } : {}) };
  } else {
    const entry = entries.find((f) => f[0] === spec.trim());
    if (entry) found = { uid: Number(entry[2]), gid: Number(entry[3]), name: entry[0]!, home: entry[5]! };
  }
  if (!found || !Number.isInteger(found.uid) || !Number.isInteger(found.gid)) {
    throw invalidArgument("config.run_as_user", `engine.runAsUser: no such user ${JSON.stringify(spec)}`);
  }
  if (found.uid === 0) throw invalidArgument("config.run_as_user", "engine.runAsUser must not be root (uid 0)");
  return found;
}

/** Hands `path` (and everything under it) to the task's account. */
export async function chownTree(path: string, to: RunAs): Promise<void> {
  await chown(path, to.uid, to.gid);
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) await chownTree(p, to);
    else await chown(p, to.uid, to.gid);
  }
}
