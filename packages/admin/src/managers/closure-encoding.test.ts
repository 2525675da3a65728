// The event path's hand-written closure encoders: the same bytes as protobuf-es's toBinary for every field they
// write, and a guard that the schemas have no field they do not know.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type DescMessage, toBinary } from "@bufbuild/protobuf";
import {
  NodeExecutionClosureSchema,
  NodeExecutionMetaDataSchema,
  TaskNodeMetadataSchema,
  WorkflowNodeMetadataSchema,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { ReasonSchema, TaskExecutionClosureSchema } from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import { CatalogCacheStatus, CatalogMetadataSchema } from "@aloft/idl/flyteidl/core/catalog_pb.js";
import {
  ExecutionErrorSchema,
  LogContextSchema,
  NodeExecution_Phase,
  TaskExecution_Phase,
  TaskLogSchema,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  ExternalResourceInfoSchema,
  ResourcePoolInfoSchema,
  TaskExecutionMetadataSchema,
  TaskExecutionMetadata_InstanceClass,
} from "@aloft/idl/flyteidl/event/event_pb.js";
import { encodeNodeClosure, encodeNodeMetadata, encodeTaskClosure } from "./closure-encoding.ts";

const fieldsOf = (schema: DescMessage) => schema.fields.map((f) => f.number).sort((a, b) => a - b);

test("the schemas have exactly the fields the encoders write (a new IDL field needs a line there)", () => {
  assert.deepEqual(fieldsOf(NodeExecutionClosureSchema), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.deepEqual(fieldsOf(TaskNodeMetadataSchema), [1, 2, 4]);
  assert.deepEqual(fieldsOf(NodeExecutionMetaDataSchema), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(fieldsOf(TaskExecutionClosureSchema), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 16, 17, 18, 19]);
  assert.deepEqual(fieldsOf(TaskExecutionMetadataSchema), [1, 2, 3, 4, 16]);
  assert.deepEqual(fieldsOf(ReasonSchema), [1, 2]);
});

const ts = (seconds: bigint, nanos = 0) => ({ $typeName: "google.protobuf.Timestamp" as const, seconds, nanos });
const dur = (seconds: bigint, nanos = 0) => ({ $typeName: "google.protobuf.Duration" as const, seconds, nanos });
const long = (n: number) => `uri://${"é☃x".repeat(n)}`;

test("encodeNodeClosure writes toBinary's bytes", () => {
  const closures = [
    create(NodeExecutionClosureSchema),
    create(NodeExecutionClosureSchema, {
      phase: NodeExecution_Phase.QUEUED,
      createdAt: ts(1_764_950_000n, 123_000_000),
      updatedAt: ts(1_764_950_000n, 123_000_000),
      targetMetadata: { case: "taskNodeMetadata", value: create(TaskNodeMetadataSchema) },
    }),
    create(NodeExecutionClosureSchema, {
      phase: NodeExecution_Phase.SUCCEEDED,
      outputResult: { case: "outputUri", value: long(60) },
      startedAt: ts(0n),
      duration: dur(0n, 5),
      createdAt: ts(-5n, 7),
      updatedAt: ts(2n ** 60n, 999_999_999),
      targetMetadata: {
        case: "taskNodeMetadata",
        value: create(TaskNodeMetadataSchema, {
          cacheStatus: CatalogCacheStatus.CACHE_HIT,
          catalogKey: create(CatalogMetadataSchema, { artifactTag: { name: "t", artifactId: "a" } }),
          checkpointUri: long(3),
        }),
      },
      deckUri: "s3://deck",
      dynamicJobSpecUri: long(100),
    }),
    create(NodeExecutionClosureSchema, {
      phase: NodeExecution_Phase.FAILED,
      outputResult: { case: "error", value: create(ExecutionErrorSchema, { code: "E", message: long(50) }) },
      duration: dur(-3n, -500),
      targetMetadata: {
        case: "workflowNodeMetadata",
        value: create(WorkflowNodeMetadataSchema, { executionId: { project: "p", domain: "d", name: "n" } }),
      },
    }),
    create(NodeExecutionClosureSchema, {
      outputResult: {
        case: "outputData",
        value: create(LiteralMapSchema, {
          literals: { x: { value: { case: "scalar", value: { value: { case: "primitive", value: {} } } } } },
        }),
      },
    }),
  ];
  for (const c of closures) assert.deepEqual(encodeNodeClosure(c), toBinary(NodeExecutionClosureSchema, c));
  const withUnknown = create(NodeExecutionClosureSchema, { phase: 1 });
  withUnknown.$unknown = [{ no: 99, wireType: 0, data: new Uint8Array([1]) }];
  assert.deepEqual(encodeNodeClosure(withUnknown), toBinary(NodeExecutionClosureSchema, withUnknown));
});

test("encodeNodeMetadata writes toBinary's bytes", () => {
  for (const m of [
    create(NodeExecutionMetaDataSchema),
    create(NodeExecutionMetaDataSchema, { retryGroup: "0", specNodeId: "n0" }),
    create(NodeExecutionMetaDataSchema, {
      retryGroup: "1",
      isParentNode: true,
      specNodeId: long(80),
      isDynamic: true,
      isArray: true,
      isEager: true,
    }),
  ])
    assert.deepEqual(encodeNodeMetadata(m), toBinary(NodeExecutionMetaDataSchema, m));
});

test("encodeTaskClosure writes toBinary's bytes", () => {
  const at = ts(1_764_950_001n, 500);
  const closures = [
    create(TaskExecutionClosureSchema),
    // The engine's task RUNNING and SUCCEEDED.
    create(TaskExecutionClosureSchema, {
      phase: TaskExecution_Phase.RUNNING,
      startedAt: at,
      createdAt: at,
      updatedAt: at,
      reason: "process running (pid 1)",
      taskType: "container",
      metadata: create(TaskExecutionMetadataSchema, { generatedName: "x-n0-0", pluginIdentifier: "local-process" }),
      eventVersion: 1,
      reasons: [create(ReasonSchema, { occurredAt: at, message: "process running (pid 1)" })],
    }),
    create(TaskExecutionClosureSchema, {
      phase: TaskExecution_Phase.SUCCEEDED,
      outputResult: { case: "outputUri", value: long(40) },
      logs: [create(TaskLogSchema, { uri: "u", name: "n", ShowWhilePending: true })],
      startedAt: at,
      duration: dur(1n, 5),
      createdAt: at,
      updatedAt: ts(1_764_950_002n),
      reason: long(50),
      taskType: "python-task",
      metadata: create(TaskExecutionMetadataSchema, {
        generatedName: long(30),
        externalResources: [create(ExternalResourceInfoSchema, { externalId: "e", index: 2 })],
        resourcePoolInfo: [create(ResourcePoolInfoSchema, { allocationToken: "t", namespace: "ns" })],
        pluginIdentifier: "k8s",
        instanceClass: TaskExecutionMetadata_InstanceClass.INTERRUPTIBLE,
      }),
      eventVersion: -1,
      reasons: Array.from({ length: 3 }, (_, i) =>
        create(ReasonSchema, { occurredAt: ts(BigInt(i)), message: long(i * 20) }),
      ),
      logContext: create(LogContextSchema, { primaryPodName: "p" }),
    }),
    create(TaskExecutionClosureSchema, {
      phase: TaskExecution_Phase.FAILED,
      outputResult: { case: "error", value: create(ExecutionErrorSchema, { code: "E" }) },
    }),
    create(TaskExecutionClosureSchema, {
      outputResult: { case: "outputData", value: create(LiteralMapSchema) },
      metadata: create(TaskExecutionMetadataSchema),
      reasons: [create(ReasonSchema)],
    }),
    // A Struct: encoded by toBinary whole.
    create(TaskExecutionClosureSchema, { phase: 1, customInfo: { a: 1, b: { c: ["x", null, true] } } }),
  ];
  for (const c of closures) assert.deepEqual(encodeTaskClosure(c), toBinary(TaskExecutionClosureSchema, c));
});

test("a closure larger than the encoder's buffer, and one after it, are both whole", () => {
  const big = create(TaskExecutionClosureSchema, {
    phase: 1,
    reasons: Array.from({ length: 2000 }, (_, i) => create(ReasonSchema, { occurredAt: ts(1n), message: long(i % 7) })),
  });
  assert.deepEqual(encodeTaskClosure(big), toBinary(TaskExecutionClosureSchema, big));
  const small = create(TaskExecutionClosureSchema, { phase: 2, reason: "r" });
  assert.deepEqual(encodeTaskClosure(small), toBinary(TaskExecutionClosureSchema, small));
});
