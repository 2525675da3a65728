// The hand-written JSON of GetExecutionMetrics' answer against the gateway's generic marshalers: the same bytes in both
// formats, on hand-picked edge cases, on random trees, on a span tree the manager built, and for remembered spans.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create, createRegistry, type MessageInitShape } from "@bufbuild/protobuf";
import { TimestampSchema, type Timestamp } from "@bufbuild/protobuf/wkt";
import {
  WorkflowExecutionGetMetricsRequestSchema,
  WorkflowExecutionGetMetricsResponseSchema,
  type WorkflowExecutionGetMetricsResponse,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { SpanSchema, type Span } from "@aloft/idl/flyteidl/core/metrics_pb.js";
import { ExecutionMetricsManager } from "../../managers/execution-metrics-manager.ts";
import {
  D,
  FakeReads,
  P,
  closureOf,
  compiledWorkflow,
  taskNodeDef,
  wfId,
} from "../../managers/execution-metrics-testing.ts";
import { markImmutable } from "../../managers/immutable-messages.ts";
import { jsonMarshaler, type Marshaler } from "./marshalers.ts";
import { jsonEncoders, metricsResponseJson } from "./span-json.ts";

const registry = createRegistry(WorkflowExecutionGetMetricsResponseSchema);
const formats = [
  { name: "json", useProtoFieldName: true, ignoreUnknownFields: false },
  { name: "wildcard", useProtoFieldName: false, ignoreUnknownFields: true },
].map((f) => ({
  generic: jsonMarshaler({ ...f, registry }),
  direct: jsonMarshaler({ ...f, registry, encoders: jsonEncoders }),
}));

const text = (m: Marshaler, res: WorkflowExecutionGetMetricsResponse) =>
  Buffer.from(m.marshal(WorkflowExecutionGetMetricsResponseSchema, res)).toString();

/** Both formats: the direct encoder's bytes are the generic one's (or both refuse alike). */
function assertSame(res: WorkflowExecutionGetMetricsResponse): void {
  for (const { generic, direct } of formats) {
    let expected: string;
    try {
      expected = text(generic, res);
    } catch (err) {
      assert.throws(() => text(direct, res), { message: (err as Error).message });
      continue;
    }
    assert.equal(text(direct, res), expected);
  }
}

const at = (seconds: bigint, nanos = 0): Timestamp => create(TimestampSchema, { seconds, nanos });
const response = (span?: Span) => create(WorkflowExecutionGetMetricsResponseSchema, span ? { span } : {});
const execId = (name: string, org = "") => ({ project: P, domain: D, name, org });
type SpanId = MessageInitShape<typeof SpanSchema>["id"];

test("edge cases: timestamps of every precision and none, every id kind, odd strings, empty trees", () => {
  const times = [
    at(0n),
    at(1_700_000_000n),
    at(1_700_000_000n, 1_000_000),
    at(1_700_000_000n, 120_000),
    at(1_700_000_000n, 7),
    at(1_700_000_000n, 999_999_999),
    at(-62_135_596_800n),
    at(253_402_300_799n, 5_000),
    at(-1n, 500_000_000),
  ];
  const ids: SpanId[] = [
    { case: undefined },
    { case: "workflowId", value: execId("e") },
    { case: "nodeId", value: { nodeId: 'n"0\\\u2028é' } },
    { case: "operationId", value: "NODE_SETUP" },
    { case: "operationId", value: "" },
  ];
  const spans: Span[] = [];
  for (const [i, start] of [...times, undefined].entries())
    for (const id of ids)
      spans.push(create(SpanSchema, { startTime: start, endTime: times[(i + 3) % times.length], id }));
  spans.push(
    create(SpanSchema, {
      id: {
        case: "taskId",
        value: {
          taskId: {
            resourceType: ResourceType.TASK,
            project: "p",
            domain: "d",
            name: "t\n",
            version: "v<1>",
            org: "o",
          },
          nodeExecutionId: { nodeId: "n1", executionId: execId("e", "org") },
          retryAttempt: 4_294_967_295,
        },
      },
    }),
    create(SpanSchema, { id: { case: "taskId", value: {} } }),
  );
  assertSame(
    response(create(SpanSchema, { startTime: times[1], id: { case: "workflowId", value: execId("w") }, spans })),
  );
  assertSame(response());
  assertSame(response(create(SpanSchema)));
});

test("what the generic encoder refuses or writes as a number, the direct one leaves to it", () => {
  const refused = [at(253_402_300_800n), at(-62_135_596_801n), at(1n, -1), at(1n, 1_000_000_000)];
  for (const t of refused) {
    const res = response(create(SpanSchema, { startTime: t, id: { case: "operationId", value: "x" } }));
    assert.equal(metricsResponseJson(res, true), undefined);
    assertSame(res);
  }
  const unnamed = response(
    create(SpanSchema, {
      id: { case: "taskId", value: { taskId: { resourceType: 42 as ResourceType, name: "t" } } },
    }),
  );
  assert.equal(metricsResponseJson(unnamed, false), undefined);
  assertSame(unnamed);
});

/** A small deterministic generator (no Math.random: a failure reproduces). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}

function randomTree(rand: () => number, depth: number): Span {
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)] as T;
  const time = () =>
    rand() < 0.1 ? undefined : at(BigInt(Math.floor(rand() * 4e9)), pick([0, 1e6 * 17, 1e3 * 123, 987_654_321]));
  const str = () => pick(["", "a", "n-0-dn1", 'q"\\/', "\u0000\u001f", "ü€😀", "\u2028\u2029"]);
  const id = (): SpanId => {
    switch (pick([0, 1, 2, 3, 4])) {
      case 0:
        return { case: "workflowId", value: execId(str(), str()) };
      case 1:
        return { case: "nodeId", value: { nodeId: str(), ...(rand() < 0.8 ? { executionId: execId(str()) } : {}) } };
      case 2:
        return {
          case: "taskId",
          value: {
            ...(rand() < 0.8
              ? { taskId: { resourceType: pick([0, 1, 2, 3, 4]), project: str(), name: str(), version: str() } }
              : {}),
            ...(rand() < 0.8 ? { nodeExecutionId: { nodeId: str(), executionId: execId(str()) } } : {}),
            retryAttempt: Math.floor(rand() * 5),
          },
        };
      case 3:
        return { case: "operationId", value: str() };
      default:
        return { case: undefined };
    }
  };
  const children = depth > 0 ? Array.from({ length: Math.floor(rand() * 4) }, () => randomTree(rand, depth - 1)) : [];
  return create(SpanSchema, { startTime: time(), endTime: time(), id: id(), spans: children });
}

test("random span trees: the same bytes as the generic encoder", () => {
  const rand = lcg(16);
  for (let i = 0; i < 200; i++) {
    const res = response(randomTree(rand, 4));
    assert.notEqual(metricsResponseJson(res, i % 2 === 0), undefined); // written directly, not left to the generic one
    assertSame(res);
  }
});

test("a span tree the manager built, and spans marked immutable (their JSON remembered) stay the same", async () => {
  const ids = Array.from({ length: 20 }, (_, i) => `n${i}`);
  const wf = compiledWorkflow(wfId("chain"), ids.map(taskNodeDef), {
    ...Object.fromEntries(ids.map((id, i) => [id, [i === 0 ? "start-node" : `n${i - 1}`]])),
    "end-node": [ids.at(-1)!],
  });
  const reads = new FakeReads()
    .execution("e1", closureOf(wf), { created: 0, updated: 1000 })
    .node("e1", "start-node", { created: 1, updated: 2 });
  for (const [i, id] of ids.entries()) {
    reads.node("e1", id, { created: 3 + i * 10, updated: 9.5 + i * 10, started: 4 + i * 10, duration: 5 });
    reads.attempts("e1", id, [
      { created: 4 + i * 10, started: 4.25 + i * 10, duration: 3, updated: 8 + i * 10 },
      { created: 8.5 + i * 10, started: 8.75 + i * 10, updated: 9 + i * 10 },
    ]);
  }
  const m = new ExecutionMetricsManager(reads.deps());
  const res = await m.getExecutionMetrics(
    create(WorkflowExecutionGetMetricsRequestSchema, { id: { project: P, domain: D, name: "e1" }, depth: -1 }),
  );
  assert.ok((res.span?.spans.length ?? 0) > ids.length);
  assertSame(res);
  // Remembered: the same JSON the second time, and the remembered parts are not written again.
  const nodes = res.span!.spans.filter((s) => s.id.case === "nodeId");
  for (const s of nodes) markImmutable(s);
  assertSame(res);
  const first = metricsResponseJson(res, true);
  (nodes[0]!.spans[0] as { id: Span["id"] }).id = { case: "operationId", value: "changed after it was remembered" };
  assert.deepEqual(metricsResponseJson(res, true), first);
});
