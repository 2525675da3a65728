// CreateNodeEvent rules (upstream flyteadmin/pkg/manager/impl/node_execution_manager.go) and the node execution reads, on SQLite.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { NodeExecutionEventRequestSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import { NodeExecution_Phase as Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { NodeExecutionEvent } from "@aloft/idl/flyteidl/event/event_pb.js";
import { MemoryBlobStore } from "@aloft/core";
import { ManualClock } from "@aloft/core/testing";
import { silentLogger } from "@aloft/core";
import { type AloftError, Code } from "@aloft/core";
import { createTestDatabase, type TestDatabase } from "@aloft/testkit";
import { ExecutionRepo } from "../repositories/execution-repo.ts";
import { executionRow } from "../repositories/test-rows.ts";
import { NodeExecutionRepo } from "../repositories/node-execution-repo.ts";
import { TaskExecutionRepo } from "../repositories/task-execution-repo.ts";
import { ExecutionData, defaultRemoteDataOptions } from "./execution-data-manager.ts";
import { EventCache } from "./event-cache.ts";
import { GroupCommit } from "../repositories/group-commit.ts";
import { NodeEventManager } from "./node-event-manager.ts";
import { NodeExecutionManager } from "./node-execution-manager.ts";

const exec = { project: "p", domain: "d", name: "e1" };
let testDb: TestDatabase;
let events: NodeEventManager;
let reads: NodeExecutionManager;
let t = 1_700_000_000_000;

const executionRowFor = (name: string, cluster = "") =>
  executionRow(name, { closure: new Uint8Array(), spec: new Uint8Array(), cluster });

