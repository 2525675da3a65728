// Contract tests for NodeExecutionRepo and TaskExecutionRepo on SQLite and PostgreSQL: the one-query event lookups,
// duplicates, compare-and-set updates, parent/child lists and is_parent.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";
import { type AloftError, Code } from "@aloft/core";
import { forEachDatabase } from "@aloft/testkit";
import { makeFilter, parseListParams } from "../list/index.ts";
import { ExecutionRepo } from "./execution-repo.ts";
import { NodeExecutionRepo } from "./node-execution-repo.ts";
import { TaskExecutionRepo, type TaskExecutionKey } from "./task-execution-repo.ts";
import { executionRow, nodeExecutionRow as nodeRow, taskExecutionRow as taskRow } from "./test-rows.ts";

const exec = { project: "p", domain: "d", name: "e1" };

const taskKey = (nodeId: string, attempt = 0): TaskExecutionKey => ({
  node: { execution: exec, nodeId },
  task: { project: "p", domain: "d", name: "t", version: "v1" },
  retryAttempt: attempt,
});

forEachDatabase("NodeExecutionRepo and TaskExecutionRepo", (getDb) => {
  let nodes: NodeExecutionRepo;
  let tasks: TaskExecutionRepo;

  beforeEach(async () => {
    const db = getDb().db;
    for (const t of ["task_executions", "node_executions", "execution_tags", "executions"] as const)
      await db.deleteFrom(t).execute();
    nodes = new NodeExecutionRepo(db);
    tasks = new TaskExecutionRepo(db);
    await new ExecutionRepo(db).create(executionRow("e1", { cluster: "c1" }), [], 1);
  });

  test("lookupForEvent: no execution, execution only, execution and node", async () => {
    assert.deepEqual(await nodes.lookupForEvent({ execution: { ...exec, name: "nope" }, nodeId: "n0" }), {});
    const none = await nodes.lookupForEvent({ execution: exec, nodeId: "n0" });
    assert.equal(none.execution?.cluster, "c1");
    assert.equal(none.node, undefined);
    const id = (await nodes.create(nodeRow("n0"), 5)).id;
    const found = await nodes.lookupForEvent({ execution: exec, nodeId: "n0" });
    assert.equal(found.node?.id, id);
    assert.equal(found.node?.phase, "QUEUED");
    await assert.rejects(nodes.create(nodeRow("n0"), 6), (e: AloftError) => e.code === Code.ALREADY_EXISTS);
  });

  test("node update is a compare-and-set on the phase", async () => {
    const id = (await nodes.create(nodeRow("n0"), 1)).id;
    assert.equal(await nodes.update(id, { phase: "RUNNING" }, 2, "QUEUED", 1), true);
    assert.equal(await nodes.update(id, { phase: "FAILED" }, 3, "QUEUED"), false);
    assert.equal(
      await nodes.update(id, { phase: "FAILED" }, 3, "RUNNING", 1),
      false,
      "a stale updated_at does not match",
    );
    assert.equal((await nodes.getById(id))?.phase, "RUNNING");
  });

  test("lists: top level, children of a node, children of a task execution; execution filters join", async () => {
    const parent = (await nodes.create(nodeRow("n0"), 1)).id;
    await nodes.create(nodeRow("n0-0-n1", { parent_id: parent }), 1);
    const te = (await tasks.create(taskRow("n0"), 1)).id;
    await nodes.create(nodeRow("n0-dyn", { parent_task_execution_id: te }), 1);
    await nodes.create(nodeRow("end-node", { phase: "SUCCEEDED" }), 1);
    const p = parseListParams({
      entity: "node_execution",
      filters: "eq(execution.cluster,c1)",
      sortBy: undefined,
      limit: 10,
      token: "",
      rpc: "ListNodeExecutions",
      limitRequired: true,
    });
    const scope = [makeFilter("node_execution", "eq", "name", "e1")];
    const ids = async (extra: object) =>
      (await nodes.list({ ...p, ...extra, filters: [...scope, ...p.filters] })).map((r) => r.node_id);
    assert.deepEqual(await ids({ topLevel: true }), ["n0", "end-node"]);
    assert.deepEqual(await ids({ parentId: parent }), ["n0-0-n1"]);
    assert.deepEqual(await ids({ parentTaskExecutionId: te }), ["n0-dyn"]);
    assert.equal(await nodes.hasChildren(parent), true);
    assert.equal(await nodes.count(exec), 4);
    assert.equal((await tasks.get(taskKey("n0")))?.is_parent, true);
  });

  test("listForSpans: top level or one parent's children, in id order after a given id, the span columns only", async () => {
    const parent = (await nodes.create(nodeRow("n0"), 1)).id;
    await nodes.create(nodeRow("n0-0-n1", { parent_id: parent }), 1);
    const te = (await tasks.create(taskRow("n0"), 1)).id;
    await nodes.create(nodeRow("n0-dyn", { parent_task_execution_id: te }), 1);
    const end = (await nodes.create(nodeRow("end-node", { closure: new Uint8Array([7, 8]) }), 1)).id;
    await nodes.create(nodeRow("n9", { execution_name: "other" }), 1);
    const top = await nodes.listForSpans(exec, null, 0, 10);
    assert.deepEqual(
      top.map((r) => r.node_id),
      ["n0", "end-node"],
    );
    assert.deepEqual(Object.keys(top[0]!).sort(), [
      "closure",
      "dynamic_workflow_remote_closure_reference",
      "event_version",
      "id",
      "node_execution_metadata",
      "node_id",
    ]);
    assert.deepEqual([...top[1]!.closure], [7, 8]);
    // Pages: after the last id of the previous one.
    const first = await nodes.listForSpans(exec, null, 0, 1);
    assert.deepEqual(
      first.map((r) => r.id),
      [parent],
    );
    assert.deepEqual(
      (await nodes.listForSpans(exec, null, parent, 1)).map((r) => r.id),
      [end],
    );
    assert.deepEqual(await nodes.listForSpans(exec, null, end, 1), []);
    assert.deepEqual(
      (await nodes.listForSpans(exec, parent, 0, 10)).map((r) => r.node_id),
      ["n0-0-n1"],
    );
  });

  test("task lookupForEvent reports the parent node execution and the task execution", async () => {
    assert.equal((await tasks.lookupForEvent(taskKey("n0"))).nodeExecutionId, undefined);
    const nodeId = (await nodes.create(nodeRow("n0"), 1)).id;
    const ctx = await tasks.lookupForEvent(taskKey("n0"));
    assert.equal(ctx.nodeExecutionId, nodeId);
    assert.equal(ctx.task, undefined);
    const id = (await tasks.create(taskRow("n0"), 1)).id;
    await tasks.create(taskRow("n0", 1), 1);
    const again = await tasks.lookupForEvent(taskKey("n0", 1));
    assert.notEqual(again.task?.id, id);
    assert.equal(again.task?.retry_attempt, 1);
    await assert.rejects(tasks.create(taskRow("n0"), 1), (e: AloftError) => e.code === Code.ALREADY_EXISTS);
  });

  test("task update is a compare-and-set on phase and phase version; lists join tasks, node and workflow executions", async () => {
    await nodes.create(nodeRow("n0", { phase: "RUNNING" }), 1);
    const id = (await tasks.create(taskRow("n0"), 1)).id;
    assert.equal(
      await tasks.update(id, { phase: "RUNNING", phase_version: 0 }, 2, {
        phase: "QUEUED",
        phaseVersion: 0,
        updatedAt: 1,
      }),
      true,
    );
    assert.equal(
      await tasks.update(id, { phase: "RUNNING", phase_version: 1 }, 3, { phase: "QUEUED", phaseVersion: 0 }),
      false,
    );
    const row = await tasks.get(taskKey("n0"));
    assert.equal(row?.phase, "RUNNING");
    assert.equal(row?.is_parent, false);
    const p = parseListParams({
      entity: "task_execution",
      filters: "eq(node_execution.phase,RUNNING)+eq(execution.cluster,c1)+eq(task.name,t)",
      sortBy: undefined,
      limit: 10,
      token: "",
      rpc: "ListTaskExecutions",
      limitRequired: true,
    });
    // The task itself is not registered here: the task join is a LEFT JOIN, so a filter on it finds nothing.
    assert.deepEqual(await tasks.list(p), []);
    const p2 = {
      ...p,
      filters: p.filters.filter((f) => f.entity !== "task"),
      joins: p.joins.filter((j) => j !== "task"),
    };
    assert.deepEqual(
      (await tasks.list(p2)).map((r) => r.node_id),
      ["n0"],
    );
  });
});
