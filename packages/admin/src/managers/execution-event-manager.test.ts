// CreateWorkflowEvent rules (upstream flyteadmin/pkg/manager/impl/execution_manager.go), each with its code and message, on SQLite.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { create, fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type EventFailureReasonSchema,
  WorkflowExecutionEventRequestSchema,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import { ExecutionClosureSchema, ExecutionSpecSchema } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { WorkflowExecution_Phase as Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import type { WorkflowExecutionEvent } from "@aloft/idl/flyteidl/event/event_pb.js";
import { MemoryBlobStore } from "@aloft/core";
import { ManualClock } from "@aloft/core/testing";
import { type AloftError, Code } from "@aloft/core";
import { createTestDatabase, type TestDatabase } from "@aloft/testkit";
import { ExecutionRepo } from "../repositories/execution-repo.ts";
import { GroupCommit } from "../repositories/group-commit.ts";
import { executionRow } from "../repositories/test-rows.ts";
import { ExecutionData, defaultRemoteDataOptions } from "./execution-data-manager.ts";
import { ExecutionEventManager } from "./execution-event-manager.ts";

const id = { project: "p", domain: "d", name: "e1" };
let testDb: TestDatabase;
let repo: ExecutionRepo;
let store: MemoryBlobStore;
let t = 1_700_000_000_000;

before(async () => {
  testDb = await createTestDatabase("sqlite");
  repo = new ExecutionRepo(testDb.database.db);
});
after(() => testDb.drop());
beforeEach(async () => {
  await testDb.database.db.deleteFrom("executions").execute();
  store = new MemoryBlobStore();
  await repo.create(
    executionRow("e1", { phase: "UNDEFINED", closure: new Uint8Array(), spec: new Uint8Array(), cluster: "c1" }),
    [],
    1,
  );
});

function manager(inline = false, maxSizeInBytes = 2 * 1024 * 1024) {
  const data = new ExecutionData(store, {
    ...defaultRemoteDataOptions(),
    storeEventDataInline: inline,
    maxSizeInBytes,
  });
  return new ExecutionEventManager({
    repo,
    data,
    clock: new ManualClock(),
    writes: new GroupCommit(testDb.database.db),
  });
}
const send = (
  m: ExecutionEventManager,
  phase: Phase,
  extra: Partial<MessageInitShape<typeof WorkflowExecutionEventRequestSchema>["event"]> = {},
) =>
  m.createWorkflowEvent(
    create(WorkflowExecutionEventRequestSchema, {
      event: {
        executionId: id,
        phase,
        occurredAt: timestampFromMs((t += 1000)),
        producerId: "propeller",
        ...extra,
      } as WorkflowExecutionEvent,
    }),
  );
const stored = async () => {
  const row = (await repo.get(id))!;
  return { row, closure: fromBinary(ExecutionClosureSchema, row.closure) };
};
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
const detail = (e: AloftError) =>
  e.details[0]?.value as ReturnType<typeof create<typeof EventFailureReasonSchema>> | undefined;

test("request validation: event, execution id, output size", async () => {
  const m = manager(false, 10);
  await rejects(
    m.createWorkflowEvent(create(WorkflowExecutionEventRequestSchema)),
    Code.INVALID_ARGUMENT,
    /^Workflow event handler was called without event$/,
  );
  await rejects(
    m.createWorkflowEvent(create(WorkflowExecutionEventRequestSchema, { event: {} })),
    Code.INVALID_ARGUMENT,
    /doesn't have an execution id/,
  );
  const big = {
    literals: {
      x: {
        value: {
          case: "scalar" as const,
          value: {
            value: {
              case: "primitive" as const,
              value: { value: { case: "stringValue" as const, value: "x".repeat(100) } },
            },
          },
        },
      },
    },
  };
  await rejects(
    send(m, Phase.SUCCEEDED, { outputResult: { case: "outputData", value: big } } as never),
    Code.RESOURCE_EXHAUSTED,
    /exceeds platform maximum/,
  );
  await rejects(
    m.createWorkflowEvent(
      create(WorkflowExecutionEventRequestSchema, {
        event: { executionId: { ...id, name: "x" }, phase: Phase.RUNNING },
      }),
    ),
    Code.NOT_FOUND,
    /missing entity of type execution/,
  );
  await rejects(
    m.createWorkflowEvent(
      create(WorkflowExecutionEventRequestSchema, { event: { executionId: id, phase: Phase.RUNNING } }),
    ),
    Code.INTERNAL,
    /occurred_at/,
  );
});

test("running, succeeded: started_at, duration, offloaded outputs; repeats are ALREADY_EXISTS; terminal is FAILED_PRECONDITION", async () => {
  const m = manager();
  await send(m, Phase.QUEUED);
  await send(m, Phase.QUEUED); // QUEUED skips the repeat check
  await send(m, Phase.RUNNING);
  await rejects(
    send(m, Phase.RUNNING),
    Code.ALREADY_EXISTS,
    /^This phase RUNNING was already recorded for workflow execution/,
  );
  await rejects(send(m, Phase.QUEUED), Code.FAILED_PRECONDITION, /^Cannot go from Running to Queued/);
  await send(m, Phase.SUCCEEDING);
  await send(m, Phase.SUCCEEDED, { outputResult: { case: "outputData", value: { literals: {} } } } as never);
  const { row, closure } = await stored();
  assert.equal(row.phase, "SUCCEEDED");
  assert.ok(row.started_at);
  assert.equal(row.duration, 4_000_000_000, "two refused events in between moved the test clock");
  assert.equal(closure.duration?.seconds, 4n);
  assert.equal(closure.outputResult.case, "outputs");
  assert.equal(
    closure.outputResult.case === "outputs" && closure.outputResult.value.data.case === "uri"
      ? closure.outputResult.value.data.value
      : "",
    "mem://test/metadata/p/d/e1/offloaded_outputs",
  );
  const e = await rejects(
    send(m, Phase.FAILED),
    Code.FAILED_PRECONDITION,
    /^Invalid phase change from SUCCEEDED to FAILED/,
  );
  assert.equal(detail(e)?.reason.case, "alreadyInTerminalState");
  assert.equal(
    detail(e)?.reason.value && "currentPhase" in detail(e)!.reason.value!
      ? (detail(e)!.reason.value as { currentPhase: string }).currentPhase
      : "",
    "SUCCEEDED",
  );
});

test("inline policy keeps output_data; errors fill error_kind and error_code", async () => {
  await send(manager(true), Phase.RUNNING);
  await send(manager(true), Phase.FAILED, {
    outputResult: { case: "error", value: { code: "USER:Boom", message: "boom", kind: 1 } },
  } as never);
  const { row, closure } = await stored();
  assert.equal(closure.outputResult.case, "error");
  assert.equal(row.error_kind, "USER");
  assert.equal(row.error_code, "USER:Boom");
});

test("ABORTING accepts only terminal phases", async () => {
  const m = manager();
  await send(m, Phase.RUNNING);
  const row = (await repo.get(id))!;
  await repo.update(row.id, { phase: "ABORTING" }, 1);
  await rejects(
    send(m, Phase.SUCCEEDING),
    Code.FAILED_PRECONDITION,
    /^Invalid phase change from aborting to SUCCEEDING/,
  );
  await send(m, Phase.ABORTED);
  assert.equal((await stored()).row.phase, "ABORTED");
});

test("cluster: another producer is FAILED_PRECONDITION unless the execution is (re)queued, which reassigns it", async () => {
  const m = manager();
  const e = await rejects(
    send(m, Phase.RUNNING, { producerId: "c2" }),
    Code.FAILED_PRECONDITION,
    /does not match the cluster running this workflow execution/,
  );
  assert.equal(detail(e)?.reason.case, "incompatibleCluster");
  // The expected producer is never named (it is what a forger would need).
  assert.doesNotMatch(e.message, /c1/);
  assert.equal((detail(e)?.reason.value as { cluster?: string } | undefined)?.cluster, "");
  await send(m, Phase.QUEUED, { producerId: "c2" });
  const { row } = await stored();
  assert.equal(row.cluster, "c2");
  assert.equal(fromBinary(ExecutionSpecSchema, row.spec).metadata?.systemMetadata?.executionCluster, "c2");
  await send(m, Phase.RUNNING, { producerId: "c2" });
});
