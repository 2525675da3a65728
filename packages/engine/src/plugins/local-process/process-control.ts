// Host processes that outlive the engine (started through the spawner, spawner.ts, or by the engine itself). A task
// runs under a tiny `sh` wrapper in its own process group (detached), with stdout and stderr appended to its log file;
// when the command ends the wrapper records its exit status in `<name>.exit`. A later engine tells the three cases apart:
//   exit record present → finished (with that status); no record and the same process (pid + start time from
//   /proc) or members of its group alive → running; neither → vanished (killed with its wrapper, machine rebooted, …).
//
// Nothing that decides "finished" or "vanished" needs free disk space once the process runs (issue 9 row 5): before
// the spawn the engine reserves the `<name>.pid` record (a fixed-size padded JSON document, written atomically) and an
// exit slot `<name>.exit.slot`; after the spawn the record is filled in place and the wrapper writes the exit status
// into the slot in place and renames it — overwrites within allocated blocks and a rename, which a full disk allows.
// If the reservation cannot be written, the process is not started. A record reserved but never filled (the engine
// died right after the spawn) is resolved from the wrapper's command line in /proc, which names the exit file.
import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, renameSync, statSync } from "node:fs";
import { open, readFile, readdir, rename, rm, rmdir, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import type { OnExit, SpawnPreparation, Spawner } from "./spawner.ts";

/** Identity of a started process, persisted in the plugin state and in `<name>.pid`. */
export interface ProcessRecord {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22); absent where /proc is not available. */
  startTicks?: string;
  startedAt: string;
}

/** The `.pid` record on disk: reserved before the spawn (`starting`), filled after it, marked when aborted. */
export interface RecordFile extends Partial<ProcessRecord> {
  restarts: number;
  startedAt: string;
  starting?: boolean;
  /** Set by abort: the process was stopped on purpose and must not be taken for a vanished one. */
  aborted?: string;
}

/** Size every `.pid` record is padded to, so that later rewrites happen in place (no new blocks on a full disk). */
const RECORD_BYTES = 512;
const SLOT_BYTES = 32;
const WRAPPER_NAME = "aloft-task";

// $1 = exit file; the rest is the task's command. The wrapper stays the group leader and waits for the command. The
// status goes into the reserved slot in place (`1<>` neither truncates nor allocates) and the slot is renamed: by the
// wrapper itself (`mv`, a process of its own) when the engine forked it, by the spawner when it started it (it renames
// the slot when the wrapper exits, before it reports the exit: one process start less per task, issue 16). Should the
// spawner be gone by then, the first reader of the status renames it (readExitStatus).
const wrapper = (renamesSlot: boolean) =>
  [
    'exit_file="$1"; shift',
    '"$@"',
    "code=$?",
    'if [ -f "$exit_file.slot" ]; then',
    renamesSlot
      ? '  printf "%s\\n" "$code" 1<>"$exit_file.slot" && mv -f "$exit_file.slot" "$exit_file" 2>/dev/null'
      : '  printf "%s\\n" "$code" 1<>"$exit_file.slot"',
    "else",
    '  printf "%s\\n" "$code" > "$exit_file.tmp" && mv -f "$exit_file.tmp" "$exit_file"',
    "fi",
    'exit "$code"',
  ].join("\n");
const WRAPPER = wrapper(true);
const WRAPPER_SPAWNED = wrapper(false);

interface SpawnOptions {
  argv: readonly string[];
  env: Record<string, string>;
  cwd: string;
  logPath: string;
  exitPath: string;
  now: Date;
  /**
   * Called when the process exits while this engine process is alive (after its exit record is written), or — through
   * a spawner — when its exit can no longer be reported (the spawner died).
   */
  onExit?: OnExit;
  /** Run as this account (the engine runs as root; see run-as.ts). */
  uid?: number;
  gid?: number;
  /** The `.pid` record reserved for this start: a spawner fills it in place right after the fork (`recorded`). */
  record?: { path: string; restarts: number };
  /** The reservation (see reservation()), laid out by the spawner before the fork; ignored without a spawner. */
  prepare?: SpawnPreparation;
  /** Empty directories the spawner removes when the process exited (SpawnRequest.cleanup); ignored without one. */
  cleanup?: string[];
}

/**
 * Starts the command detached (own process group), not waited for; resolves once its identity is known. Through the
 * spawner when given (see spawner.ts), else forked from this process.
 */
