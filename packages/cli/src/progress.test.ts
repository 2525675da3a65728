// The watch view: redrawn in place on a terminal, one line per change otherwise; failures end with the error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ExecutionSchema, type Execution } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { NodeExecutionSchema, type NodeExecution } from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { NodeExecution_Phase as N, WorkflowExecution_Phase as W } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { AloftClient } from "@aloft/client";
import type { WatchOptions } from "@aloft/client/testing";
import type { CliContext } from "./context.ts";
import { followExecution } from "./progress.ts";

const at = (s: number) => timestampFromMs(Date.UTC(2024, 0, 1) + s * 1000);
const exec = (phase: W, error?: string): Execution =>
  create(ExecutionSchema, {
    id: { project: "p", domain: "d", name: "e1" },
    closure: {
      phase,
      duration: { seconds: 3n },
      ...(error ? { outputResult: { case: "error", value: { message: error } } } : {}),
    },
  });
const node = (id: string, phase: N, created: number, isParentNode = false): NodeExecution =>
  create(NodeExecutionSchema, {
    id: { nodeId: id },
    metadata: { isParentNode },
    closure: { phase, createdAt: at(created), startedAt: at(created), duration: { seconds: 2n, nanos: 500_000_000 } },
  });

/** A client whose execution goes through `frames` (one per poll); node ids `a/b` are children of `a`. */
function fakeContext(frames: Array<[Execution, NodeExecution[]]>, tty: boolean): CliContext {
  let i = 0;
  const client = {
    async watchExecution(_id: unknown, o: WatchOptions = {}) {
      let last: W | undefined;
      for (i = 0; i < frames.length; i++) {
        const e = frames[i]![0];
        const phase = e.closure?.phase ?? W.UNDEFINED;
        if (phase !== last) await o.onPhase?.((last = phase), e);
        await o.onPoll?.(e);
      }
      return frames[frames.length - 1]![0];
    },
    async *listAll(_m: string, req: { uniqueParentId: string }) {
      for (const n of frames[i]![1]) {
        const [parent, child] = (n.id?.nodeId ?? "").split("/");
        if (req.uniqueParentId === "" && child === undefined) yield n;
        else if (req.uniqueParentId === parent && child !== undefined)
          yield create(NodeExecutionSchema, { metadata: n.metadata, closure: n.closure, id: { nodeId: child } });
      }
    },
  } as unknown as AloftClient;
  return { client, format: "table", isTTY: tty } as unknown as CliContext;
}

const frames: Array<[Execution, NodeExecution[]]> = [
  [exec(W.QUEUED), [node("start-node", N.SUCCEEDED, 0)]],
  [exec(W.RUNNING), [node("start-node", N.SUCCEEDED, 0), node("train", N.RUNNING, 1)]],
  [exec(W.RUNNING), [node("train", N.RUNNING, 1), node("eval", N.QUEUED, 2)]],
  [exec(W.SUCCEEDED), [node("train", N.SUCCEEDED, 1), node("eval", N.SUCCEEDED, 2), node("end-node", N.SUCCEEDED, 3)]],
];

const nested: Array<[Execution, NodeExecution[]]> = [
  [
    exec(W.RUNNING),
    [node("sub", N.RUNNING, 1, true), node("sub/sub-0-start-node", N.SUCCEEDED, 1), node("sub/n0", N.RUNNING, 2)],
  ],
  [
    exec(W.SUCCEEDED),
    [
      node("sub", N.SUCCEEDED, 1, true),
      node("sub/n0", N.SUCCEEDED, 2),
      node("sub/n1", N.SKIPPED, 3),
      node("after", N.SUCCEEDED, 4),
    ],
  ],
];

test("line by line when not a terminal: each change once, start/end nodes hidden", async () => {
  let out = "";
  await followExecution(
    fakeContext(frames, false),
    { project: "p", domain: "d", name: "e1" },
    { intervalMs: 0, write: (s) => void (out += s) },
  );
  assert.equal(
    out,
    [
      "execution p/d/e1 QUEUED",
      "[train] RUNNING",
      "execution p/d/e1 RUNNING",
      "[eval] QUEUED",
      "[train] SUCCEEDED 2.5s",
      "[eval] SUCCEEDED 2.5s",
      "execution p/d/e1 SUCCEEDED in 3.0s",
      "",
    ].join("\n"),
  );
});

test("on a terminal each frame replaces the previous one", async () => {
  const writes: string[] = [];
  await followExecution(
    fakeContext(frames, true),
    { project: "p", domain: "d", name: "e1" },
    { intervalMs: 0, write: (s) => void writes.push(s) },
  );
  assert.equal(writes[0], "execution p/d/e1  QUEUED\nNODE  PHASE  DURATION\n");
  assert.ok(writes[1]?.startsWith("\x1b[2A\x1b[0Jexecution p/d/e1  RUNNING\n"), JSON.stringify(writes[1]));
  assert.ok(writes[3]?.startsWith("\x1b[4A\x1b[0J"), "moves up over the previous frame's four lines");
  assert.match(writes[3] ?? "", /train\s+SUCCEEDED\s+2\.5s\neval\s+SUCCEEDED\s+2\.5s\n$/);
  assert.equal(writes.at(-1), "execution p/d/e1 SUCCEEDED in 3.0s\n");
});

test("an execution that fails throws with its error message", async () => {
  const failed: Array<[Execution, NodeExecution[]]> = [[exec(W.FAILED, "OOMKilled\nmore detail"), []]];
  await assert.rejects(
    followExecution(
      fakeContext(failed, false),
      { project: "p", domain: "d", name: "e1" },
      { intervalMs: 0, write: () => {} },
    ),
    /^ExecutionFailed: execution p\/d\/e1 FAILED in 3\.0s: OOMKilled more detail$/,
  );
});

test("children of parent nodes follow their parent, indented on a terminal and as paths otherwise", async () => {
  let out = "";
  await followExecution(
    fakeContext(nested, false),
    { project: "p", domain: "d", name: "e1" },
    { intervalMs: 0, write: (s) => void (out += s) },
  );
  assert.deepEqual(
    out.split("\n").filter((l) => l.startsWith("[")),
    [
      "[sub] RUNNING",
      "[sub/n0] RUNNING",
      "[sub] SUCCEEDED 2.5s",
      "[sub/n0] SUCCEEDED 2.5s",
      "[sub/n1] SKIPPED 2.5s",
      "[after] SUCCEEDED 2.5s",
    ],
  );
  const writes: string[] = [];
  await followExecution(
    fakeContext(nested, true),
    { project: "p", domain: "d", name: "e1" },
    { intervalMs: 0, write: (s) => void writes.push(s) },
  );
  assert.match(
    writes[1] ?? "",
    /\nsub\s+SUCCEEDED\s+2\.5s\n {2}n0\s+SUCCEEDED\s+2\.5s\n {2}n1\s+SKIPPED\s+2\.5s\nafter\s+SUCCEEDED/,
  );
});
