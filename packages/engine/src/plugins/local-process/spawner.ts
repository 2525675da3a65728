// A small long-lived process that starts the task processes for the engine (issue 16). `child_process.spawn` forks
// the calling process: from the engine (a large heap, many mappings) each fork costs ≈ 1–2 ms of CPU during which the
// event loop is blocked; from a bare `node` that loads nothing but child_process and fs it costs a fraction of that,
// and the engine only writes a request to a pipe. The spawner is forked on first use and again after it died.
//
// What it starts is detached (own process group) exactly as before, so nothing about a running task depends on the
// spawner: abort signals the group from the engine, the wrapper writes the exit record, and an engine restarted later
// adopts the process from its `.pid` record. The spawner only adds the exit notification that wakes the execution;
// when it dies, every process it was watching is reported as "ended or no longer watched" so that the plugin checks
// their records from then on. It exits when the engine does (its IPC channel closes); its tasks go on.
import { spawn, type ChildProcess } from "node:child_process";

/** One process to start: `file` with `args`, stdout and stderr appended to `logPath`. */
export interface SpawnRequest {
  file: string;
  args: readonly string[];
  /**
   * The process's whole environment. Sent as its difference from the engine's environment as it was when the spawner
   * was forked (which the spawner is given once): the variables set or changed, and those removed (issue 16).
   */
  env: Record<string, string>;
  cwd: string;
  logPath: string;
  /**
   * The task's exit record: when the process exits and `<exitPath>.slot` holds a status, the slot is renamed to it
   * before the exit is reported (the wrapper started through the spawner leaves that to it, process-control.ts).
   */
  exitPath?: string;
  uid?: number;
  gid?: number;
  /**
   * Empty directories removed (`rmdir`, in this order) when the process exited, right after its exit was reported
   * (the removal, which may wait for the file system's journal, does not delay the wake): the attempt's unused TMPDIR
   * and work directory. The exit's `cleaned` says whether none is left; anything in one stays for the caller.
   */
  cleanup?: string[];
  /**
   * The process record reserved before the start (process-control.ts), to be filled in place with the pid and start
   * ticks right after it: `fields` plus those, as JSON padded to `bytes`. Left alone unless it is exactly that size.
   */
  record?: { path: string; fields: Record<string, unknown>; bytes: number };
  /**
   * What to lay out before the start, in this order: directories made, paths removed (quietly), files written (an
   * `atomic` one beside itself, then renamed over). If any of it fails nothing is started and the answer is a
   * SpawnPrepareError with the errno code: the engine's reservation (process-control.ts) done here, in sync calls of
   * a small process instead of a dozen promise-based ones in the engine (issue 16).
   */
  prepare?: SpawnPreparation;
}

export interface SpawnPreparation {
  /**
   * Shared directories (a project's log directory, the parent of the attempts' work directories), made with their
   * parents the first time and remembered by the spawner: made again only after a file under one of them could not be
   * created (ENOENT), when the whole preparation is done again.
   */
  dirs: string[];
  /** Directories of this start, made one level each in this order (an existing directory is fine). */
  newDirs: string[];
  remove: string[];
  /** The `atomic` file at `record.path` is filled in through the descriptor it was written with (no open, no fstat). */
  files: { path: string; text: string; atomic?: boolean }[];
}

export interface Spawned {
  pid: number;
  /** /proc/<pid>/stat field 22, read by the spawner right after the fork; absent without /proc. */
  startTicks?: string;
  /** The reserved record was filled in (else the caller fills it). */
  recorded?: boolean;
}

/** The spawner died (or could not start) while the request was in flight: whether the process started is unknown. */
export class SpawnerLostError extends Error {}

/** The preparation (`SpawnRequest.prepare`) failed: nothing was started. `code` is the errno code (ENOSPC…). */
export class SpawnPrepareError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = "SpawnPrepareError";
    this.code = code;
  }
}

/** The spawner failed to come up several times in a row: the caller starts its processes itself. */
export class SpawnerUnavailableError extends Error {}

/** Spawners in a row that exit before saying they are ready, after which spawn() refuses (SpawnerUnavailableError). */
const MAX_FAILED_STARTS = 3;

