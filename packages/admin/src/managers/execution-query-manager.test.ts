// Get / Update / Terminate against concurrent events (upstream flyteadmin/pkg/manager/impl/execution_manager.go), on SQLite.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ExecutionClosureSchema,
  ExecutionState,
  ExecutionTerminateRequestSchema,
  ExecutionUpdateRequestSchema,
  WorkflowExecutionGetRequestSchema,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { MemoryBlobStore } from "@aloft/core";
import { ManualClock } from "@aloft/core/testing";
import { type AloftError, Code, notFound } from "@aloft/core";
import { createTestDatabase, type TestDatabase } from "@aloft/testkit";
import type { WorkflowExecutor } from "../plugins.ts";
import { ExecutionRepo } from "../repositories/execution-repo.ts";
import { executionRow } from "../repositories/test-rows.ts";
import { ExecutionData, defaultRemoteDataOptions } from "./execution-data-manager.ts";
import { ExecutionQueryManager } from "./execution-query-manager.ts";

const id = { project: "p", domain: "d", name: "e1" };
let testDb: TestDatabase;
let repo: ExecutionRepo;
const aborted: string[] = [];
const executor: WorkflowExecutor = {
  name: "fake",
  execute: async () => ({ cluster: "" }),
  abort: async (x) => {
    if (x.cause === "unknown to the engine") throw notFound("engine.execution_not_found", "not known");
    aborted.push(x.cause);
  },
};

before(async () => {
  testDb = await createTestDatabase("sqlite");
  repo = new ExecutionRepo(testDb.database.db);
});
after(() => testDb.drop());
beforeEach(async () => {
  await testDb.database.db.deleteFrom("executions").execute();
  aborted.length = 0;
  const closure = create(ExecutionClosureSchema, { phase: WorkflowExecution_Phase.RUNNING });
  await repo.create(
    executionRow("e1", { closure: toBinary(ExecutionClosureSchema, closure), spec: new Uint8Array() }),
    [],
    1,
  );
});

/** A repository whose first compare-and-set is preceded by another writer's SUCCEEDED. */
function racingRepo(): ExecutionRepo {
  let raced = false;
  const racing = Object.create(repo) as ExecutionRepo;
  racing.update = async (rowId, patch, now, expected) => {
    if (!raced && expected) {
      raced = true;
      const closure = create(ExecutionClosureSchema, { phase: WorkflowExecution_Phase.SUCCEEDED });
      await repo.update(rowId, { phase: "SUCCEEDED", closure: toBinary(ExecutionClosureSchema, closure) }, 99);
    }
    return repo.update(rowId, patch, now, expected);
  };
  return racing;
}

const manager = (r = repo) =>
  new ExecutionQueryManager({
    repo: r,
    data: new ExecutionData(new MemoryBlobStore(), defaultRemoteDataOptions()),
    executor: () => executor,
    clock: new ManualClock(),
  });

test("terminate re-reads after a concurrent terminal event and refuses with FAILED_PRECONDITION", async () => {
  await assert.rejects(
    manager(racingRepo()).terminate(create(ExecutionTerminateRequestSchema, { id, cause: "stop" })),
    (e: AloftError) => {
      assert.equal(e.code, Code.FAILED_PRECONDITION);
      assert.equal(e.message, "Cannot abort an already terminated workflow execution");
      return true;
    },
  );
  assert.deepEqual(aborted, []);
  assert.equal((await repo.get(id))?.phase, "SUCCEEDED");
});

test("archiving never loses a concurrent event's closure", async () => {
  await manager(racingRepo()).update(
    create(ExecutionUpdateRequestSchema, { id, state: ExecutionState.EXECUTION_ARCHIVED }),
  );
  const row = (await repo.get(id))!;
  const closure = fromBinary(ExecutionClosureSchema, row.closure);
  assert.equal(closure.phase, WorkflowExecution_Phase.SUCCEEDED);
  assert.equal(closure.stateChangeDetails?.state, ExecutionState.EXECUTION_ARCHIVED);
  assert.equal(row.state, 1);
});

test("get: missing fields are INVALID_ARGUMENT, unknown executions NOT_FOUND; ABORTED without metadata gets the cause", async () => {
  const m = manager();
  await assert.rejects(
    m.get(create(WorkflowExecutionGetRequestSchema, { id: { project: "p", domain: "d" } })),
    (e: AloftError) => e.code === Code.INVALID_ARGUMENT && e.message === "missing name",
  );
  await assert.rejects(
    m.get(create(WorkflowExecutionGetRequestSchema, { id: { ...id, name: "x" } })),
    (e: AloftError) => e.code === Code.NOT_FOUND,
  );
  const row = (await repo.get(id))!;
  await repo.update(
    row.id,
    {
      phase: "ABORTED",
      abort_cause: "old cause",
      closure: toBinary(
        ExecutionClosureSchema,
        create(ExecutionClosureSchema, { phase: WorkflowExecution_Phase.ABORTED }),
      ),
    },
    5,
  );
  const e = await m.get(create(WorkflowExecutionGetRequestSchema, { id }));
  assert.equal(e.closure?.outputResult.case === "abortMetadata" ? e.closure.outputResult.value.cause : "", "old cause");
  assert.equal(e.spec?.metadata?.systemMetadata?.namespace, "p-d");
});

test("terminate: an execution no engine knows is ABORTED at once (nothing would ever report it)", async () => {
  await manager().terminate(create(ExecutionTerminateRequestSchema, { id, cause: "unknown to the engine" }));
  const e = await manager().get(create(WorkflowExecutionGetRequestSchema, { id }));
  assert.equal(e.closure?.phase, WorkflowExecution_Phase.ABORTED);
  assert.equal(
    e.closure?.outputResult.case === "abortMetadata" ? e.closure.outputResult.value.cause : "",
    "unknown to the engine",
  );
});
