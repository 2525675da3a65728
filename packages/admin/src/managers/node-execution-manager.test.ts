// NodeExecutionManager.listForSpans (GetExecutionMetrics' read) against ListNodeExecutions on SQLite and PostgreSQL:
// the same node executions in the same order with the same closures and metadata, across pages.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { clone, create, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  NodeExecutionClosureSchema,
  NodeExecutionListRequestSchema,
  NodeExecutionMetaDataSchema,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { NodeExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { WorkflowExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { type AloftError, Code, MemoryBlobStore } from "@aloft/core";
import { forEachDatabase } from "@aloft/testkit";
import { ExecutionRepo } from "../repositories/execution-repo.ts";
import { type NewNodeExecutionRow, NodeExecutionRepo } from "../repositories/node-execution-repo.ts";
import { TaskExecutionRepo } from "../repositories/task-execution-repo.ts";
import { executionRow, nodeExecutionRow } from "../repositories/test-rows.ts";
import { ExecutionData, defaultRemoteDataOptions } from "./execution-data-manager.ts";
import { NodeExecutionManager } from "./node-execution-manager.ts";

const exec = create(WorkflowExecutionIdentifierSchema, { project: "p", domain: "d", name: "e1" });

function nodeRow(nodeId: string, i: number, over: Partial<NewNodeExecutionRow> = {}): NewNodeExecutionRow {
  const closure = create(NodeExecutionClosureSchema, {
    phase: NodeExecution_Phase.SUCCEEDED,
    // Nanoseconds the micro-second columns cannot hold: spans need the closure's.
    createdAt: { ...timestampFromMs(1_700_000_000_000 + i), nanos: 123_456_789 },
    updatedAt: timestampFromMs(1_700_000_001_000 + i),
    outputResult: { case: "error", value: { code: "E", message: "x".repeat(200) } },
  });
  return nodeExecutionRow(nodeId, {
    phase: "SUCCEEDED",
    closure: toBinary(NodeExecutionClosureSchema, closure),
    node_execution_metadata: toBinary(
      NodeExecutionMetaDataSchema,
      create(NodeExecutionMetaDataSchema, { specNodeId: `spec-${nodeId}` }),
    ),
    ...over,
  });
}

forEachDatabase("NodeExecutionManager.listForSpans", (getDb) => {
  let manager: NodeExecutionManager;
  let repo: NodeExecutionRepo;
  let parent: number;

  beforeEach(async () => {
    const db = getDb().db;
    for (const t of ["task_executions", "node_executions", "execution_tags", "executions"] as const)
      await db.deleteFrom(t).execute();
    const executions = new ExecutionRepo(db);
    await executions.create(executionRow("e1", { closure: new Uint8Array(), spec: new Uint8Array() }), [], 1);
    repo = new NodeExecutionRepo(db);
    // A legacy row (event_version 0, no is_parent in its metadata) whose children make it a parent.
    parent = (await repo.create(nodeRow("n0", 0, { event_version: 0 }), 1)).id;
    for (let i = 1; i <= 4; i++) await repo.create(nodeRow(`n${i}`, i, { event_version: 1 }), 1);
    await repo.create(nodeRow("n0-0-a", 5, { parent_id: parent, event_version: 1 }), 1);
    await repo.create(nodeRow("n0-0-b", 6, { parent_id: parent, event_version: 1 }), 1);
    const data = new ExecutionData(new MemoryBlobStore(), defaultRemoteDataOptions());
    manager = new NodeExecutionManager({ repo, taskExecutions: new TaskExecutionRepo(db), data });
  });

  test("the node executions of ListNodeExecutions, in its order, across pages; closures whole", async () => {
    for (const [uniqueParentId, expected] of [
      ["", ["n0", "n1", "n2", "n3", "n4"]],
      ["n0", ["n0-0-a", "n0-0-b"]],
    ] as const) {
      const listed = await manager.list(
        create(NodeExecutionListRequestSchema, { workflowExecutionId: exec, uniqueParentId, limit: 100 }),
      );
      for (const pageSize of [2, 1000]) {
        const spans = await manager.listForSpans(exec, uniqueParentId, pageSize);
        assert.deepEqual(
          spans.map((n) => n.id?.nodeId),
          expected,
        );
        assert.deepEqual(
          spans.map((n) => [n.id?.executionId?.name, n.metadata, n.closure?.createdAt, n.closure?.updatedAt]),
          listed.nodeExecutions.map((n) => [
            n.id?.executionId?.name,
            n.metadata,
            n.closure?.createdAt,
            n.closure?.updatedAt,
          ]),
        );
      }
    }
    const [n0] = await manager.listForSpans(exec, "", 1);
    assert.equal(n0?.metadata?.isParentNode, true, "legacy rows derive is_parent from their children");
    assert.equal(n0?.closure?.createdAt?.nanos, 123_456_789);
    assert.equal(n0?.closure?.phase, NodeExecution_Phase.SUCCEEDED);
  });

  test("a read decodes only the rows that changed since the last read; legacy rows every time", async () => {
    const first = await manager.listForSpans(exec, "", 2);
    const second = await manager.listForSpans(exec, "", 2);
    assert.deepEqual(second, first);
    assert.notEqual(second[0], first[0], "n0 is a legacy row (its children are read with it)");
    for (let i = 1; i < first.length; i++) assert.equal(second[i], first[i]);
    const n2 = first.find((n) => n.id?.nodeId === "n2")!;
    const moved = clone(NodeExecutionClosureSchema, n2.closure!);
    moved.phase = NodeExecution_Phase.FAILED;
    const id = (
      await getDb().db.selectFrom("node_executions").select("id").where("node_id", "=", "n2").executeTakeFirstOrThrow()
    ).id;
    assert.ok(await repo.update(Number(id), { closure: toBinary(NodeExecutionClosureSchema, moved) }, 2, "SUCCEEDED"));
    const third = await manager.listForSpans(exec, "", 1000);
    for (const [i, ne] of third.entries()) {
      if (ne.id?.nodeId === "n2") {
        assert.notEqual(ne, n2);
        assert.equal(ne.closure?.phase, NodeExecution_Phase.FAILED);
      } else if (i > 0) assert.equal(ne, first[i]);
    }
  });

  test("an unknown parent is NOT_FOUND, as ListNodeExecutions", async () => {
    await assert.rejects(manager.listForSpans(exec, "nope"), (e: AloftError) => e.code === Code.NOT_FOUND);
  });
});