/** A request as sent: `env` holds the variables that differ from the base, `unset` those the process goes without. */
type ToSpawner = Omit<SpawnRequest, "env"> & { id: number; env: Record<string, string>; unset?: string[] };
type FromSpawner =
  | { id: number; pid: number; startTicks?: string; recorded?: boolean }
  | { id: number; error: string; prepare?: boolean; code?: string }
  // `status`: the exit status the wrapper wrote into the slot, which the spawner renamed to the exit record.
  | { id: number; exit: number | null; signal: string | null; status?: number; cleaning?: true }
  // After an exit reported `cleaning`: whether the request's `cleanup` directories are all gone.
  | { id: number; cleaned: boolean };

/**
 * Called once when the process exited — with the exit status it recorded, when the spawner read it and renamed its
 * slot to the exit record, and, for a request with `cleanup`, whether its directories are gone (false when the spawner
 * died before it said) — or when its exit can no longer be reported (the spawner died; nothing known).
 */
export type OnExit = (exit?: { status?: number; cleaned?: Promise<boolean> }) => void;

// Python 3 (≥ 3.8, standard library only) run by the spawner with `-I -S -c`: one start per JSON line on stdin
// ({ i, f, a, e, c, l }: id, file, args, environment, working directory, log), each with `posix_spawn` — a vfork, so
// its cost does not grow with this process's memory — in a new session (own process group), stdin from /dev/null,
// stdout and stderr appended to the log, every signal's disposition reset and none blocked. Answers, one JSON line
// each: { ready }, then { i, p } (started) or { i, e } (not started), and { i, x, s } when a started process exited
// (exit code or signal name), from waitpid on SIGCHLD (woken through set_wakeup_fd). Ends when its stdin closes.
const POSIX_SPAWN_HELPER = `
import json, os, select, signal, sys
if not hasattr(os, "posix_spawn") or not hasattr(os, "POSIX_SPAWN_OPEN"):
    sys.exit(3)
r, w = os.pipe()
os.set_blocking(r, False)
os.set_blocking(w, False)
signal.set_wakeup_fd(w)
signal.signal(signal.SIGCHLD, lambda *_: None)
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
DEFAULT = [s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP)]
ids = {}
def say(o):
    sys.stdout.write(json.dumps(o) + "\\n")
    sys.stdout.flush()
def name(n):
    try:
        return signal.Signals(n).name
    except ValueError:
        return None
def reap():
    while True:
        try:
            pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        i = ids.pop(pid, None)
        if i is None:
            continue
        if os.WIFSIGNALED(st):
            say({"i": i, "x": None, "s": name(os.WTERMSIG(st))})
        else:
            say({"i": i, "x": os.WEXITSTATUS(st), "s": None})
say({"ready": 1})
buf = b""
while True:
    ready = select.select([0, r], [], [])[0]
    if r in ready:
        try:
            while os.read(r, 512):
                pass
        except BlockingIOError:
            pass
        reap()
    if 0 not in ready:
        continue
    data = os.read(0, 65536)
    if not data:
        sys.exit(0)
    buf += data
    while True:
        k = buf.find(b"\\n")
        if k < 0:
            break
        q = json.loads(buf[:k])
        buf = buf[k + 1:]
        try:
            os.chdir(q["c"])
            actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                       (os.POSIX_SPAWN_OPEN, 1, q["l"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666),
                       (os.POSIX_SPAWN_DUP2, 1, 2)]
            pid = os.posix_spawn(q["f"], [q["f"]] + q["a"], q["e"], setsid=True, file_actions=actions,
                                 setsigdef=DEFAULT, setsigmask=())
        except Exception as e:
            say({"i": q["i"], "e": str(e)})
            continue
        ids[pid] = q["i"]
        say({"i": q["i"], "p": pid})
`;

