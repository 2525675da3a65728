// The task entrypoint's core (our pyflyte-execute): read inputs.pb, run the task function, write outputs.pb, or
// error.pb with the error's origin (USER: the function threw or returned a bad value; SYSTEM: the module could not be
// loaded, the data could not be read) and kind (RECOVERABLE only for RecoverableError and I/O failures, as flytekit:
// a NON_RECOVERABLE user error is not retried). A dynamic task writes futures.pb (a DynamicJobSpec) instead.
// Shared by the CLI entrypoint (a process per attempt), warm workers and runLocal's in-process plugin.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { LiteralMapSchema, type Literal, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { ContainerError_Kind, ErrorDocumentSchema } from "@aloft/idl/flyteidl/core/errors_pb.js";
import { ExecutionError_ErrorKind } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { joinUri } from "@aloft/core";
import { fromLiteralMap, toLiteralMap } from "../types/index.ts";
import { isEntity, type DynamicDef, type TaskDef } from "../authoring/entities.ts";
import { makeTaskContext } from "./task-context-impl.ts";
import { uploadLocalBlobs } from "./upload.ts";
import { dynamicJobSpec, type DynamicJobSpecResult } from "./dynamic-spec.ts";
import { arrayElementInputs, arrayIndexOf } from "./array-element.ts";
import type { DataIo } from "./data-io.ts";

export interface ExecuteArgs {
  inputs: string;
  outputPrefix: string;
  rawOutputPrefix: string;
  checkpointPath: string;
  /** "" or `""` on a first attempt. */
  prevCheckpoint: string;
  module: string;
  /** Export name of the task in the module. */
  task: string;
  /**
   * An array element's own inputs (the sub-node's resolved inputs.pb, the element of every mapped input): read instead
   * of `inputs`, and not sliced by the array index. Runtimes that know it (warm workers, runLocal) pass it, so that an
   * element reads its few literals rather than the array node's full lists (O(N) per element, O(N²) per map).
   */
  elementInputs?: string;
}

export interface ExecuteDeps {
  io: DataIo;
  env: Record<string, string | undefined>;
  /** Loads the module's exports (cached by warm workers). */
  load(module: string): Promise<Record<string, unknown>>;
  /** Where a dynamic task's sub-tasks run the entrypoint (defaults to the SDK's own bin). */
  entrypoint?: readonly string[];
}

export type Outcome = "success" | "dynamic" | "user-error" | "system-error";

/**
 * A user error that may be retried (written to error.pb as RECOVERABLE, so the task's `retries` apply); any other
 * thrown error fails the attempt for good.
 * @example
 * ```ts
 * task({ inputs: {}, outputs: { body: t.string() }, retries: 3 }, async () => {
 *   const res = await fetch("https://example.com/data");
 *   if (res.status === 503) throw new RecoverableError("upstream busy");
 *   return { body: await res.text() };
 * });
 * ```
 */
export class RecoverableError extends Error {
  override readonly name = "RecoverableError";
}

class Failure extends Error {
  constructor(
    readonly origin: "USER" | "SYSTEM",
    readonly code: string,
    message: string,
    readonly recoverable: boolean,
  ) {
    super(message);
  }
}

/**
 * Runs one attempt of a task as the `aloft-execute` command does: reads inputs.pb, runs the function, writes
 * outputs.pb, futures.pb (dynamic) or error.pb; resolves with the outcome once one of them is written.
 * @example
 * ```ts
 * const outcome = await executeTask(
 *   { inputs: "file:///tmp/a/inputs.pb", outputPrefix: "file:///tmp/a/0", rawOutputPrefix: "file:///tmp/a/raw",
 *     checkpointPath: "file:///tmp/a/raw/_flytecheckpoints", prevCheckpoint: '""', module: "/app/tasks.ts", task: "add" },
 *   { io: uriIo(), env: process.env, load: (m) => import(m) },
 * );   // "success" | "dynamic" | "user-error" | "system-error"
 * ```
 */
export async function executeTask(args: ExecuteArgs, deps: ExecuteDeps): Promise<Outcome> {
  try {
    return await run(args, deps);
  } catch (e) {
    const f =
      e instanceof Failure ? e : new Failure("SYSTEM", "SYSTEM:Unknown", `${(e as Error)?.stack ?? String(e)}`, true);
    await writeError(args, deps, f);
    return f.origin === "USER" ? "user-error" : "system-error";
  }
}