export async function spawnDetached(
  opts: SpawnOptions,
  spawner?: Spawner,
): Promise<ProcessRecord & { recorded?: boolean }> {
  const startedAt = opts.now.toISOString();
  if (spawner !== undefined) {
    const args = ["-c", WRAPPER_SPAWNED, WRAPPER_NAME, opts.exitPath, ...opts.argv];
    const ids = opts.uid !== undefined && opts.gid !== undefined ? { uid: opts.uid, gid: opts.gid } : {};
    const record = opts.record && {
      path: opts.record.path,
      fields: { startedAt, restarts: opts.record.restarts },
      bytes: RECORD_BYTES,
    };
    const s = await spawner.spawn(
      {
        file: "/bin/sh",
        args,
        env: opts.env,
        cwd: opts.cwd,
        logPath: opts.logPath,
        exitPath: opts.exitPath,
        ...ids,
        ...(record && { record }),
        ...(opts.prepare && { prepare: opts.prepare }),
        ...(opts.cleanup && { cleanup: opts.cleanup }),
      },
      opts.onExit,
    );
    return { ...s, startedAt };
  }
  const args = ["-c", WRAPPER, WRAPPER_NAME, opts.exitPath, ...opts.argv];
  const fd = openSync(opts.logPath, "a");
  let pid: number | undefined;
  try {
    const child = spawn("/bin/sh", args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: opts.env,
      cwd: opts.cwd,
      ...(opts.uid !== undefined && opts.gid !== undefined ? { uid: opts.uid, gid: opts.gid } : {}),
    });
    child.on("error", () => undefined); // /bin/sh missing: reported below as no pid
    const onExit = opts.onExit;
    if (onExit) child.once("exit", () => onExit()); // no status: the caller reads the records
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

// Synchronous: a read of /proc is answered from memory, and an awaited one costs the engine's thread more than the read
// (issue 16).
async function readProcStat(pid: number): Promise<ProcStat | undefined | "unsupported"> {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
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
  if (!validPid(rec.pid)) return false;
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
  if (!validPid(rec.pid) || !groupExists(rec.pid)) return false;
  const stat = await readProcStat(rec.pid);
  if (stat === "unsupported" || stat === undefined || rec.startTicks === undefined) return true;
  return stat.startTicks === rec.startTicks;
}

/**
 * Whether the group of a leader that is gone still has running members (the wrapper alone was killed; the command
 * goes on). Zombies do not count: a container's PID 1 may never reap them. Without /proc: whether the group exists.
 */
export async function groupHasLiveMembers(rec: ProcessRecord): Promise<boolean> {
  if (!validPid(rec.pid) || !groupExists(rec.pid)) return false;
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let text: string;
    try {
      text = await readFile(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    if (rest[2] !== String(rec.pid) || rest[0] === "Z" || rest[0] === "X") continue;
    // The leader's own pid reused by an unrelated group leader is not ours.
    if (entry === String(rec.pid) && rec.startTicks !== undefined && rest[19] !== rec.startTicks) continue;
    return true;
  }
  return false;
}

/** Whether any process of the group led by `pgid` remains. */
export function groupExists(pgid: number): boolean {
  return validPid(pgid) && signalZero(-pgid);
}

/** Never 0, 1 or negative: signalling those would reach the engine's own group or every process. */
const validPid = (pid: number) => Number.isInteger(pid) && pid > 1;

/** Signals the whole group; false when it no longer exists. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!validPid(pgid)) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** The recorded exit status, or undefined while the command has not ended (or vanished without one). */
export async function readExitStatus(exitPath: string): Promise<number | undefined> {
  // The slot holds the status once written, even where the wrapper could not rename it (a task user without write
  // access to the log directory) or the spawner that renames it was gone when the wrapper exited: it is renamed here
  // then, as the wrapper or the spawner would have (quietly: the record is read from either name).
  for (const path of [exitPath, `${exitPath}.slot`]) {
    const text = readSmallFile(path);
    if (text === undefined) continue;
    const code = Number.parseInt(text.trim(), 10);
    if (Number.isNaN(code)) continue;
    if (path !== exitPath) {
      try {
        renameSync(path, exitPath);
      } catch {
        // read from the slot next time too
      }
    }
    return code;
  }
  return undefined;
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, path);
}

const padded = (value: unknown, bytes: number): string | undefined => {
  const text = JSON.stringify(value);
  return Buffer.byteLength(text) > bytes - 1
    ? undefined
    : `${text}${" ".repeat(bytes - 1 - Buffer.byteLength(text))}\n`;
};

/**
 * The reservation a spawner lays out before the fork, as reserveExitSlot and reserveRecord (with the directories
 * and the removal of an earlier run's exit record before them) would write it from here: `shared` directories the
 * spawner makes once, `fresh` ones of this start (see SpawnPreparation).
 */
export function reservation(
  dirs: { shared: string[]; fresh: string[] },
  exitPath: string,
  recordPath: string,
  rec: RecordFile,
): SpawnPreparation {
  const text = padded({ ...rec, starting: true }, RECORD_BYTES);
  if (text === undefined) throw new Error(`process record of ${recordPath} too large`);
  return {
    dirs: dirs.shared,
    newDirs: dirs.fresh,
    remove: [exitPath],
    files: [
      { path: `${exitPath}.slot`, text: " ".repeat(SLOT_BYTES) },
      { path: recordPath, text, atomic: true },
    ],
  };
}

/** Writes the `.pid` record before the spawn, padded to RECORD_BYTES, atomically. Throws when it cannot (disk full). */
export async function reserveRecord(path: string, rec: RecordFile): Promise<void> {
  const text = padded({ ...rec, starting: true }, RECORD_BYTES);
  if (text === undefined) throw new Error(`process record of ${path} too large`);
  const tmp = `${path}.tmp`;
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/**
 * Rewrites the reserved record in place (same size: no allocation, so it works on a full disk); falls back to an
 * atomic replacement when the record is missing or the new content does not fit.
 */
export async function rewriteRecord(path: string, rec: RecordFile): Promise<void> {
  const { starting: _s, ...rest } = rec;
  let value: RecordFile = rest;
  let text = padded(value, RECORD_BYTES);
  if (text === undefined && value.aborted !== undefined) {
    value = { ...value, aborted: value.aborted.slice(0, 200) };
    text = padded(value, RECORD_BYTES);
  }
  let h: FileHandle | undefined;
  try {
    h = text === undefined ? undefined : await open(path, "r+");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  if (h === undefined || text === undefined) return writeJsonAtomic(path, value);
  try {
    if ((await h.stat()).size !== RECORD_BYTES) return await writeJsonAtomic(path, value);
    await h.write(text, 0, "utf8");
  } finally {
    await h.close();
  }
}

/** Reserves the slot the wrapper writes its exit status into (see WRAPPER). */
export async function reserveExitSlot(exitPath: string): Promise<void> {
  await writeFile(`${exitPath}.slot`, " ".repeat(SLOT_BYTES));
}

/** The `.pid` record: undefined when absent, "unreadable" when present but not a record (empty, cut short). */
export async function readRecord(path: string): Promise<RecordFile | "unreadable" | undefined> {
  const text = readSmallFile(path);
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<RecordFile> | null;
    if (typeof v !== "object" || v === null) return "unreadable";
    return {
      ...v,
      restarts: typeof v.restarts === "number" ? v.restarts : 0,
      startedAt: typeof v.startedAt === "string" ? v.startedAt : "",
    };
  } catch {
    return "unreadable";
  }
}

/**
 * The live wrapper started for `exitPath`, found by its command line (`/bin/sh -c <wrapper> aloft-task <exitPath> …`):
 * how a record reserved but never filled is resolved. Undefined where /proc is not available.
 */
export async function findWrapper(exitPath: string, startedAt: string): Promise<ProcessRecord | undefined> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let args: string[];
    try {
      args = (await readFile(`/proc/${entry}/cmdline`, "utf8")).split("\0");
    } catch {
      continue;
    }
    const at = args.indexOf(WRAPPER_NAME);
    if (at < 0 || args[at + 1] !== exitPath || args[0] !== "/bin/sh") continue;
    const pid = Number(entry);
    const stat = await readProcStat(pid).catch(() => undefined);
    if (stat === undefined || stat === "unsupported" || stat.state === "Z" || stat.state === "X") continue;
    return { pid, startTicks: stat.startTicks, startedAt };
  }
  return undefined;
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

/**
 * Removes an attempt's work directory. It usually holds nothing but its unused TMPDIR: two rmdir calls instead of the
 * recursive removal's six (lstat, rmdir, readdir, lstat, rmdir, rmdir; issue 16); anything else is removed
 * recursively. Asynchronous: a directory removal writes metadata, which waits for the file system's journal when the
 * disk is busy.
 */
export async function removeWorkDir(dir: string): Promise<void> {
  const code = (e: unknown) => (e as NodeJS.ErrnoException).code;
  try {
    await rmdir(join(dir, "tmp")).catch((e: unknown) => {
      if (code(e) !== "ENOENT") throw e;
    });
    await rmdir(dir);
    return;
  } catch (e) {
    if (code(e) === "ENOENT") return;
  }
  await removeQuietly(dir);
}

/**
 * A small record's text, undefined when it does not exist. Synchronous (a stat, then open, read, close): an awaited
 * read costs the engine's thread several times the calls themselves, and these are read once or twice per task
 * (issue 16).
 */
function readSmallFile(path: string): string | undefined {
  if (statSync(path, { throwIfNoEntry: false }) === undefined) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined; // removed between the two calls
    throw e;
  }
}

/** Size of the log, 0 when absent (one stat: a running task without output is asked every round). */
export async function logSize(path: string): Promise<number> {
  try {
    return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  } catch {
    return 0;
  }
}

/**
 * The end of the log as a pod's termination message with FallbackToLogsOnError shows it: the last 2048 bytes or the
 * last 80 lines, whichever is smaller.
 */
export async function logTail(path: string, maxBytes = 2048, maxLines = 80): Promise<string> {
  let h: FileHandle;
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