for (const cached of [false, true])
  describe(cached ? "with the event cache" : "reading before every write", () => {
    before(async () => {
      testDb = await createTestDatabase("sqlite");
    });
    after(() => testDb.drop());
    beforeEach(async () => {
      const db = testDb.database.db;
      for (const tbl of ["task_executions", "node_executions", "executions"] as const)
        await db.deleteFrom(tbl).execute();
      const executions = new ExecutionRepo(db);
      await executions.create(executionRowFor("e1", "c1"), [], 1);
      await executions.create(executionRowFor("child"), [], 1);
      const data = new ExecutionData(new MemoryBlobStore(), defaultRemoteDataOptions());
      const repo = new NodeExecutionRepo(db);
      const taskExecutions = new TaskExecutionRepo(db);
      events = new NodeEventManager({
        repo,
        executions,
        taskExecutions,
        data,
        clock: new ManualClock(),
        logger: silentLogger(),
        // As wired in production: the cache and the group commit of concurrent events' writes.
        ...(cached ? { cache: new EventCache(), writes: new GroupCommit(db) } : {}),
      });
      reads = new NodeExecutionManager({ repo, taskExecutions, data });
    });

    const send = (nodeId: string, phase: Phase, extra: Record<string, unknown> = {}) =>
      events.createNodeEvent(
        create(NodeExecutionEventRequestSchema, {
          event: {
            id: { executionId: exec, nodeId },
            phase,
            occurredAt: timestampFromMs((t += 1000)),
            producerId: "propeller",
            eventVersion: 2,
            specNodeId: nodeId,
            ...extra,
          } as NodeExecutionEvent,
        }),
      );
    const get = (nodeId: string) =>
      reads.get({
        $typeName: "flyteidl.admin.NodeExecutionGetRequest",
        id: {
          $typeName: "flyteidl.core.NodeExecutionIdentifier",
          executionId: { $typeName: "flyteidl.core.WorkflowExecutionIdentifier", ...exec, org: "" },
          nodeId,
        },
      });
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

    test("a node execution is created by its first event, whatever the phase; repeats are ALREADY_EXISTS", async () => {
      await send("start-node", Phase.SUCCEEDED);
      const start = await get("start-node");
      assert.equal(start.closure?.phase, Phase.SUCCEEDED);
      assert.equal(start.metadata?.specNodeId, "start-node");
      await rejects(
        send("start-node", Phase.SUCCEEDED),
        Code.ALREADY_EXISTS,
        /^This phase SUCCEEDED was already recorded for node_id:"start-node"/,
      );
    });

    test("after a terminal phase: FAILED_PRECONDITION whose detail carries the event's phase (upstream's quirk)", async () => {
      await send("n0", Phase.RUNNING, { inputValue: { case: "inputUri", value: "mem://test/in" } });
      await send("n0", Phase.FAILED, {
        outputResult: { case: "error", value: { code: "E", message: "m".repeat(300), kind: 1 } },
      });
      const e = await rejects(
        send("n0", Phase.RUNNING),
        Code.FAILED_PRECONDITION,
        /^Invalid phase change from FAILED to RUNNING for node execution \d+$/,
      );
      const reason = e.details[0]?.value as unknown as { reason: { case: string; value: { currentPhase: string } } };
      assert.equal(reason.reason.case, "alreadyInTerminalState");
      assert.equal(reason.reason.value.currentPhase, "RUNNING");
      const n0 = await get("n0");
      assert.ok(n0.closure?.startedAt && n0.closure.duration);
      assert.equal(n0.inputUri, "mem://test/in");
      const list = await reads.list(
        create((await import("@aloft/idl/flyteidl/admin/node_execution_pb.js")).NodeExecutionListRequestSchema, {
          workflowExecutionId: exec,
          limit: 10,
        }),
      );
      const err = list.nodeExecutions[0]?.closure?.outputResult;
      assert.equal(
        err?.case === "error" ? Buffer.byteLength(err.value.message) : 0,
        100,
        "lists trim error messages to 100 bytes",
      );
    });

    test("QUEUED after RUNNING is accepted; input uri is set once; is_parent only ever turns on", async () => {
      await send("n0", Phase.RUNNING, { isParent: true, inputValue: { case: "inputUri", value: "mem://test/a" } });
      await send("n0", Phase.QUEUED, { isParent: false, inputValue: { case: "inputUri", value: "mem://test/b" } });
      const n0 = await get("n0");
      assert.equal(n0.closure?.phase, Phase.QUEUED);
      assert.equal(n0.inputUri, "mem://test/a");
      assert.equal(n0.metadata?.isParentNode, true);
    });

    test("parents: a child names its parent node (NOT_FOUND when absent); unique_parent_id lists children", async () => {
      await rejects(
        send("n0-0-n1", Phase.QUEUED, { parentNodeMetadata: { nodeId: "n0" } }),
        Code.NOT_FOUND,
        /missing entity of type node execution with identifier node_id:"n0"/,
      );
      await send("n0", Phase.RUNNING, { isParent: true });
      await send("n0-0-n1", Phase.QUEUED, { parentNodeMetadata: { nodeId: "n0" } });
      const { NodeExecutionListRequestSchema } = await import("@aloft/idl/flyteidl/admin/node_execution_pb.js");
      const top = await reads.list(create(NodeExecutionListRequestSchema, { workflowExecutionId: exec, limit: 10 }));
      assert.deepEqual(
        top.nodeExecutions.map((n) => n.id?.nodeId),
        ["n0"],
      );
      const children = await reads.list(
        create(NodeExecutionListRequestSchema, { workflowExecutionId: exec, limit: 10, uniqueParentId: "n0" }),
      );
      assert.deepEqual(
        children.nodeExecutions.map((n) => n.id?.nodeId),
        ["n0-0-n1"],
      );
      await rejects(
        reads.list(
          create(NodeExecutionListRequestSchema, { workflowExecutionId: exec, limit: 10, uniqueParentId: "zz" }),
        ),
        Code.NOT_FOUND,
        /node_id:"zz"/,
      );
      await rejects(
        reads.list(create(NodeExecutionListRequestSchema, { workflowExecutionId: exec })),
        Code.INVALID_ARGUMENT,
        /^invalid value for limit$/,
      );
    });

    test("launch plan nodes: the child execution must exist and is recorded once", async () => {
      await send("lp-node", Phase.QUEUED);
      await rejects(
        send("lp-node", Phase.RUNNING, {
          targetMetadata: { case: "workflowNodeMetadata", value: { executionId: { ...exec, name: "ghost" } } },
        }),
        Code.NOT_FOUND,
        /ghost/,
      );
      await send("lp-node", Phase.RUNNING, {
        targetMetadata: { case: "workflowNodeMetadata", value: { executionId: { ...exec, name: "child" } } },
      });
      const n = await get("lp-node");
      assert.equal(
        n.closure?.targetMetadata.case === "workflowNodeMetadata"
          ? n.closure.targetMetadata.value.executionId?.name
          : "",
        "child",
      );
    });

    test("cluster mismatch, unknown execution, outputs offloaded, dynamic workflows", async () => {
      await rejects(send("n0", Phase.RUNNING, { producerId: "c9" }), Code.FAILED_PRECONDITION, /does not match/);
      await rejects(
        events.createNodeEvent(
          create(NodeExecutionEventRequestSchema, {
            event: {
              id: { executionId: { ...exec, name: "nope" }, nodeId: "n0" },
              phase: Phase.RUNNING,
              occurredAt: timestampFromMs(t),
            },
          }),
        ),
        Code.NOT_FOUND,
        /^Failed to get existing execution id/,
      );
      await rejects(
        send("n0", Phase.RUNNING, { occurredAt: undefined }),
        Code.INTERNAL,
        /^failed to read event timestamp$/,
      );
      await send("n0", Phase.RUNNING);
      const { GetDynamicNodeWorkflowRequestSchema, NodeExecutionGetDataRequestSchema } = await import(
        "@aloft/idl/flyteidl/admin/node_execution_pb.js"
      );
      const nid = { executionId: exec, nodeId: "n0" };
      await rejects(
        reads.getDynamicNodeWorkflow(create(GetDynamicNodeWorkflowRequestSchema, { id: nid })),
        Code.NOT_FOUND,
        /^node does not contain dynamic workflow$/,
      );
      const wfId = { resourceType: ResourceType.WORKFLOW, project: "p", domain: "d", name: "dyn", version: "v" };
      await send("n0", Phase.SUCCEEDED, {
        outputResult: { case: "outputData", value: { literals: {} } },
        targetMetadata: {
          case: "taskNodeMetadata",
          value: {
            dynamicWorkflow: {
              id: wfId,
              compiledWorkflow: { primary: { template: { id: wfId } } },
              dynamicJobSpecUri: "mem://test/futures.pb",
            },
          },
        },
      });
      const n0 = await get("n0");
      assert.equal(
        n0.closure?.outputResult.case === "outputUri" ? n0.closure.outputResult.value : "",
        "mem://test/metadata/p/d/e1/n0/offloaded_outputs",
      );
      assert.equal(n0.closure?.dynamicJobSpecUri, "mem://test/futures.pb");
      const dyn = await reads.getDynamicNodeWorkflow(create(GetDynamicNodeWorkflowRequestSchema, { id: nid }));
      assert.equal(dyn.compiledWorkflow?.primary?.template?.id?.name, "dyn");
      const data = await reads.getData(create(NodeExecutionGetDataRequestSchema, { id: nid }));
      assert.equal(data.dynamicWorkflow?.id?.name, "dyn");
      assert.equal(data.flyteUrls?.outputs, "flyte://v1/p/d/e1/n0/o");
      assert.equal(data.flyteUrls?.deck, "");
    });

    test("another writer in between: the cached state is not trusted (compare-and-set, then a fresh read)", async () => {
      const db = testDb.database.db;
      await send("n0", Phase.QUEUED);
      await send("n0", Phase.RUNNING);
      // Another admin replica records SUCCEEDED behind this one's back.
      await db
        .updateTable("node_executions")
        .set({ phase: "SUCCEEDED", updated_at: 42 })
        .where("node_id", "=", "n0")
        .execute();
      await rejects(
        send("n0", Phase.FAILED),
        Code.FAILED_PRECONDITION,
        /^Invalid phase change from SUCCEEDED to FAILED/,
      );
      await send("n1", Phase.QUEUED);
      await db
        .updateTable("node_executions")
        .set({ updated_at: 43, input_uri: "mem://test/other" })
        .where("node_id", "=", "n1")
        .execute();
      await send("n1", Phase.RUNNING, { inputValue: { case: "inputUri", value: "mem://test/mine" } });
      const n1 = await get("n1");
      assert.equal(n1.closure?.phase, Phase.RUNNING);
      assert.equal(n1.inputUri, "mem://test/other", "the other writer's input uri survives");
    });

    test("dynamic / map children name their parent task execution; ListNodeExecutionsForTask lists them", async () => {
      const db = testDb.database.db;
      await send("n0", Phase.RUNNING);
      const taskId = { resourceType: ResourceType.TASK, project: "p", domain: "d", name: "t", version: "v1" };
      const parentTask = { taskId, nodeExecutionId: { executionId: exec, nodeId: "n0" }, retryAttempt: 0 };
      await rejects(
        send("n0-0-dn0", Phase.QUEUED, { parentTaskMetadata: { id: parentTask } }),
        Code.NOT_FOUND,
        /task execution/,
      );
      await new TaskExecutionRepo(db).create(
        {
          project: "p",
          domain: "d",
          name: "t",
          version: "v1",
          execution_project: "p",
          execution_domain: "d",
          execution_name: "e1",
          node_id: "n0",
          retry_attempt: 0,
          phase: "RUNNING",
          phase_version: 0,
          closure: new Uint8Array(),
          started_at: null,
          task_execution_created_at: 1,
          task_execution_updated_at: 1,
          input_uri: "",
          duration: 0,
        },
        1,
      );
      await send("n0-0-dn0", Phase.QUEUED, { parentTaskMetadata: { id: parentTask } });
      const { NodeExecutionForTaskListRequestSchema, NodeExecutionListRequestSchema } = await import(
        "@aloft/idl/flyteidl/admin/node_execution_pb.js"
      );
      const forTask = await reads.listForTask(
        create(NodeExecutionForTaskListRequestSchema, { taskExecutionId: parentTask, limit: 10 }),
      );
      assert.deepEqual(
        forTask.nodeExecutions.map((n) => n.id?.nodeId),
        ["n0-0-dn0"],
      );
      const top = await reads.list(create(NodeExecutionListRequestSchema, { workflowExecutionId: exec, limit: 10 }));
      assert.deepEqual(
        top.nodeExecutions.map((n) => n.id?.nodeId),
        ["n0"],
        "children of task executions are not top-level",
      );
    });
  });