async function run(args: ExecuteArgs, deps: ExecuteDeps): Promise<Outcome> {
  const exports = await deps.load(args.module).catch((e: unknown) => {
    throw new Failure(
      "SYSTEM",
      "SYSTEM:ModuleLoadError",
      `cannot load ${args.module}: ${(e as Error)?.stack ?? e}`,
      false,
    );
  });
  const def = exports[args.task];
  if (!isEntity(def) || (def.kind !== "task" && def.kind !== "dynamic")) {
    throw new Failure("SYSTEM", "SYSTEM:TaskNotFound", `${args.module} exports no task named ${args.task}`, false);
  }
  const from = args.elementInputs ?? args.inputs;
  const bytes = await deps.io.read(from).catch((e: unknown) => {
    throw new Failure("SYSTEM", "SYSTEM:InputsReadError", `cannot read ${from}: ${(e as Error).message}`, true);
  });
  let literals = bytes && bytes.length > 0 ? fromBinary(LiteralMapSchema, bytes) : create(LiteralMapSchema);
  let inputs: Record<string, unknown>;
  try {
    const index = args.elementInputs === undefined ? arrayIndexOf(deps.env) : undefined;
    if (index !== undefined) literals = arrayElementInputs(def.inputs, literals, index);
    inputs = fromLiteralMap(def.inputs, literals, "input");
  } catch (e) {
    throw new Failure("USER", "USER:BadInputs", (e as Error).message, false);
  }
  const ctx = makeTaskContext(args, deps, def.options.name ?? args.task);
  if (def.kind === "dynamic") return runDynamic(def, inputs, ctx, args, deps);
  let result: unknown;
  try {
    result = await (def as TaskDef).fn(inputs as never, ctx);
  } catch (e) {
    const err = e as Error;
    throw new Failure("USER", `USER:${err?.name ?? "Error"}`, err?.stack ?? String(e), e instanceof RecoverableError);
  }
  let outputs: LiteralMap;
  try {
    outputs = toLiteralMap(def.outputs, (result ?? {}) as never, "output");
  } catch (e) {
    throw new Failure("USER", "USER:BadOutputs", (e as Error).message, false);
  }
  for (const [k, l] of Object.entries(outputs.literals)) {
    outputs.literals[k] = await uploadLocalBlobs(l as Literal, deps.io, joinUri(args.rawOutputPrefix, k));
  }
  await deps.io.write(joinUri(args.outputPrefix, "outputs.pb"), toBinary(LiteralMapSchema, outputs));
  return "success";
}

async function runDynamic(
  def: DynamicDef,
  inputs: Record<string, unknown>,
  ctx: ReturnType<typeof makeTaskContext>,
  args: ExecuteArgs,
  deps: ExecuteDeps,
): Promise<Outcome> {
  let spec: DynamicJobSpecResult;
  try {
    spec = await dynamicJobSpec(def, inputs, ctx, args, deps);
  } catch (e) {
    const err = e as Error;
    throw new Failure("USER", `USER:${err?.name ?? "Error"}`, err?.stack ?? String(e), e instanceof RecoverableError);
  }
  if ("outputs" in spec) {
    await deps.io.write(joinUri(args.outputPrefix, "outputs.pb"), toBinary(LiteralMapSchema, spec.outputs));
    return "success";
  }
  await deps.io.write(joinUri(args.outputPrefix, "futures.pb"), spec.futures);
  return "dynamic";
}

async function writeError(args: ExecuteArgs, deps: ExecuteDeps, f: Failure): Promise<void> {
  const doc = create(ErrorDocumentSchema, {
    error: {
      code: f.code,
      message: f.message,
      kind: f.recoverable ? ContainerError_Kind.RECOVERABLE : ContainerError_Kind.NON_RECOVERABLE,
      origin: f.origin === "USER" ? ExecutionError_ErrorKind.USER : ExecutionError_ErrorKind.SYSTEM,
      timestamp: timestampFromDate(new Date()),
      worker: deps.env.HOSTNAME ?? "",
    },
  });
  await deps.io.write(joinUri(args.outputPrefix, "error.pb"), toBinary(ErrorDocumentSchema, doc));
}