// Plain JavaScript run by `node -e`: no file to locate next to a compiled or bundled engine, nothing imported but node
// built-ins. SIGINT and SIGHUP reach the terminal's whole process group; the spawner outlives them and ends with its
// engine (disconnect) instead.
const SPAWNER_MAIN = `
const HELPER = ${JSON.stringify(POSIX_SPAWN_HELPER)};
const { spawn } = require("node:child_process");
const { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, rmdirSync, statSync, unlinkSync, writeFileSync,
  writeSync } = require("node:fs");
// With a callback, a failed write (the engine gone: EPIPE) is reported to it instead of crashing this process with an
// unhandled 'error'; the disconnect that follows ends the spawner.
const send = (m) => { try { process.send(m, () => {}); } catch {} };
// The environment a request's own is a difference from (sent once by the engine: SpawnRequest.env).
let base = {};
// Shared directories made (or found) once: not made again for each task; forgotten when a file under one of them
// cannot be created (ENOENT: removed meanwhile), and the preparation is done again.
const made = new Set();
process.on("SIGINT", () => {});
process.on("SIGHUP", () => {});
process.on("disconnect", () => process.exit(0));
process.on("message", (m) => {
  if (m.base) { base = m.base; if (m.helper) startHelper(m.helper); return; }
  let recordFd;
  if (m.prepare) {
    try {
      recordFd = prepareOnce(m.prepare, m.record && m.record.path);
    } catch (e) {
      send({ id: m.id, error: String((e && e.message) || e), prepare: true, code: e && e.code });
      return;
    }
  }
  const env = Object.assign({}, base, m.env);
  if (m.unset) for (const k of m.unset) delete env[k];
  if (helper !== undefined && helper.ready && m.uid === undefined && m.gid === undefined) {
    helper.starts.set(m.id, { m, recordFd });
    helper.proc.stdin.write(JSON.stringify({ i: m.id, f: m.file, a: m.args, e: env, c: m.cwd, l: m.logPath }) + "\\n");
    return;
  }
  let fd;
  try {
    fd = openSync(m.logPath, "a");
    const opts = { detached: true, stdio: ["ignore", fd, fd], env, cwd: m.cwd };
    if (m.uid !== undefined && m.gid !== undefined) { opts.uid = m.uid; opts.gid = m.gid; }
    const child = spawn(m.file, m.args, opts);
    child.on("error", () => {});
    if (child.pid === undefined) { send({ id: m.id, error: "could not start " + m.file }); return; }
    child.once("exit", (exit, signal) => exited(m, exit, signal));
    started(m, child.pid, recordFd);
  } catch (e) {
    send({ id: m.id, error: String((e && e.message) || e) });
  } finally {
    if (fd !== undefined) closeSync(fd);
    if (recordFd !== undefined) try { closeSync(recordFd); } catch {}
  }
});
function started(m, pid, recordFd) {
  let startTicks;
  try {
    const t = readSmall("/proc/" + pid + "/stat", 1024);
    startTicks = t.slice(t.lastIndexOf(")") + 2).split(" ")[19];
  } catch {}
  const reply = { id: m.id, pid };
  if (startTicks !== undefined) reply.startTicks = startTicks;
  if (m.record) reply.recorded = fill(m.record, reply, recordFd);
  send(reply);
}
function exited(m, exit, signal) {
  const done = { id: m.id, exit, signal };
  const status = m.exitPath ? settle(m.exitPath) : undefined;
  if (status !== undefined) done.status = status;
  if (m.cleanup) done.cleaning = true;
  send(done);
  if (m.cleanup) send({ id: m.id, cleaned: removeEmpty(m.cleanup) });
}
// The posix_spawn helper (the Spawner's posixSpawn option): starts what it is sent without a fork of this process. Used once
// it said it is ready; until then, and where it cannot run, this process forks as above. Once ready, its end is this
// spawner's end: the engine then checks what was in flight and what was watched on their records.
let helper;
function startHelper(python) {
  const proc = spawn(python, ["-I", "-S", "-c", HELPER], { stdio: ["pipe", "pipe", "inherit"] });
  const h = { proc, ready: false, starts: new Map(), running: new Map() };
  helper = h;
  const gone = () => { if (h.ready) process.exit(1); if (helper === h) helper = undefined; };
  proc.on("error", gone);
  proc.on("exit", gone);
  proc.stdin.on("error", () => {});
  let buf = "";
  proc.stdout.setEncoding("utf8");
  proc.stdout.on("data", (d) => {
    buf += d;
    for (let k = buf.indexOf("\\n"); k >= 0; k = buf.indexOf("\\n")) {
      const line = buf.slice(0, k);
      buf = buf.slice(k + 1);
      let a;
      try { a = JSON.parse(line); } catch { continue; }
      if (a.ready) { h.ready = true; send({ helper: proc.pid }); continue; }
      if (a.x !== undefined) {
        const m = h.running.get(a.i);
        h.running.delete(a.i);
        if (m) exited(m, a.x, a.s);
        continue;
      }
      const s = h.starts.get(a.i);
      if (s === undefined) continue;
      h.starts.delete(a.i);
      try {
        if (a.p === undefined) send({ id: a.i, error: "could not start " + s.m.file + ": " + a.e });
        else {
          h.running.set(a.i, s.m);
          started(s.m, a.p, s.recordFd);
        }
      } catch (e) {
        send({ id: a.i, error: String((e && e.message) || e) });
      } finally {
        if (s.recordFd !== undefined) try { closeSync(s.recordFd); } catch {}
      }
    }
  });
}
function prepareOnce(p, keep) {
  try {
    return prepare(p, keep);
  } catch (e) {
    if (!e || e.code !== "ENOENT" || made.size === 0) throw e;
    made.clear();
    return prepare(p, keep);
  }
}
// Returns the open descriptor of the file at \`keep\` (the record, filled in through it after the fork).
function prepare(p, keep) {
  for (const d of p.dirs) {
    if (made.has(d)) continue;
    mkdirSync(d, { recursive: true });
    made.add(d);
  }
  for (const d of p.newDirs) {
    try {
      mkdirSync(d);
    } catch (e) {
      if (!e || e.code !== "EEXIST" || !statSync(d).isDirectory()) throw e;
    }
  }
  for (const r of p.remove) {
    try {
      unlinkSync(r);
    } catch (e) {
      if (!e || e.code !== "ENOENT") try { rmSync(r, { force: true, recursive: true }); } catch {}
    }
  }
  let kept;
  try {
    for (const f of p.files) {
      if (!f.atomic) { writeFileSync(f.path, f.text); continue; }
      const tmp = f.path + ".tmp";
      let fd;
      try {
        fd = openSync(tmp, "w");
        if (writeSync(fd, f.text) !== Buffer.byteLength(f.text)) throw Object.assign(new Error("short write to " + tmp), { code: "ENOSPC" });
        renameSync(tmp, f.path);
      } catch (e) {
        if (fd !== undefined) closeSync(fd);
        try { rmSync(tmp, { force: true }); } catch {}
        throw e;
      }
      if (f.path === keep && kept === undefined) kept = fd;
      else closeSync(fd);
    }
  } catch (e) {
    if (kept !== undefined) closeSync(kept);
    throw e;
  }
  return kept;
}
function readSmall(path, bytes) {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.allocUnsafe(bytes);
    return buf.toString("utf8", 0, readSync(fd, buf, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}
// The slot renamed to the exit record once it holds a status; that status is returned (reported with the exit).
function settle(exitPath) {
  try {
    const text = readSmall(exitPath + ".slot", 64);
    if (!/^\\s*-?\\d/.test(text)) return undefined;
    renameSync(exitPath + ".slot", exitPath);
    return Number.parseInt(text.trim(), 10);
  } catch {
    return undefined;
  }
}
function removeEmpty(dirs) {
  for (const d of dirs) {
    try { rmdirSync(d); } catch (e) { if (!e || e.code !== "ENOENT") return false; }
  }
  return true;
}
function fill(record, ids, kept) {
  const value = { pid: ids.pid };
  if (ids.startTicks !== undefined) value.startTicks = ids.startTicks;
  const text = JSON.stringify(Object.assign(value, record.fields));
  const size = Buffer.byteLength(text);
  if (size > record.bytes - 1) return false;
  let fd = kept;
  try {
    if (fd === undefined) {
      fd = openSync(record.path, "r+");
      if (fstatSync(fd).size !== record.bytes) return false;
    }
    writeSync(fd, text + " ".repeat(record.bytes - 1 - size) + "\\n", 0, "utf8");
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined && fd !== kept) closeSync(fd);
  }
}
send({ ready: true });
`;

