// Test support: a scripted task plugin. Each task name gets a script deciding, per handle call of an attempt, what
// the "task" does (stay queued, run, write outputs.pb or error.pb, fail). Call counts live in the plugin state, so a
// new engine over the same store continues where the old one stopped.
import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ContainerError_Kind, ErrorDocumentSchema } from "@aloft/idl/flyteidl/core/errors_pb.js";
import { ExecutionError_ErrorKind, ExecutionErrorSchema } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { LiteralMapSchema, type Literal, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { putMessage } from "@aloft/core";
import { errorKey, outputsKey } from "@aloft/core";
import type { PluginState, PluginStatus, TaskExecutionContext, TaskPlugin } from "../plugins/plugin.ts";

interface AttemptCall {
  ctx: TaskExecutionContext;
  inputs: LiteralMap;
  /** 1 on the first handle of this attempt. */
  call: number;
  writeOutputs(literals: Record<string, Literal>): Promise<void>;
  writeErrorPb(code: string, message: string, recoverable: boolean, origin?: "USER" | "SYSTEM"): Promise<void>;
}

export type Script = (a: AttemptCall) => Promise<PluginStatus> | PluginStatus;

export const queued = (): PluginStatus => ({ phase: "Queued", version: 0, reason: "task submitted" });
export const running = (version = 0): PluginStatus => ({ phase: "Running", version });

/** Queued, Running, then writes the outputs computed from the inputs and succeeds. */
export function succeed(outputs: (inputs: LiteralMap) => Record<string, Literal> = () => ({})): Script {
  return async (a) => {
    if (a.call === 1) return queued();
    if (a.call === 2) return running();
    await a.writeOutputs(outputs(a.inputs));
    return { phase: "Success", version: 0 };
  };
}

/** Fails the first `n` attempts (RetryableFailure of the given kind), then runs `then`. */
export function failTimes(n: number, kind: "USER" | "SYSTEM", then: Script): Script {
  return (a) => {
    if (a.ctx.attempt >= n) return then(a);
    if (a.call === 1) return queued();
    return {
      phase: "RetryableFailure",
      version: 0,
      error: create(ExecutionErrorSchema, {
        code: kind === "USER" ? "UserError" : "SystemError",
        message: `attempt ${a.ctx.attempt} failed`,
        kind: kind === "USER" ? ExecutionError_ErrorKind.USER : ExecutionError_ErrorKind.SYSTEM,
      }),
    };
  };
}

/** Writes error.pb and reports Success (as a pod whose entrypoint caught the error). */
export function errorPb(recoverable: boolean, origin: "USER" | "SYSTEM" = "USER"): Script {
  return async (a) => {
    if (a.call === 1) return queued();
    await a.writeErrorPb("ValueError", "bad value", recoverable, origin);
    return { phase: "Success", version: 0 };
  };
}

export const permanentFailure = (): Script => (a) =>
  a.call === 1
    ? queued()
    : {
        phase: "PermanentFailure",
        version: 0,
        error: create(ExecutionErrorSchema, { code: "Fatal", message: "boom", kind: ExecutionError_ErrorKind.USER }),
      };

/** Never finishes. */
export const never = (): Script => (a) => (a.call === 1 ? queued() : running());

export class FakePlugin implements TaskPlugin {
  readonly id = "fake";
  readonly taskTypes = ["python-task", "container", "raw-container"];
  readonly scripts = new Map<string, Script>();
  defaultScript: Script = succeed();
  /** Generated names in the order their attempts started. */
  readonly started: string[] = [];
  readonly aborted: { name: string; reason: string }[] = [];
  readonly finalized: string[] = [];
  readonly interruptible: boolean[] = [];
  readonly rawPrefixes: string[] = [];
  /** The context of every attempt, in start order. */
  readonly contexts: TaskExecutionContext[] = [];

  script(taskName: string, s: Script): this {
    this.scripts.set(taskName, s);
    return this;
  }

  async handle(ctx: TaskExecutionContext, state: PluginState | undefined) {
    const call = ((state?.["calls"] as number | undefined) ?? 0) + 1;
    if (call === 1) {
      this.started.push(ctx.generatedName);
      this.contexts.push(ctx);
      this.interruptible.push(ctx.interruptible);
      this.rawPrefixes.push(ctx.rawOutputPrefix);
    }
    const blobs = ctx.blobStore;
    const outDir = blobs.keyOf(ctx.outputPrefix);
    const inputs = elementOf(ctx, fromBinary(LiteralMapSchema, await blobs.get(blobs.keyOf(ctx.inputsUri))));
    const script = this.scripts.get(ctx.template.id?.name ?? "") ?? this.defaultScript;
    const status = await script({
      ctx,
      inputs,
      call,
      writeOutputs: (literals) =>
        putMessage(blobs, outputsKey(outDir), LiteralMapSchema, create(LiteralMapSchema, { literals })),
      writeErrorPb: (code, message, recoverable, origin = "USER") =>
        putMessage(
          blobs,
          errorKey(outDir),
          ErrorDocumentSchema,
          create(ErrorDocumentSchema, {
            error: {
              code,
              message,
              kind: recoverable ? ContainerError_Kind.RECOVERABLE : ContainerError_Kind.NON_RECOVERABLE,
              origin: origin === "USER" ? ExecutionError_ErrorKind.USER : ExecutionError_ErrorKind.SYSTEM,
              timestamp: timestampFromMs(0),
            },
          }),
        ),
    });
    return { status, state: { calls: call } };
  }

  async abort(ctx: TaskExecutionContext, _state: PluginState | undefined, reason: string) {
    this.aborted.push({ name: ctx.generatedName, reason });
  }

  async finalize(ctx: TaskExecutionContext) {
    this.finalized.push(ctx.generatedName);
  }
}

/**
 * The inputs as a map-task entrypoint sees them (flytekit's ArrayNodeMapTask): an array sub-node gets the array
 * node's full lists and, by the index its environment names, takes its element of each list the task declares as a
 * single value.
 */
function elementOf(ctx: TaskExecutionContext, file: LiteralMap): LiteralMap {
  const indexVar = ctx.environment["BATCH_JOB_ARRAY_INDEX_VAR_NAME"];
  if (indexVar === undefined) return file;
  const index = Number(ctx.environment[indexVar]);
  const declared = ctx.template.interface?.inputs?.variables ?? {};
  const literals: Record<string, Literal> = {};
  for (const [k, l] of Object.entries(file.literals)) {
    const single = declared[k]?.type?.type.case !== "collectionType";
    literals[k] = single && l.value.case === "collection" ? l.value.value.literals[index]! : l;
  }
  return create(LiteralMapSchema, { literals });
}
