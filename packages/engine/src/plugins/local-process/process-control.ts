// Host processes that outlive the engine. A task runs under a tiny `sh` wrapper in its own process group (detached),
// with stdout and stderr appended to its log file; when the command ends the wrapper records its exit status in
// `<name>.exit` (written to a temp file, then renamed). A later engine tells the three cases apart:
//   exit record present → finished (with that status); no record and the same process (pid + start time from
//   /proc) alive → running; neither → vanished (killed with its wrapper, machine rebooted, …).
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { open, readFile, rename, rm, writeFile } from "node:fs/promises";

/** Identity of a started process, persisted in the plugin state and in `<name>.pid`. */
export interface ProcessRecord {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22); absent where /proc is not available. */
  startTicks?: string;
  startedAt: string;
}

// $1 = exit file; the rest is the task's command. The wrapper stays the group leader and waits for the command.
const WRAPPER = [
  'exit_file="$1"; shift',
  '"$@"',
  "code=$?",
  'printf "%s\\n" "$code" > "$exit_file.tmp" && mv -f "$exit_file.tmp" "$exit_file"',
  'exit "$code"',
].join("\n");

export interface SpawnOptions {
  argv: readonly string[];
  env: Record<string, string>;
  cwd: string;
  logPath: string;
  exitPath: string;
  now: Date;
  /** Called when the process exits while this engine process is alive (after its exit record is written). */
  onExit?: () => void;
}

/** Starts the command detached (own process group), not waited for; resolves once its identity is known. */
export async function spawnDetached(opts: SpawnOptions): Promise<ProcessRecord> {
  const fd = openSync(opts.logPath, "a");
  let pid: number | undefined;
  try {
    const child = spawn("/bin/sh", ["-c", WRAPPER, "aloft-task", opts.exitPath, ...opts.argv], {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: opts.env,
      cwd: opts.cwd,
    });
    child.on("error", () => undefined); // /bin/sh missing: reported below as no pid
    if (opts.onExit) child.once("exit", opts.onExit);
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  if (pid === undefined) throw new Error("could not start /bin/sh for the task process");
  const startTicks = await readStartTicks(pid);
  return { pid, ...(startTicks === undefined ? {} : { startTicks }), startedAt: opts.now.toISOString() };
}

interface ProcStat {
  state: string;
  startTicks: string;
}

async function readProcStat(pid: number): Promise<ProcStat | undefined | "unsupported"> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ESRCH") return process.platform === "linux" ? undefined : "unsupported";
    throw e;
  }
  // "pid (comm) S ppid …": comm may contain spaces and parentheses, so split after the last ")".
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: rest[0] ?? "", startTicks: rest[19] ?? "" };
}

async function readStartTicks(pid: number): Promise<string | undefined> {
  const stat = await readProcStat(pid);
  return stat === undefined || stat === "unsupported" ? undefined : stat.startTicks;
}

/** Whether the recorded process (not merely its pid, which may have been reused) is still alive. */
export async function isAlive(rec: ProcessRecord): Promise<boolean> {
  const stat = await readProcStat(rec.pid);
  if (stat === "unsupported" || rec.startTicks === undefined) return signalZero(rec.pid);
  if (stat === undefined) return false;
  if (stat.startTicks !== rec.startTicks) return false;
  return stat.state !== "Z" && stat.state !== "X";
}

function signalZero(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether the group started for `rec` still has members that are ours to signal: the leader is the recorded process,
 * or the leader is gone but members remain (Linux never hands out a pid that is still in use as a group id, so the
 * number cannot have been reused while that is so). A leader pid now held by another process → not ours.
 */
export async function ownsLiveGroup(rec: ProcessRecord): Promise<boolean> {
  if (!groupExists(rec.pid)) return false;
  const stat = await readProcStat(rec.pid);
  if (stat === "unsupported" || stat === undefined || rec.startTicks === undefined) return true;
  return stat.startTicks === rec.startTicks;
}

/** Whether any process of the group led by `pgid` remains. */
export function groupExists(pgid: number): boolean {
  return signalZero(-pgid);
}

/** Signals the whole group; false when it no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The recorded exit status, or undefined while the command has not ended (or vanished without one). */
export async function readExitStatus(exitPath: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(exitPath, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  const code = Number.parseInt(text.trim(), 10);
  return Number.isNaN(code) ? undefined : code;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || e instanceof SyntaxError) return undefined;
    throw e;
  }
}

export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true, recursive: true }).catch(() => undefined);
}

/** Size of the log, 0 when absent. */
export async function logSize(path: string): Promise<number> {
  try {
    const h = await open(path, "r");
    try {
      return (await h.stat()).size;
    } finally {
      await h.close();
    }
  } catch {
    return 0;
  }
}

/**
 * The end of the log as a pod's termination message with FallbackToLogsOnError shows it: the last 2048 bytes or the
 * last 80 lines, whichever is smaller.
 */
export async function logTail(path: string, maxBytes = 2048, maxLines = 80): Promise<string> {
  let h;
  try {
    h = await open(path, "r");
  } catch {
    return "";
  }
  try {
    const size = (await h.stat()).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    await h.read(buf, 0, len, size - len);
    const lines = buf.toString("utf8").replace(/\n$/, "").split("\n");
    return lines.slice(-maxLines).join("\n");
  } finally {
    await h.close();
  }
}

export async function appendLog(path: string, line: string): Promise<void> {
  await writeFile(path, `${line}\n`, { flag: "a" });
}
