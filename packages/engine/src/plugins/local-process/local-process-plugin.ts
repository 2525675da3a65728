// The local-process task plugin: a container task's command and args run as a host process — the sandbox's
// stand-in for a pod (upstream flyteplugins/go/tasks/plugins/k8s/pod/plugin.go, flyteplugins/go/tasks/pluginmachinery/flytek8s/*.go). The container image is ignored: whatever the command names (`pyflyte-execute`, `sh`,
// `python`…) must be installed on the host; resources are parsed (a bad quantity is still a bad task) but not
// enforced. Templating (upstream flyteplugins/go/tasks/pluginmachinery/core/template/template.go) and the FLYTE_INTERNAL_* environment (upstream flyteplugins/go/tasks/pluginmachinery/flytek8s/k8s_resource_adds.go) are those of a pod, so a task registered
// by pyflyte runs here unchanged when flytekit is installed. Raw containers (data_config, upstream flyteplugins/go/tasks/pluginmachinery/flytek8s/copilot.go) get copilot's work
// done in-process: inputs written as files before the start, outputs.pb assembled after a successful exit.
//
// Phases: WaitingForResources (over maxConcurrent) → Running once started (version 1 once the log has
// content, carrying the log link) → Success (exit 0) | RetryableFailure (non-zero exit: USER, code "Error", the log
// tail in the message; SIGKILL: SYSTEM "Interrupted") | PermanentFailure (no container, bad template, command not
// found). error.pb written by the task is read by the engine core on Success, as upstream does.
//
// Restart safety: see process-control.ts. The `.pid` record is reserved before the spawn; if it cannot be written
// nothing is started, so a record is never lost with its process running: on a full disk the round waits for room
// (RESOURCE_EXHAUSTED, replayed by the engine), any other write error fails the attempt as a SYSTEM error. A process
// whose wrapper is gone but whose group still has members is still running, never restarted. Only a process that
// vanished without an exit record, no member left, is started again for the same attempt (at most maxRestarts
// times): outputs it had written are simply overwritten by the new run.
import { chown, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { create } from "@bufbuild/protobuf";
import {
  ExecutionErrorSchema,
  ExecutionError_ErrorKind,
  TaskLogSchema,
  TaskLog_MessageFormat,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { TaskLog } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { AloftError, resourceExhausted } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { PluginPhase, PluginState, PluginStatus, TaskExecutionContext, TaskPlugin } from "../plugin.ts";
import { renderTemplates } from "./template.ts";
import { buildEnvironment } from "./environment.ts";
import { inputEnvironment } from "./input-env.ts";
import { chownTree, type RunAs } from "./run-as.ts";
import { localizeFastExecute } from "./fast-execute.ts";
import { containerSpecOf, TaskSpecError, type ContainerSpec } from "./task-spec.ts";
import { collectRawOutputs, prepareRawContainer } from "./raw-container.ts";
import { templateParamsFor } from "./template-context.ts";
import { resolveCommand } from "./resolve-command.ts";
import * as proc from "./process-control.ts";
import { ProcessSlots } from "./process-slots.ts";
import {
  SpawnerLostError,
  SpawnerUnavailableError,
  SpawnPrepareError,
  sharedSpawner,
  type Spawner,
} from "./spawner.ts";

export interface LocalProcessPluginOptions {
  /**
   * Task logs go to `<logDir>/<project>/<domain>/<generatedName>.log` (with `.exit`, `.pid` and `.aborted` records
   * beside them): the execution's project and domain in the path say whose log it is, so that serving it can be
   * authorized per project (and two projects' executions of the same name never share a file).
   */
  logDir: string;
  /** The URL that serves a task's log (linked from task events), from its path `<project>/<domain>/<generatedName>`. */
  logUrl: (logPath: string) => string;
  clock: Clock;
  /** Processes beyond this many stay WaitingForResources, and get slots in the order they asked. Default: unlimited. */
  maxConcurrent?: number;
  /** Added to every task's environment last (upstream's `default-env-vars`). */
  extraEnv?: Record<string, string>;
  /** Working directory of task processes. Default: the engine's, or a fresh one per attempt with `isolateWorkingDir`. */
  cwd?: string;
  /**
   * Without `cwd`: run each attempt in its own empty directory `<workDir>/<generatedName>` (removed when the attempt is
   * finalized), as a pod starts in its own filesystem. flytekit's `pyflyte-fast-execute --dest-dir .` unpacks the
   * registered code there; in a shared directory concurrent tasks of different versions would overwrite each other.
   */
  isolateWorkingDir?: boolean;
  /** Raw-container input/output directories live under `<workDir>/<generatedName>`. Default `<logDir>/work`. */
  workDir?: string;
  /** SIGTERM → SIGKILL grace on abort (default 5000 ms) and how long abort waits for the group to go (default 300 ms). */
  killGraceMs?: number;
  abortWaitMs?: number;
  /** Restarts of a vanished process for one attempt before it fails (SYSTEM). Default 3. */
  maxRestarts?: number;
  /** Run task processes as this account (config engine.runAsUser; only when the engine runs as root). */
  runAs?: RunAs;
  /**
   * What starts the task processes: a spawner process (default: the one shared by this engine process, see
   * spawner.ts), or `false` to fork them from the engine itself.
   */
  spawner?: Spawner | false;
}

export const LOG_NAME = "Local process logs";
/** Task types whose template carries a container (or a pod spec with a primary container) to run. */
const TASK_TYPES = ["container", "raw-container", "python-task", "sidecar"] as const;

/**
 * A process this instance spawned: its wrapper's pid, whether its exit was reported and the exit status reported with
 * it (the spawner reads the slot when the wrapper exits and renames it to the exit record; kept until finalize), and
 * whether the spawner then removed the attempt's empty work directory (settled after the exit's report).
 */
interface Spawned {
  pid: number;
  exited: boolean;
  status?: number | undefined;
  cleaned?: Promise<boolean> | undefined;
}

interface LocalState extends Partial<proc.ProcessRecord> {
  restarts: number;
  logs: boolean;
}

export class LocalProcessPlugin implements TaskPlugin {
  readonly id = "local-process";
  /** A process it spawned wakes the execution when it exits, a freed slot the attempts it admits (adopted ones: the poll). */
  readonly wakes = true;
  readonly taskTypes: readonly string[] = TASK_TYPES;
  readonly #o: LocalProcessPluginOptions;
  readonly #slots: ProcessSlots;
  readonly #killTimers = new Map<string, { first: number; timer: NodeJS.Timeout }>();
  /**
   * Processes this instance spawned, by generated name: their wrapper's pid and whether its exit event came. While
   * the wrapper lives the command has not ended (the wrapper writes the exit record, then exits), so a round need not
   * read the records: the exit event wakes the execution. Processes adopted after a restart are checked on files.
   */
  readonly #spawned = new Map<string, Spawned>();
  readonly #spawner: Spawner | undefined;

  constructor(options: LocalProcessPluginOptions) {
    this.#o = options;
    this.#slots = new ProcessSlots(options.maxConcurrent, options.clock);
    this.#spawner = options.spawner === false ? undefined : (options.spawner ?? sharedSpawner());
    this.#spawner?.start();
  }

  /** How many processes this instance counts against maxConcurrent. */
  get runningCount(): number {
    return this.#slots.heldCount;
  }

  async handle(
    ctx: TaskExecutionContext,
    state: PluginState | undefined,
  ): Promise<{ status: PluginStatus; state: PluginState }> {
    const st = parseState(state);
    if (st?.pid !== undefined) return this.#check(ctx, st as LocalState & proc.ProcessRecord);
    // The engine may have died after starting the process but before saving the state: adopt it from its record.
    const found = await this.#recover(ctx, st?.restarts ?? 0);
    if (found.rec) return this.#check(ctx, found.rec);
    if (found.exit !== undefined) return this.#finish(ctx, { restarts: found.restarts, logs: false }, found.exit);
    return this.#start(ctx, found.restarts);
  }

  /**
   * What the `.pid` record says about an attempt whose state has no process: nothing (start it), a process to check,
   * or — for a record reserved but never filled in — the live wrapper found in /proc, else the exit status it left,
   * else a restart (the engine died between the reservation and the record: started and vanished, or never started).
   */
  async #recover(
    ctx: TaskExecutionContext,
    restarts: number,
  ): Promise<{ rec?: LocalState & proc.ProcessRecord; exit?: number; restarts: number }> {
    const path = this.#path(ctx, "pid");
    const file = await proc.readRecord(path);
    if (file === undefined) return { restarts };
    const known = file === "unreadable" ? { restarts, startedAt: "" } : file;
    if (typeof known.pid === "number")
      return { rec: { ...known, pid: known.pid, logs: false }, restarts: known.restarts };
    const found = await proc.findWrapper(this.#path(ctx, "exit"), known.startedAt);
    if (found !== undefined) {
      ctx.logger.warn(
        { generatedName: ctx.generatedName, pid: found.pid },
        "adopting a task process found by its command line",
      );
      await proc.rewriteRecord(path, { ...found, restarts: known.restarts }).catch(() => undefined);
      return { rec: { ...found, restarts: known.restarts, logs: false }, restarts: known.restarts };
    }
    const exit = await proc.readExitStatus(this.#path(ctx, "exit"));
    if (exit !== undefined) return { exit, restarts: known.restarts };
    return { restarts: known.restarts + 1 };
  }

  async abort(ctx: TaskExecutionContext, state: PluginState | undefined, reason: string): Promise<void> {
    const name = ctx.generatedName;
    this.#slots.release(name);
    const rec = await this.#record(ctx, state);
    if (rec === undefined) return;
    if ((await proc.readExitStatus(this.#path(ctx, "exit"))) !== undefined) return; // finished: leave it alone
    if (!(await proc.ownsLiveGroup(rec))) return;
    const now = Date.now(); // real time: this is about signal delivery, not the engine's clock
    const pending = this.#killTimers.get(name);
    const grace = this.#o.killGraceMs ?? 5000;
    if (pending !== undefined && now - pending.first >= grace) {
      proc.signalGroup(rec.pid, "SIGKILL");
      return;
    }
    if (pending === undefined) {
      // The mark keeps a later handle() from taking the killed process for a vanished one and restarting it. It is
      // written into the reserved record in place, so an abort works on a full disk; when even that fails the
      // process is stopped regardless (an abort never waits for disk space).
      const file = await proc.readRecord(this.#path(ctx, "pid")).catch(() => undefined);
      const base = typeof file === "object" ? file : { restarts: 0, startedAt: rec.startedAt };
      await proc.rewriteRecord(this.#path(ctx, "pid"), { ...base, ...rec, aborted: reason }).catch((err: unknown) => {
        ctx.logger.warn({ generatedName: name, err }, "cannot mark the task process aborted; stopping it anyway");
      });
      await proc.appendLog(this.#path(ctx, "log"), `[aloft] aborting: ${reason}`).catch(() => undefined);
    }
    proc.signalGroup(rec.pid, "SIGTERM");
    const deadline = now + (this.#o.abortWaitMs ?? 300);
    while (proc.groupExists(rec.pid) && Date.now() < deadline) await sleep(20);
    if (!proc.groupExists(rec.pid) || pending !== undefined) return;
    const timer = setTimeout(() => {
      this.#killTimers.delete(name);
      proc.signalGroup(rec.pid, "SIGKILL");
    }, grace);
    timer.unref();
    this.#killTimers.set(name, { first: now, timer });
  }

  async finalize(ctx: TaskExecutionContext, state: PluginState | undefined): Promise<void> {
    // The log, `.exit` and `.pid` records stay: they are the attempt's history (and the log is served).
    this.#slots.release(ctx.generatedName);
    const mine = this.#spawned.get(ctx.generatedName);
    this.#spawned.delete(ctx.generatedName);
    // A command that finished but left background processes behind: like the end of a pod, they go with the attempt.
    // (Without an exit record an abort is in progress or the engine never aborted: abort's own timer handles it.)
    const rec = await this.#record(ctx, state);
    const reported = rec !== undefined && mine?.pid === rec.pid && mine.status !== undefined; // on disk as well
    if (rec !== undefined && (reported || (await proc.readExitStatus(this.#path(ctx, "exit"))) !== undefined)) {
      if (await proc.ownsLiveGroup(rec)) proc.signalGroup(rec.pid, "SIGKILL");
    }
    if (!(await mine?.cleaned)) await proc.removeWorkDir(join(this.#workDir(), ctx.generatedName));
  }

  async #start(ctx: TaskExecutionContext, restarts: number): Promise<{ status: PluginStatus; state: PluginState }> {
    const name = ctx.generatedName;
    // Taken before any await, so concurrent starts respect the limit.
    const slot = this.#slots.acquire(name, ctx.wake);
    if (!slot.granted) {
      return this.#result(
        {
          phase: "WaitingForResources",
          reason: `waiting for a local process slot (${slot.inUse} in use; number ${slot.place} in line)`,
        },
        { restarts, logs: false },
      );
    }
    try {
      return await this.#launch(ctx, restarts);
    } catch (e) {
      this.#slots.release(name);
      throw e;
    }
  }

  async #launch(ctx: TaskExecutionContext, restarts: number): Promise<{ status: PluginStatus; state: PluginState }> {
    const name = ctx.generatedName;
    const fail = (phase: PluginPhase, code: string, message: string, kind = ExecutionError_ErrorKind.USER) => {
      this.#slots.release(name);
      return this.#result({ phase, reason: message, error: execError(code, message, kind) }, { restarts, logs: false });
    };
    let spec: ContainerSpec;
    let argv: string[];
    const params = templateParamsFor(ctx);
    try {
      spec = containerSpecOf(ctx.template);
      argv = await renderTemplates([...spec.command, ...spec.args], params);
    } catch (e) {
      if (e instanceof TaskSpecError || e instanceof AloftError)
        return fail("PermanentFailure", "BadTaskSpecification", e.message);
      throw e;
    }
    if (argv.length === 0)
      return fail("PermanentFailure", "BadTaskSpecification", "the task's container has no command or args to run");
    if (spec.dataConfig !== undefined) {
      try {
        argv = await prepareRawContainer(ctx, spec.dataConfig, join(this.#workDir(), name), argv);
      } catch (e) {
        const msg = `failed to download inputs for the raw container: ${(e as Error).message}`;
        return fail("RetryableFailure", "InputDownloadFailed", msg, ExecutionError_ErrorKind.SYSTEM);
      }
    }
    // A pod's /tmp goes with the pod; a host process gets its own TMPDIR, removed with the attempt's work directory
    // at finalize (flytekit leaves a temporary sandbox directory behind on every run). It is made with the reservation
    // below; an isolated working directory is its parent, made with it.
    const tmp = join(this.#workDir(), name, "tmp");
    // Inputs as FLYTE_INPUT_<name> (the safe alternative to {{.Inputs.x}} in a shell command); flytekit's python tasks
    // read inputs.pb and never need them.
    const inputEnv =
      ctx.template.type === "python-task" ? {} : inputEnvironment(await params.inputs().catch(() => undefined));
    const env = { ...buildEnvironment(ctx, spec.env, this.#o.extraEnv, { ...process.env, TMPDIR: tmp }), ...inputEnv };
    if (this.#o.runAs?.home) env["HOME"] = this.#o.runAs.home;
    const cwd = this.#o.cwd ?? (this.#o.isolateWorkingDir ? join(this.#workDir(), name) : process.cwd());
    if (this.#o.cwd === undefined && this.#o.isolateWorkingDir) argv = localizeFastExecute(argv, cwd);
    if (resolveCommand(argv[0]!, env["PATH"] ?? "", cwd) === undefined) {
      return fail(
        "PermanentFailure",
        "CommandNotFound",
        `command [${argv[0]}] not found on this host (container images are not used locally)`,
      );
    }
    const now = this.#o.clock.now();
    const runAs = this.#o.runAs;
    const record: proc.RecordFile = { restarts, startedAt: now.toISOString() };
    // Reserved before the spawn: a process is never running without a record that lets a later round find it. The
    // spawner lays the reservation out itself when it can (one request, sync calls in a small process); a task run as
    // another account (chown between reservation and start) or restarted (a line in its log first) is reserved here.
    const reserveHere = this.#spawner === undefined || runAs !== undefined || restarts > 0;
    const reserve = async (): Promise<Awaited<ReturnType<typeof fail>> | undefined> => {
      try {
        await mkdir(tmp, { recursive: true });
        await mkdir(dirname(this.#path(ctx, "log")), { recursive: true });
        await proc.removeQuietly(this.#path(ctx, "exit")); // a record of an earlier run of this attempt is not this run's
        // The slot first: a reserved record always comes with a fresh slot (never a status left by an earlier run).
        await proc.reserveExitSlot(this.#path(ctx, "exit"));
        if (runAs) {
          await chown(`${this.#path(ctx, "exit")}.slot`, runAs.uid, runAs.gid);
          // The attempt's directory holds its TMPDIR, its working directory and, for raw containers, its data files.
          await chownTree(join(this.#workDir(), name), runAs);
        }
        await proc.reserveRecord(this.#path(ctx, "pid"), record);
        return undefined;
      } catch (e) {
        return this.#unreserved(ctx, e, fail);
      }
    };
    if (reserveHere) {
      const failed = await reserve();
      if (failed) return failed;
    }
    if (restarts > 0) {
      await proc
        .appendLog(
          this.#path(ctx, "log"),
          `[aloft] the previous process vanished without an exit status; restarting (${restarts})`,
        )
        .catch(() => undefined);
    }
    const spawned: Spawned = { pid: -1, exited: false };
    let rec: Awaited<ReturnType<typeof proc.spawnDetached>>;
    const request: Parameters<typeof proc.spawnDetached>[0] = {
      argv,
      env,
      cwd,
      logPath: this.#path(ctx, "log"),
      exitPath: this.#path(ctx, "exit"),
      now,
      record: { path: this.#path(ctx, "pid"), restarts },
      // Nothing reads the attempt's directory after the exit but a raw container's outputs (#finish): the spawner
      // removes it then if empty, and finalize has nothing left to remove (issue 16).
      ...(spec.dataConfig === undefined ? { cleanup: [tmp, join(this.#workDir(), name)] } : {}),
      onExit: (exit) => {
        spawned.exited = true;
        spawned.status = exit?.status;
        spawned.cleaned = exit?.cleaned;
        ctx.wake?.();
      },
      ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
    };
    try {
      const prepare = reserveHere
        ? undefined
        : proc.reservation(
            // The attempt's directory holds its TMPDIR (and may exist: raw containers' data, a working directory).
            { shared: [dirname(this.#path(ctx, "log")), this.#workDir()], fresh: [join(this.#workDir(), name), tmp] },
            this.#path(ctx, "exit"),
            this.#path(ctx, "pid"),
            record,
          );
      rec = await proc
        .spawnDetached({ ...request, ...(prepare && { prepare }) }, this.#spawner)
        .catch(async (e: unknown) => {
          if (e instanceof SpawnPrepareError) throw new Unreserved(this.#unreserved(ctx, e, fail));
          if (!(e instanceof SpawnerUnavailableError)) throw e;
          // The spawner cannot run here: reserve and fork from the engine, as without one.
          ctx.logger.warn({ err: e }, "the task spawner is unavailable; starting the process from the engine");
          if (!reserveHere) {
            const failed = await reserve();
            if (failed) throw new Unreserved(failed);
          }
          return proc.spawnDetached(request);
        });
    } catch (e) {
      if (e instanceof Unreserved) return e.result;
      if (!(e instanceof SpawnerLostError)) throw e;
      // The spawner died with the request in flight: the process may have started. The reserved record says what to
      // do next round, as after an engine that died right after a spawn: adopt the wrapper found by its command line,
      // else take its exit status, else start it again (a new spawner is forked then).
      ctx.logger.warn({ generatedName: name, err: e }, "the task spawner was lost while starting a process");
      queueMicrotask(() => ctx.wake?.());
      return this.#result(
        { phase: "Queued", reason: "process start interrupted; checking on it" },
        { restarts, logs: false },
      );
    }
    const { recorded, ...identity } = rec;
    spawned.pid = rec.pid;
    this.#spawned.set(name, spawned);
    // In place, within the reservation (done by the spawner when it could). Should it fail anyway, the wrapper is
    // found again by its command line.
    if (!recorded) {
      await proc.rewriteRecord(this.#path(ctx, "pid"), { ...identity, restarts }).catch((err: unknown) => {
        ctx.logger.warn({ generatedName: name, err }, "cannot fill in the task process record");
      });
    }
    ctx.logger.info({ generatedName: name, pid: rec.pid, command: argv[0] }, "local task process started");
    // The process runs once the spawn returns (unlike a pod, nothing is left to schedule): Running at once, as of the
    // spawn request, rather than Queued and Running at the next look — a status write, an event and a round less per
    // task (issue 16).
    const startedAt = new Date(rec.startedAt);
    return this.#result(
      {
        phase: "Running",
        reason: `process running (pid ${rec.pid})`,
        ...(Number.isNaN(startedAt.getTime()) ? {} : { occurredAt: startedAt }),
      },
      // In the order parseState reads it back: an unchanged state then compares equal, and the round after the
      // start saves nothing while the process runs.
      {
        restarts,
        logs: false,
        pid: identity.pid,
        ...(identity.startTicks === undefined ? {} : { startTicks: identity.startTicks }),
        startedAt: identity.startedAt,
      },
    );
  }

  /**
   * The reservation could not be written, so nothing was started: on a full disk the round waits and starts the
   * process once there is room (the attempt is not spent); any other error fails the attempt as a SYSTEM error.
   */
  #unreserved<R>(
    ctx: TaskExecutionContext,
    e: unknown,
    fail: (phase: PluginPhase, code: string, message: string, kind: ExecutionError_ErrorKind) => R,
  ): R {
    ctx.logger.error(
      { generatedName: ctx.generatedName, err: e },
      "cannot write the task process record; not starting it",
    );
    const exhausted = resourceExhausted(e, "reserving the task's process record");
    if (exhausted) {
      this.#slots.release(ctx.generatedName);
      throw exhausted;
    }
    return fail(
      "RetryableFailure",
      "ProcessRecordUnwritable",
      `cannot write the task's process record, so it was not started: ${(e as Error).message}`,
      ExecutionError_ErrorKind.SYSTEM,
    );
  }

  async #check(
    ctx: TaskExecutionContext,
    st: LocalState & proc.ProcessRecord,
  ): Promise<{ status: PluginStatus; state: PluginState }> {
    const name = ctx.generatedName;
    const mine = this.#spawned.get(name);
    if (mine !== undefined && mine.pid === st.pid && !mine.exited) return this.#stillRunning(ctx, st);
    // The status reported with the exit is the one on disk (renamed to the exit record before it was reported).
    let exit = mine?.pid === st.pid ? mine.status : undefined;
    exit ??= await proc.readExitStatus(this.#path(ctx, "exit"));
    // The wrapper gone but members of its group alive (the wrapper alone was killed): still running, not vanished.
    if (exit === undefined && ((await proc.isAlive(st)) || (await proc.groupHasLiveMembers(st)))) {
      return this.#stillRunning(ctx, st);
    }
    exit ??= await proc.readExitStatus(this.#path(ctx, "exit")); // it may have ended between the two looks
    this.#slots.release(name);
    if (exit === undefined) {
      this.#spawned.delete(name);
      const file = await proc.readRecord(this.#path(ctx, "pid"));
      const aborted =
        (typeof file === "object" ? file.aborted : undefined) ??
        (await proc.readJson<{ reason?: string }>(this.#path(ctx, "aborted")))?.reason; // records of earlier versions
      if (aborted !== undefined) return this.#result({ phase: "Aborted", reason: aborted || "aborted" }, st);
      if (st.restarts >= (this.#o.maxRestarts ?? 3)) {
        const msg = `process ${st.pid} vanished without an exit status ${st.restarts + 1} times`;
        return this.#result(
          {
            phase: "RetryableFailure",
            reason: msg,
            error: execError("ProcessVanished", msg, ExecutionError_ErrorKind.SYSTEM),
          },
          st,
        );
      }
      ctx.logger.warn({ generatedName: name, pid: st.pid }, "local task process vanished; restarting it");
      await proc.removeQuietly(this.#path(ctx, "pid")); // so that a waiting restart is not mistaken for the old run
      return this.#start(ctx, st.restarts + 1);
    }
    const finished = await this.#finish(ctx, st, exit);
    const startedAt = new Date(st.startedAt);
    if (!Number.isNaN(startedAt.getTime())) finished.status.startedAt = startedAt;
    return finished;
  }

  async #stillRunning(
    ctx: TaskExecutionContext,
    st: LocalState & proc.ProcessRecord,
  ): Promise<{ status: PluginStatus; state: PluginState }> {
    this.#slots.adopt(ctx.generatedName);
    const logs = st.logs || (await proc.logSize(this.#path(ctx, "log"))) > 0;
    const status: Partial<PluginStatus> & { phase: PluginPhase } = {
      phase: "Running",
      version: logs ? 1 : 0,
      reason: `process running (pid ${st.pid})`,
    };
    if (logs) status.logs = [this.#taskLog(ctx)];
    return this.#result(status, { ...st, logs });
  }

  async #finish(
    ctx: TaskExecutionContext,
    st: LocalState,
    exit: number,
  ): Promise<{ status: PluginStatus; state: PluginState }> {
    const logPath = this.#path(ctx, "log");
    const logs = (await proc.logSize(logPath)) > 0 ? [this.#taskLog(ctx)] : [];
    const state = { ...st, logs: logs.length > 0 };
    if (exit === 0) {
      if (containerSpecOf(ctx.template).dataConfig !== undefined) {
        const error = await collectRawOutputs(ctx, join(this.#workDir(), ctx.generatedName));
        if (error !== undefined) {
          const err = execError("OutputUploadFailed", error, ExecutionError_ErrorKind.USER);
          return this.#result({ phase: "RetryableFailure", reason: error, error: err, logs }, state);
        }
      }
      return this.#result({ phase: "Success", reason: "process exited with code 0", logs }, state);
    }
    const tail = await proc.logTail(logPath);
    const message = `\r\n[${ctx.generatedName}] terminated with exit code (${exit}). Reason [Error]. Message: \n${tail}.`;
    // 137 = 128 + SIGKILL: killed from outside (out of memory, shutdown), not the task's own failure.
    const err =
      exit === 137
        ? execError("Interrupted", message, ExecutionError_ErrorKind.SYSTEM)
        : execError("Error", message, ExecutionError_ErrorKind.USER);
    return this.#result(
      { phase: "RetryableFailure", reason: `process exited with code ${exit}`, error: err, logs },
      state,
    );
  }

  #result(
    status: Partial<PluginStatus> & { phase: PluginPhase },
    state: LocalState,
  ): { status: PluginStatus; state: PluginState } {
    const full: PluginStatus = { version: 0, ...status, occurredAt: status.occurredAt ?? this.#o.clock.now() };
    if (full.logs === undefined || full.logs.length === 0) delete full.logs;
    return { status: full, state: { ...state } };
  }

  #taskLog(ctx: TaskExecutionContext): TaskLog {
    return create(TaskLogSchema, {
      uri: this.#o.logUrl(taskLogPath(ctx)),
      name: LOG_NAME,
      messageFormat: TaskLog_MessageFormat.UNKNOWN,
    });
  }

  /** The process of this attempt: from the state, else from the `.pid` record (a state saved before the start). */
  async #record(ctx: TaskExecutionContext, state: PluginState | undefined): Promise<proc.ProcessRecord | undefined> {
    const st = parseState(state);
    if (st?.pid !== undefined)
      return {
        pid: st.pid,
        startedAt: st.startedAt ?? "",
        ...(st.startTicks === undefined ? {} : { startTicks: st.startTicks }),
      };
    const rec = await proc.readJson<proc.ProcessRecord>(this.#path(ctx, "pid"));
    return typeof rec?.pid === "number" ? rec : undefined;
  }

  #path(ctx: TaskExecutionContext, ext: "log" | "exit" | "pid" | "aborted"): string {
    return join(this.#o.logDir, `${taskLogPath(ctx)}.${ext}`);
  }

  #workDir(): string {
    return this.#o.workDir ?? join(this.#o.logDir, "work");
  }
}

/**
 * `<project>/<domain>/<generatedName>`: where an attempt's log lives under `logDir` and under the logs URL (the warm
 * workers' logs too).
 */
export function taskLogPath(ctx: TaskExecutionContext): string {
  const exec = ctx.id.nodeExecutionId?.executionId;
  return `${segment(exec?.project)}/${segment(exec?.domain)}/${ctx.generatedName}`;
}

/** A project or domain as one safe path segment (admin's ids always are; anything else becomes `_`). */
function segment(s: string | undefined): string {
  return s !== undefined && /^[a-z0-9][a-z0-9_-]{0,62}$/i.test(s) ? s : "_";
}

function execError(code: string, message: string, kind: ExecutionError_ErrorKind) {
  return create(ExecutionErrorSchema, { code, message, kind });
}

function parseState(state: PluginState | undefined): LocalState | undefined {
  if (state === undefined || typeof state !== "object") return undefined;
  const pid = typeof state["pid"] === "number" ? state["pid"] : undefined;
  const st: LocalState = {
    restarts: typeof state["restarts"] === "number" ? state["restarts"] : 0,
    logs: state["logs"] === true,
  };
  if (pid !== undefined) {
    st.pid = pid;
    if (typeof state["startTicks"] === "string") st.startTicks = state["startTicks"];
    st.startedAt = typeof state["startedAt"] === "string" ? state["startedAt"] : "";
  }
  return st;
}

/** A start given up before anything ran (the reservation failed): carries the plugin's answer out of the spawn. */
class Unreserved extends Error {
  constructor(readonly result: { status: PluginStatus; state: PluginState }) {
    super("not reserved");
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
