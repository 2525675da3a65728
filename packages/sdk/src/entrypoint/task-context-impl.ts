// The TaskContext of one attempt, over the entrypoint's data I/O.
import { joinUri } from "@aloft/core";
import type { TaskContext } from "../authoring/task-context.ts";
import type { DatasetRef, FileRef } from "../types/blobs.ts";
import type { ExecuteArgs, ExecuteDeps } from "./execute.ts";

export const CHECKPOINT_FILE = "checkpoint";

export function makeTaskContext(args: ExecuteArgs, deps: ExecuteDeps, taskName: string): TaskContext {
  const { io, env } = deps;
  const prev = args.prevCheckpoint === '""' ? "" : args.prevCheckpoint;
  const read = async (ref: FileRef) => {
    const bytes = await io.read(ref.uri);
    if (!bytes) throw new Error(`${ref.uri} does not exist`);
    return bytes;
  };
  return {
    execution: {
      project: env.FLYTE_INTERNAL_EXECUTION_PROJECT ?? "local",
      domain: env.FLYTE_INTERNAL_EXECUTION_DOMAIN ?? "local",
      name: env.FLYTE_INTERNAL_EXECUTION_ID ?? "local",
    },
    taskName,
    attempt: Number(env.FLYTE_ATTEMPT_NUMBER ?? 0),
    rawOutputPrefix: args.rawOutputPrefix,
    env,
    checkpoint: {
      read: async () => (prev === "" ? undefined : io.read(joinUri(prev, CHECKPOINT_FILE))),
      write: (data) => io.write(joinUri(args.checkpointPath, CHECKPOINT_FILE), data),
    },
    async writeFile(name, data) {
      const uri = joinUri(args.rawOutputPrefix, name);
      await io.write(uri, data);
      return { uri };
    },
    readFile: read,
    async writeRows<Row>(name: string, rows: readonly Row[]): Promise<DatasetRef<Row>> {
      const uri = joinUri(args.rawOutputPrefix, name);
      await io.write(uri, rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : ""));
      return { uri };
    },
    async readRows<Row>(ref: DatasetRef<Row>): Promise<Row[]> {
      const text = Buffer.from(await read(ref)).toString("utf8");
      return text
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Row);
    },
  };
}
