// Test support for the local-process plugin: a task execution context over a local blob store in a temp dir,
// and a loop that drives handle() until a condition holds (no timed assertions: it polls until it does).
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { TaskTemplateSchema, type TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { TaskExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LocalBlobStore } from "@aloft/core";
import { putMessage } from "@aloft/core";
import { silentLogger } from "@aloft/core";
import { systemClock } from "@aloft/core";
import type { PluginPhase, PluginState, PluginStatus, TaskExecutionContext } from "../plugin.ts";
import { LocalProcessPlugin, type LocalProcessPluginOptions } from "./local-process-plugin.ts";

export interface Sandbox {
  root: string;
  store: LocalBlobStore;
  /** Where this sandbox's attempts keep their logs and records (`<plugin logDir>/proj/dev`). */
  logDir: string;
  /** The attempts' work directories (`<plugin logDir>/work`). */
  workDir: string;
  plugin(extra?: Partial<LocalProcessPluginOptions>): LocalProcessPlugin;
  /** A context for attempt `attempt` of node `nodeId`, with inputs written when given. */
  context(opts: {
    nodeId?: string;
    attempt?: number;
    template: MessageInitShape<typeof TaskTemplateSchema>;
    inputs?: MessageInitShape<typeof LiteralMapSchema>;
    environment?: Record<string, string>;
  }): Promise<TaskExecutionContext>;
  cleanup(): Promise<void>;
}

export async function sandbox(): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), "aloft-lp-"));
  const store = new LocalBlobStore({ root: join(root, "blobs") });
  const pluginLogDir = join(root, "logs");
  const logDir = join(pluginLogDir, "proj", "dev");
  return {
    root,
    store,
    logDir,
    workDir: join(pluginLogDir, "work"),
    plugin: (extra = {}) =>
      new LocalProcessPlugin({
        logDir: pluginLogDir,
        logUrl: (n) => `http://localhost:8088/logs/${n}`,
        clock: systemClock,
        killGraceMs: 1000,
        ...extra,
      }),
    async context(opts) {
      const nodeId = opts.nodeId ?? "n0";
      const attempt = opts.attempt ?? 0;
      const generatedName = `exec1-${nodeId}-${attempt}`;
      const dataKey = `metadata/propeller/proj-dev-exec1/${nodeId}/data`;
      const template: TaskTemplate = create(TaskTemplateSchema, opts.template);
      if (opts.inputs !== undefined)
        await putMessage(store, `${dataKey}/inputs.pb`, LiteralMapSchema, create(LiteralMapSchema, opts.inputs));
      const raw = store.uri(`raw/ab/${generatedName}`);
      return {
        id: create(TaskExecutionIdentifierSchema, {
          taskId: { project: "proj", domain: "dev", name: "my.task", version: "v1" },
          nodeExecutionId: { nodeId, executionId: { project: "proj", domain: "dev", name: "exec1" } },
          retryAttempt: attempt,
        }),
        generatedName,
        template,
        inputsUri: store.uri(`${dataKey}/inputs.pb`),
        inputValuesUri: store.uri(`${dataKey}/inputs.pb`),
        outputPrefix: store.uri(`${dataKey}/${attempt}`),
        rawOutputPrefix: raw,
        checkpointPrefix: `${raw}/_flytecheckpoints`,
        previousCheckpointPrefix: "",
        attempt,
        interruptible: false,
        environment: opts.environment ?? {},
        blobStore: store,
        logger: silentLogger(),
      };
    },
    async cleanup() {
      // A failed test may leave a task running: kill every group this sandbox started before removing its files.
      for (const f of await readdir(logDir).catch(() => [] as string[])) {
        if (!f.endsWith(".pid")) continue;
        const pid = (JSON.parse(await readFile(join(logDir, f), "utf8")) as { pid?: number }).pid;
        if (pid !== undefined) {
          try {
            process.kill(-pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A `container` task template running `command` (args empty). */
export function containerTask(
  command: string[],
  extra: MessageInitShape<typeof TaskTemplateSchema> = {},
): MessageInitShape<typeof TaskTemplateSchema> {
  return {
    id: { project: "proj", domain: "dev", name: "my.task", version: "v1" },
    type: "container",
    target: { case: "container", value: { image: "ignored:latest", command } },
    ...extra,
  } as MessageInitShape<typeof TaskTemplateSchema>;
}

export interface Driven {
  status: PluginStatus;
  state: PluginState;
  phases: PluginPhase[];
}

/** Calls handle() (never blocking) until `until` holds for the status; records the phases seen. */
export async function drive(
  plugin: { handle: LocalProcessPlugin["handle"] },
  ctx: TaskExecutionContext,
  until: (s: PluginStatus) => boolean,
  state?: PluginState,
  maxRounds = 2000,
): Promise<Driven> {
  const phases: PluginPhase[] = [];
  let st = state;
  for (let i = 0; i < maxRounds; i++) {
    const r = await plugin.handle(ctx, st);
    st = r.state;
    if (phases[phases.length - 1] !== r.status.phase) phases.push(r.status.phase);
    if (until(r.status)) return { status: r.status, state: r.state, phases };
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`condition not reached; phases seen: ${phases.join(" → ")}`);
}

export const isTerminal = (s: PluginStatus) =>
  ["Success", "RetryableFailure", "PermanentFailure", "Aborted"].includes(s.phase);

/** Polls `cond` every 10 ms until it holds; throws naming `what` after `rounds` tries. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, rounds = 1500): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}