interface Pending {
  resolve: (s: Spawned) => void;
  reject: (e: Error) => void;
  onExit?: OnExit;
}

export class Spawner {
  #child: ChildProcess | undefined;
  #nextId = 1;
  /** Requests sent, not answered yet. */
  readonly #pending = new Map<number, Pending>();
  /** Processes started and not exited, by request id: their exit callbacks. */
  readonly #watching = new Map<number, OnExit>();
  /** Exits reported whose `cleanup` is under way: what settles their `cleaned`. */
  readonly #cleaning = new Map<number, (cleaned: boolean) => void>();
  /** The environment requests are sent as a difference from: the engine's when the spawner was forked. */
  #base: Record<string, string> = {};
  #closed = false;
  #ready = false;
  #helperPid: number | undefined;
  #failedStarts = 0;
  readonly #execPath: string;
  readonly #execArgv: readonly string[];
  /**
   * A `python3` (≥ 3.8) the spawner starts processes through with `posix_spawn` instead of forking itself: a fork from
   * `node` copies its page tables, ≈ 3 ms of CPU per start on this machine under load against ≈ 1 ms for the helper
   * and the lines it exchanges (docs/performance.md). Processes run as another account still fork from the spawner.
   */
  readonly #posixSpawn: string | undefined;

  /**
   * `execPath`: the node binary that runs the spawner (default: this process's); `execArgv`: node options for it (none
   * by default: `--jitless`, `--single-threaded` and a 1 MB semi-space shrink its page tables by a fifth but did not
   * measurably lower its CPU per task, docs/performance.md; bench/spawner.bench.ts compares such variants).
   */
  constructor(opts: { execPath?: string; execArgv?: readonly string[]; posixSpawn?: string } = {}) {
    this.#execPath = opts.execPath ?? process.execPath;
    this.#execArgv = opts.execArgv ?? [];
    this.#posixSpawn = opts.posixSpawn;
  }

