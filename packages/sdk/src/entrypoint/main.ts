// `aloft-execute`: the entrypoint a container task's command runs (one process per attempt). Exit codes, as the
// local-process plugin and the pod plugin expect: 0 once outputs.pb, futures.pb or error.pb is written (the engine
// reads error.pb on success, upstream flyteplugins/go/tasks/plugins/k8s/pod/plugin.go); 1 when not even error.pb could be written; 2 for bad arguments.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { executeTask, type ExecuteArgs } from "./execute.ts";
import { uriIo } from "./data-io.ts";

const FLAGS: Record<string, keyof ExecuteArgs> = {
  "--inputs": "inputs",
  "--output-prefix": "outputPrefix",
  "--raw-output-data-prefix": "rawOutputPrefix",
  "--checkpoint-path": "checkpointPath",
  "--prev-checkpoint": "prevCheckpoint",
  "--module": "module",
  "--task": "task",
};

export function parseArgs(argv: readonly string[]): ExecuteArgs {
  const out: Partial<ExecuteArgs> = { prevCheckpoint: "", checkpointPath: "", rawOutputPrefix: "" };
  for (let i = 0; i < argv.length; i += 2) {
    const key = FLAGS[argv[i]!];
    const value = argv[i + 1];
    if (!key || value === undefined) throw new Error(`unexpected argument ${argv[i]}`);
    out[key] = value;
  }
  for (const k of ["inputs", "outputPrefix", "module", "task"] as const) {
    if (!out[k]) throw new Error(`missing --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  }
  return out as ExecuteArgs;
}

/** Imports a module by path (resolved against the working directory). */
export const importModule = (module: string) =>
  import(pathToFileURL(resolve(module)).href) as Promise<Record<string, unknown>>;

export async function main(argv: readonly string[]): Promise<number> {
  let args: ExecuteArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`aloft-execute: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const outcome = await executeTask(args, { io: uriIo(), env: process.env, load: importModule });
    if (outcome !== "success" && outcome !== "dynamic")
      process.stderr.write(`aloft-execute: task ${args.task} failed (${outcome}); see error.pb\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`aloft-execute: ${(e as Error)?.stack ?? e}\n`);
    return 1;
  }
}
