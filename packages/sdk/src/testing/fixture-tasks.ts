// Tasks for the entrypoint, warm-worker and runLocal tests (loaded by path, as a registered module would be).
import * as t from "../types/index.ts";
import { dynamic, task } from "../authoring/entities.ts";
import { RecoverableError } from "../entrypoint/execute.ts";

/** Counts how often this module was evaluated in the current process (warm workers load it once). */
const g = globalThis as { __aloftFixtureLoads?: number };
g.__aloftFixtureLoads = (g.__aloftFixtureLoads ?? 0) + 1;

export const add = task({ name: "add", inputs: { a: t.int(), b: t.int() }, outputs: { sum: t.int() } }, ({ a, b }) => ({
  sum: a + b,
}));

export const whoami = task(
  { name: "whoami", inputs: {}, outputs: { pid: t.int(), loads: t.int(), attempt: t.int() }, warm: true },
  (_, ctx) => ({
    pid: process.pid,
    loads: g.__aloftFixtureLoads ?? 0,
    attempt: ctx.attempt,
  }),
);

export const noop = task({ name: "noop", inputs: { i: t.int() }, outputs: {}, warm: true }, () => ({}));

export const boom = task({ name: "boom", inputs: {}, outputs: { x: t.int() } }, () => {
  throw new TypeError("boom went the task");
});

export const flaky = task({ name: "flaky", inputs: {}, outputs: { attempt: t.int() }, retries: 2 }, (_, ctx) => {
  if (ctx.attempt < 1) throw new RecoverableError("try again");
  return { attempt: ctx.attempt };
});

export const badOutput = task({ name: "bad_output", inputs: {}, outputs: { x: t.int() } }, () => ({
  x: "nope" as unknown as number,
}));

/** Saves a checkpoint and fails recoverably on the first attempt; the retry reads it back. */
export const resumable = task(
  { name: "resumable", inputs: {}, outputs: { resumedFrom: t.string() }, retries: 1 },
  async (_, ctx) => {
    const prev = await ctx.checkpoint.read();
    if (!prev) {
      await ctx.checkpoint.write("step-41");
      throw new RecoverableError("interrupted after step 41");
    }
    return { resumedFrom: Buffer.from(prev).toString("utf8") };
  },
);

export const sleepy = task({ name: "sleepy", inputs: { ms: t.int() }, outputs: {}, warm: true }, ({ ms }) => {
  console.log(`sleeping ${ms} ms`);
  console.error("(a line on stderr)");
  return new Promise<Record<string, never>>((r) => setTimeout(() => r({}), ms));
});

/** Kills the process it runs in (a warm worker's crash): exit code 7. */
export const crash = task({ name: "crash", inputs: {}, outputs: {}, warm: true }, () => process.exit(7));

export const fanOut = dynamic(
  { name: "fan_out", inputs: { n: t.int() }, outputs: { total: t.list(t.int()) } },
  (b, { n }) => {
    const sums = Array.from({ length: n }, (_, i) => b.call(add, { a: i, b: 1 }).sum);
    return { total: sums };
  },
);

/** Returns a local file and a local directory: the entrypoint uploads both under the raw output prefix. */
export const localOutputs = task(
  { name: "local_outputs", inputs: { dir: t.string() }, outputs: { f: t.file("txt"), d: t.directory() } },
  async ({ dir }) => {
    const { mkdir, writeFile } = await import("node:fs/promises");
    await mkdir(`${dir}/tree/sub`, { recursive: true });
    await writeFile(`${dir}/note.txt`, "note");
    await writeFile(`${dir}/tree/a.txt`, "a");
    await writeFile(`${dir}/tree/sub/b.txt`, "b");
    return { f: { uri: `${dir}/note.txt` }, d: { uri: `${dir}/tree` } };
  },
);