  /** The spawner's pid while it runs (tests, benchmarks). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The posix_spawn helper's pid once it starts this spawner's processes (tests, benchmarks). */
  get helperPid(): number | undefined {
    return this.#helperPid;
  }

  /** Forks the spawner now if it does not run (a plugin's start: its first task then pays no process start). */
  start(): void {
    if (!this.#closed && this.#failedStarts < MAX_FAILED_STARTS) this.#ensure();
  }

  /**
   * Starts the process; `onExit` is called once when it exited, or when its exit can no longer be reported (the
   * spawner died): the caller then checks the process on its records.
   */
  spawn(req: SpawnRequest, onExit?: OnExit): Promise<Spawned> {
    if (this.#closed) return Promise.reject(new SpawnerLostError("the spawner is closed"));
    if (this.#failedStarts >= MAX_FAILED_STARTS)
      return Promise.reject(
        new SpawnerUnavailableError(`the spawner exited ${this.#failedStarts} times before it was ready`),
      );
    const child = this.#ensure();
    const id = this.#nextId++;
    return new Promise<Spawned>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, ...(onExit ? { onExit } : {}) });
      this.#refWhileBusy();
      const msg: ToSpawner = { ...req, id, ...envDifference(this.#base, req.env) };
      try {
        child.send(msg, (err) => {
          if (err) this.#fail(id, new SpawnerLostError(`spawn request lost: ${err.message}`));
        });
      } catch (e) {
        this.#fail(id, new SpawnerLostError(`spawn request lost: ${(e as Error).message}`));
      }
    });
  }

  /** Ends the spawner (the processes it started go on; their exits are reported as no longer watched). */
  close(): void {
    this.#closed = true;
    const child = this.#child;
    if (child?.connected) child.disconnect();
  }

  #ensure(): ChildProcess {
    if (this.#child !== undefined) return this.#child;
    const { NODE_OPTIONS: _o, ...env } = process.env;
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) base[k] = v;
    const child = spawn(this.#execPath, [...this.#execArgv, "-e", SPAWNER_MAIN], {
      stdio: ["ignore", "ignore", "inherit", "ipc"],
      env,
      // Not detached: a Ctrl-C aimed at the engine's group reaches it too, and it ignores that; it ends on disconnect.
    });
    this.#child = child;
    this.#ready = false;
    // Before any request (the channel keeps the order): what their environments are differences from.
    this.#base = base;
    try {
      child.send(this.#posixSpawn === undefined ? { base } : { base, helper: this.#posixSpawn }, () => undefined);
    } catch {
      // not started: its exit event follows (#lost)
    }
    child.on("message", (m: FromSpawner | { ready: true } | { helper: number }) => this.#onMessage(m));
    child.on("error", () => this.#lost(child));
    child.on("exit", () => this.#lost(child));
    child.unref();
    this.#refWhileBusy();
    return child;
  }

  #onMessage(m: FromSpawner | { ready: true } | { helper: number }): void {
    if ("helper" in m) {
      this.#helperPid = m.helper;
      return;
    }
    if (!("id" in m)) {
      this.#ready = true;
      this.#failedStarts = 0;
      return;
    }
    if ("exit" in m) {
      const onExit = this.#watching.get(m.id);
      this.#watching.delete(m.id);
      const cleaned = m.cleaning ? new Promise<boolean>((resolve) => this.#cleaning.set(m.id, resolve)) : undefined;
      this.#refWhileBusy();
      onExit?.({
        ...(m.status === undefined ? {} : { status: m.status }),
        ...(cleaned === undefined ? {} : { cleaned }),
      });
      return;
    }
    if ("cleaned" in m) {
      this.#cleaning.get(m.id)?.(m.cleaned);
      this.#cleaning.delete(m.id);
      this.#refWhileBusy();
      return;
    }
    const p = this.#pending.get(m.id);
    if (p === undefined) return;
    this.#pending.delete(m.id);
    this.#refWhileBusy();
    if ("error" in m) {
      p.reject(m.prepare ? new SpawnPrepareError(m.error, m.code) : new Error(m.error));
      return;
    }
    if (p.onExit) this.#watching.set(m.id, p.onExit);
    p.resolve({
      pid: m.pid,
      ...(m.startTicks === undefined ? {} : { startTicks: m.startTicks }),
      ...(m.recorded === undefined ? {} : { recorded: m.recorded }),
    });
  }

  #fail(id: number, e: Error): void {
    const p = this.#pending.get(id);
    if (p === undefined) return;
    this.#pending.delete(id);
    this.#refWhileBusy();
    p.reject(e);
  }

  /** The spawner is gone: requests in flight fail, watched processes are handed back; the next spawn forks anew. */
  #lost(child: ChildProcess): void {
    if (this.#child !== child) return;
    this.#child = undefined;
    this.#helperPid = undefined;
    if (!this.#ready) this.#failedStarts++;
    const pending = [...this.#pending.values()];
    const watching = [...this.#watching.values()];
    const cleaning = [...this.#cleaning.values()];
    this.#pending.clear();
    this.#watching.clear();
    this.#cleaning.clear();
    for (const settle of cleaning) settle(false);
    for (const p of pending) p.reject(new SpawnerLostError("the spawner exited while starting a process"));
    for (const onExit of watching) onExit();
  }

  /**
   * Keeps the engine's event loop alive only while a request or a clean-up someone may await (finalize waits for
   * `cleaned`) is in flight: the spawner never holds it open otherwise. An unref'd channel under an awaited answer let
   * a process with nothing else to do exit with that promise pending.
   */
  #refWhileBusy(): void {
    const channel = this.#child?.channel;
    if (channel === undefined || channel === null) return;
    if (this.#pending.size > 0 || this.#cleaning.size > 0) channel.ref();
    else channel.unref();
  }
}

/** `env` as sent: what differs from `base` (set or changed), and the names of `base` it lacks. */
function envDifference(
  base: Record<string, string>,
  env: Record<string, string>,
): { env: Record<string, string>; unset?: string[] } {
  const set: Record<string, string> = {};
  for (const k of Object.keys(env)) if (!Object.hasOwn(base, k) || base[k] !== env[k]) set[k] = env[k]!;
  let unset: string[] | undefined;
  for (const k of Object.keys(base)) if (!Object.hasOwn(env, k)) (unset ??= []).push(k);
  return unset === undefined ? { env: set } : { env: set, unset };
}

let shared: Spawner | undefined;

/** The spawner of this engine process, shared by its local-process plugins. */
export function sharedSpawner(): Spawner {
  shared ??= new Spawner();
  return shared;
}
