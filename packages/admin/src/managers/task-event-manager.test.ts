// CreateTaskEvent rules (upstream flyteadmin/pkg/manager/impl/task_execution_manager.go) and the task execution reads, on SQLite
// (with and without the event cache) and PostgreSQL.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { TaskExecutionEventRequestSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import {
  TaskExecutionGetRequestSchema,
  TaskExecutionListRequestSchema,
} from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import { TaskExecution_Phase as Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import {
  ExternalResourceInfoSchema,
  TaskExecutionMetadataSchema,
  type TaskExecutionEvent,
} from "@aloft/idl/flyteidl/event/event_pb.js";
import { MemoryBlobStore } from "@aloft/core";
import { ManualClock } from "@aloft/core/testing";
import { type AloftError, Code } from "@aloft/core";
import { createTestDatabase, type TestDatabase } from "@aloft/testkit";
import { ExecutionRepo } from "../repositories/execution-repo.ts";
import { NodeExecutionRepo } from "../repositories/node-execution-repo.ts";
import { TaskExecutionRepo } from "../repositories/task-execution-repo.ts";
import { ExecutionData, defaultRemoteDataOptions } from "./execution-data-manager.ts";
import { EventCache } from "./event-cache.ts";
import { GroupCommit } from "../repositories/group-commit.ts";
import { executionRow, nodeExecutionRow } from "../repositories/test-rows.ts";
import { TaskEventManager, filterLogs, mergeLogs, mergePatch } from "./task-event-manager.ts";
import { TaskExecutionManager } from "./task-execution-manager.ts";

const exec = { project: "p", domain: "d", name: "e1" };
const taskId = { resourceType: ResourceType.TASK, project: "p", domain: "d", name: "t", version: "v1" };
const teId = (attempt = 0) => ({ taskId, nodeExecutionId: { executionId: exec, nodeId: "n0" }, retryAttempt: attempt });
let testDb: TestDatabase;
let events: TaskEventManager;
let reads: TaskExecutionManager;
let t = 1_700_000_000_000;

for (const [dialect, cached] of [
  ["sqlite", false],
  ["sqlite", true],
  ["postgres", true],
] as const)
  describe(`${dialect}, ${cached ? "with the event cache" : "reading before every write"}`, () => {
    before(async () => {
      testDb = await createTestDatabase(dialect);
    });
    after(() => testDb.drop());
    beforeEach(async () => {
      const db = testDb.database.db;
      for (const tbl of ["task_executions", "node_executions", "executions"] as const)
        await db.deleteFrom(tbl).execute();
      const empty = { closure: new Uint8Array(), spec: new Uint8Array() };
      await new ExecutionRepo(db).create(executionRow("e1", empty), [], 1);
      await new NodeExecutionRepo(db).create(
        nodeExecutionRow("n0", { phase: "RUNNING", closure: new Uint8Array() }),
        1,
      );
      const data = new ExecutionData(new MemoryBlobStore(), defaultRemoteDataOptions());
      const repo = new TaskExecutionRepo(db);
      events = new TaskEventManager({
        repo,
        data,
        clock: new ManualClock(),
        // As wired in production: the cache and the group commit of concurrent events' writes.
        ...(cached ? { cache: new EventCache(), writes: new GroupCommit(db) } : {}),
      });
      reads = new TaskExecutionManager({ repo, data });
    });

    const send = (phase: Phase, extra: Record<string, unknown> = {}) =>
      events.createTaskEvent(
        create(TaskExecutionEventRequestSchema, {
          event: {
            taskId,
            parentNodeExecutionId: { executionId: exec, nodeId: "n0" },
            phase,
            occurredAt: timestampFromMs((t += 1000)),
            producerId: "propeller",
            ...extra,
          } as TaskExecutionEvent,
        }),
      );
    const get = (attempt = 0) => reads.get(create(TaskExecutionGetRequestSchema, { id: teId(attempt) }));
    async function rejects(p: Promise<unknown>, code: Code, message: RegExp): Promise<AloftError> {
      let caught: AloftError | undefined;
      await assert.rejects(p, (e: AloftError) => {
        caught = e;
        assert.equal(e.code, code, e.message);
        assert.match(e.message, message);
        return true;
      });
      return caught!;
    }

    test("validation: occurred_at, task id type; a missing parent node is INTERNAL", async () => {
      await rejects(send(Phase.RUNNING, { occurredAt: undefined }), Code.INVALID_ARGUMENT, /^missing occurred_at$/);
      await rejects(
        send(Phase.RUNNING, { taskId: { ...taskId, resourceType: ResourceType.WORKFLOW } }),
        Code.INVALID_ARGUMENT,
        /resource type/,
      );
      await rejects(
        send(Phase.RUNNING, { parentNodeExecutionId: { executionId: exec, nodeId: "nX" } }),
        Code.INTERNAL,
        /^failed to get existing node execution id/,
      );
      await rejects(
        send(Phase.RUNNING, { parentNodeExecutionId: { executionId: { ...exec, name: "x" }, nodeId: "n0" } }),
        Code.NOT_FOUND,
        /missing entity of type execution/,
      );
    });

    test("phase versions: the same phase with a higher version is an update; repeats are ALREADY_EXISTS", async () => {
      await send(Phase.RUNNING, { phaseVersion: 0 });
      await rejects(
        send(Phase.RUNNING, { phaseVersion: 0 }),
        Code.ALREADY_EXISTS,
        /^have already recorded task execution phase RUNNING \(version: 0\)/,
      );
      await send(Phase.RUNNING, { phaseVersion: 1, reason: "pulling image" });
      const te = await get();
      assert.equal(te.closure?.phase, Phase.RUNNING);
      assert.deepEqual(
        te.closure?.reasons.map((r) => r.message),
        ["pulling image"],
      );
    });

    test("terminal phases refuse later events (RETRYABLE_FAILED is not terminal)", async () => {
      await send(Phase.RUNNING);
      await send(Phase.RETRYABLE_FAILED, {
        outputResult: { case: "error", value: { code: "x", message: "retry me" } },
      });
      await send(Phase.FAILED);
      const e = await rejects(
        send(Phase.RUNNING),
        Code.FAILED_PRECONDITION,
        /^invalid phase change from FAILED to RUNNING for task execution/,
      );
      const detail = e.details[0];
      assert.ok(detail, "the refusal carries an EventFailureReason detail");
      assert.equal(
        (detail.value as unknown as { reason: { value: { currentPhase: string } } }).reason.value.currentPhase,
        "RUNNING",
      );
    });

    test("started_at on the first RUNNING only; duration and offloaded outputs at the end; logs merged and filtered", async () => {
      await send(Phase.QUEUED, {
        logs: [
          { name: "pending", uri: "u0", ShowWhilePending: true },
          { name: "hidden", uri: "u1" },
        ],
      });
      let te = await get();
      assert.deepEqual(
        te.closure?.logs.map((l) => l.name),
        ["pending"],
      );
      await send(Phase.RUNNING, { logs: [{ name: "stdout", uri: "u2" }], customInfo: { a: 1, b: { c: 2 } } });
      const started = (await get()).closure?.startedAt;
      await send(Phase.RUNNING, {
        phaseVersion: 1,
        logs: [{ name: "done-hide", uri: "u3", HideOnceFinished: true }],
        customInfo: { b: { d: 3 }, a: null },
      });
      te = await get();
      assert.deepEqual(te.closure?.startedAt, started);
      assert.deepEqual(te.closure?.customInfo, { b: { c: 2, d: 3 } });
      assert.deepEqual(
        te.closure?.logs.map((l) => l.name),
        ["done-hide", "stdout", "pending"],
      );
      await send(Phase.SUCCEEDED, { outputResult: { case: "outputData", value: { literals: {} } } });
      te = await get();
      assert.deepEqual(
        te.closure?.logs.map((l) => l.name),
        ["stdout", "pending"],
      );
      assert.ok(te.closure?.duration);
      assert.equal(
        te.closure?.outputResult.case === "outputUri" ? te.closure.outputResult.value : "",
        "mem://test/metadata/p/d/e1/n0/p/d/t/v1/0/offloaded_outputs",
      );
      const list = await reads.list(
        create(TaskExecutionListRequestSchema, { nodeExecutionId: { executionId: exec, nodeId: "n0" }, limit: 5 }),
      );
      assert.equal(list.taskExecutions.length, 1);
      assert.equal(list.taskExecutions[0]?.isParent, false);
      await rejects(
        reads.list(create(TaskExecutionListRequestSchema, { nodeExecutionId: { executionId: exec, nodeId: "n0" } })),
        Code.INVALID_ARGUMENT,
        /^invalid value for limit$/,
      );
    });

    test("retry attempts are separate task executions; external resources are sorted and merged", async () => {
      await send(Phase.RUNNING, {
        metadata: {
          generatedName: "g",
          externalResources: [
            { index: 1, externalId: "b" },
            { index: 0, externalId: "a" },
          ],
        },
      });
      await send(Phase.RUNNING, {
        phaseVersion: 1,
        metadata: {
          externalResources: [
            { index: 1, phase: Phase.SUCCEEDED },
            { index: 2, externalId: "c" },
          ],
        },
      });
      await send(Phase.QUEUED, { retryAttempt: 1 });
      const md = (await get()).closure?.metadata;
      assert.equal(md?.generatedName, "g");
      assert.deepEqual(
        md?.externalResources.map((r) => [r.index, r.externalId, r.phase]),
        [
          [0, "a", 0],
          [1, "b", Phase.SUCCEEDED],
          [2, "c", 0],
        ],
      );
      assert.equal((await get(1)).closure?.phase, Phase.QUEUED);
      await rejects(get(2), Code.NOT_FOUND, /missing entity of type task execution/);
    });

    test("merging later events into the stored closure never changes an earlier event's message", async () => {
      await send(Phase.RUNNING, { metadata: { externalResources: [{ index: 0, externalId: "a" }] } });
      // A message, not an object literal: create() keeps messages as they are, so the manager sees this very object.
      const added = create(ExternalResourceInfoSchema, { index: 1, externalId: "b", phase: Phase.RUNNING });
      const second = { phaseVersion: 1, metadata: { externalResources: [added] } };
      await send(Phase.RUNNING, second);
      await send(Phase.RUNNING, {
        phaseVersion: 2,
        metadata: { externalResources: [{ index: 1, phase: Phase.SUCCEEDED }] },
      });
      assert.equal(added.phase, Phase.RUNNING);
      const md = (await get()).closure?.metadata;
      assert.deepEqual(
        md?.externalResources.map((r) => [r.index, r.externalId, r.phase]),
        [
          [0, "a", 0],
          [1, "b", Phase.SUCCEEDED],
        ],
      );
    });

    test("merging later events never changes the first event's metadata, which the stored closure starts from", async () => {
      const b = create(ExternalResourceInfoSchema, { index: 1, externalId: "b", phase: Phase.QUEUED });
      const a = create(ExternalResourceInfoSchema, { index: 0, externalId: "a", phase: Phase.QUEUED });
      // Messages, not object literals: create() keeps them, so the manager sees these very objects.
      const first = create(TaskExecutionMetadataSchema, { generatedName: "g", externalResources: [b, a] });
      await send(Phase.RUNNING, { metadata: first });
      await send(Phase.RUNNING, {
        phaseVersion: 1,
        metadata: {
          generatedName: "h",
          pluginIdentifier: "p",
          externalResources: [
            { index: 1, phase: Phase.SUCCEEDED, logs: [{ name: "l", uri: "u" }] },
            { index: 2, externalId: "c" },
          ],
        },
      });
      assert.equal(first.generatedName, "g");
      assert.equal(first.pluginIdentifier, "");
      assert.deepEqual(first.externalResources, [b, a]);
      assert.deepEqual([b.phase, b.logs.length, a.phase], [Phase.QUEUED, 0, Phase.QUEUED]);
      const md = (await get()).closure?.metadata;
      assert.deepEqual([md?.generatedName, md?.pluginIdentifier], ["h", "p"]);
      assert.deepEqual(
        md?.externalResources.map((r) => [r.index, r.externalId, r.phase, r.logs.length]),
        [
          [0, "a", Phase.QUEUED, 0],
          [1, "b", Phase.SUCCEEDED, 1],
          [2, "c", 0, 0],
        ],
      );
    });

    test("an array node's events carrying only the changed elements merge into the complete list, per retry attempt", async () => {
      const size = 50;
      const resource = (index: number, phase: Phase, retryAttempt = 0) => ({
        index,
        retryAttempt,
        phase,
        externalId: `g-n${index}-${retryAttempt}`,
      });
      await send(Phase.RUNNING, {
        taskType: "container_array",
        metadata: {
          pluginIdentifier: "k8s-array",
          externalResources: [resource(3, Phase.QUEUED), resource(1, Phase.QUEUED)],
        },
      });
      // Elements queue, run and succeed a few per event, in no particular order; element 7 fails once and retries.
      let version = 0;
      for (let i = size - 1; i >= 0; i -= 5) {
        const batch = [i, i - 1, i - 2].filter((x) => x >= 0);
        await send(Phase.RUNNING, {
          phaseVersion: ++version,
          metadata: { externalResources: batch.map((x) => resource(x, Phase.RUNNING)) },
        });
        await send(Phase.RUNNING, {
          phaseVersion: ++version,
          metadata: { externalResources: batch.map((x) => resource(x, Phase.SUCCEEDED)) },
        });
      }
      await send(Phase.RUNNING, {
        phaseVersion: ++version,
        metadata: { externalResources: [resource(7, Phase.RUNNING, 1), resource(7, Phase.RUNNING)] },
      });
      await send(Phase.RUNNING, { phaseVersion: ++version, metadata: { externalResources: [] } });
      const md = (await get()).closure?.metadata;
      assert.equal(md?.pluginIdentifier, "k8s-array");
      const done = new Set<number>();
      for (let i = size - 1; i >= 0; i -= 5) for (const x of [i, i - 1, i - 2]) if (x >= 0) done.add(x);
      const expected: [number, number, Phase][] = [];
      for (let i = 0; i < size; i++) {
        const phase =
          i === 7 ? Phase.RUNNING : done.has(i) ? Phase.SUCCEEDED : i === 1 || i === 3 ? Phase.QUEUED : undefined;
        if (phase !== undefined) expected.push([i, 0, phase]);
        if (i === 7) expected.push([7, 1, Phase.RUNNING]);
      }
      assert.deepEqual(
        md?.externalResources.map((r) => [r.index, r.retryAttempt, r.phase]),
        expected,
      );
      assert.equal(md?.externalResources.find((r) => r.index === 7 && r.retryAttempt === 1)?.externalId, "g-n7-1");
    });

    test("pure helpers: log merge, log filter, JSON merge patch", () => {
      const log = (name: string, uri: string) => ({
        $typeName: "flyteidl.core.TaskLog" as const,
        name,
        uri,
        messageFormat: 0,
        ShowWhilePending: false,
        HideOnceFinished: false,
      });
      assert.deepEqual(
        mergeLogs([log("a", "1")], [log("a", "2"), log("b", "1"), log("c", "3")]).map((l) => l.name),
        ["a", "c"],
      );
      assert.deepEqual(filterLogs([log("a", "1")], Phase.QUEUED), []);
      assert.deepEqual(mergePatch({ a: [1], b: 1 }, { a: [2], c: null }), { a: [2], b: 1 });
    });
  });
