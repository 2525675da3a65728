// Literal offloading end to end (upstream flytepropeller/pkg/controller/nodes/common/utils.go, issue 9 row 6): with literalOffloading on, a CreateExecution input above
// minSizeInMb is cut out of the request before decoding, stored once and passed as an offloaded_metadata reference;
// the engine resolves the reference where the value is bound (here: the workflow's output); GetExecutionData shows
// the reference and the size; an input of maxSizeInMb or more is RESOURCE_EXHAUSTED and launches nothing.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { WorkflowTemplateSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { id, intLiteral, intType, promise, shellTask, taskNode, type Admin } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";
const list = (n: number) =>
  create(LiteralSchema, {
    value: { case: "collection", value: { literals: Array.from({ length: n }, (_, i) => intLiteral(i)) } },
  });

let platform: TestPlatform;
let admin: Admin;
before(async () => {
  platform = await startTestPlatform({
    engine: true,
    overrides: {
      literalOffloading: { enabled: true, minSizeInMb: 0.1, maxSizeInMb: 1 },
      server: { maxMessageSizeBytes: 8 * 1024 * 1024 },
    },
  });
  admin = createClient(AdminService, createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` }));
  const task = shellTask(id(ResourceType.TASK, P, D, "noop", "v1"), ["a"], ["o"], "echo 1 > /var/outputs/o");
  await admin.createTask({ id: task.id, spec: { template: task } });
  const wfId = id(ResourceType.WORKFLOW, P, D, "passthrough", "v1");
  const listType = create(LiteralTypeSchema, {
    type: { case: "collectionType", value: { type: { case: "simple", value: SimpleType.INTEGER } } },
  });
  const template = create(WorkflowTemplateSchema, {
    id: wfId,
    interface: {
      inputs: { variables: { xs: { type: listType, description: "xs" }, n: { type: intType(), description: "n" } } },
      outputs: { variables: { ys: { type: listType, description: "ys" }, o: { type: intType(), description: "o" } } },
    },
    nodes: [taskNode("n0", task.id!, { a: promise("start-node", "n") })],
    outputs: [
      { var: "ys", binding: promise("start-node", "xs") },
      { var: "o", binding: promise("n0", "o") },
    ],
    metadata: {},
  });
  await admin.createWorkflow({ id: wfId, spec: { template } });
  await admin.createLaunchPlan({
    id: id(ResourceType.LAUNCH_PLAN, P, D, "passthrough", "v1"),
    spec: { workflowId: wfId },
  });
});
after(async () => {
  await platform?.close();
});

const lp = () => id(ResourceType.LAUNCH_PLAN, P, D, "passthrough", "v1");

test("a large input travels by reference and is resolved where it is bound", async () => {
  const res = await admin.createExecution({
    project: P,
    domain: D,
    spec: { launchPlan: lp() },
    inputs: { literals: { xs: list(50_000), n: intLiteral(7) } },
  });
  const execId = res.id!;
  let phase = WorkflowExecution_Phase.UNDEFINED;
  for (
    let i = 0;
    i < 600 && ![WorkflowExecution_Phase.SUCCEEDED, WorkflowExecution_Phase.FAILED].includes(phase);
    i++
  ) {
    await new Promise((r) => setTimeout(r, 100));
    phase = (await admin.getExecution({ id: execId })).closure?.phase ?? phase;
  }
  const exec = await admin.getExecution({ id: execId });
  assert.equal(
    phase,
    WorkflowExecution_Phase.SUCCEEDED,
    exec.closure?.outputResult.case === "error" ? exec.closure.outputResult.value.message : String(phase),
  );
  const data = await admin.getExecutionData({ id: execId });
  const xs = data.fullInputs?.literals["xs"];
  assert.equal(xs?.value.case, "offloadedMetadata");
  if (xs?.value.case !== "offloadedMetadata") return;
  assert.ok(xs.value.value.sizeBytes > 100_000n);
  // Cut out of the request bytes by the gRPC reader (large-inputs-reader.ts), not decoded and re-encoded.
  assert.match(
    xs.value.value.uri,
    /\/metadata\/offloaded-inputs\/flytesnacks\/development\/[0-9a-f-]{36}\/0_offloaded_metadata\.pb$/,
  );
  assert.equal(xs.value.value.inferredType?.type.case, "collectionType");
  assert.equal(data.fullInputs?.literals["n"]?.value.case, "scalar", "small inputs stay inline");
  assert.ok(data.inputs!.bytes > 0n, "the size of the stored inputs is reported");
  const ys = data.fullOutputs?.literals["ys"];
  assert.ok(ys?.value.case === "collection", String(ys?.value.case));
  assert.equal(ys.value.value.literals.length, 50_000);
  assert.deepEqual(ys.value.value.literals[49_999], intLiteral(49_999));
});

test("an input of maxSizeInMb or more is RESOURCE_EXHAUSTED and nothing is launched", async () => {
  await assert.rejects(
    admin.createExecution({
      project: P,
      domain: D,
      name: "too-large",
      spec: { launchPlan: lp() },
      inputs: { literals: { xs: list(150_000), n: intLiteral(1) } },
    }),
    (e: unknown) => e instanceof ConnectError && e.code === Code.ResourceExhausted,
  );
  await assert.rejects(
    admin.getExecution({ id: { project: P, domain: D, name: "too-large" } }),
    (e: unknown) => e instanceof ConnectError && e.code === Code.NotFound,
  );
});

test("a large input of the wrong type is INVALID_ARGUMENT, as an inline one would be", async () => {
  const strings = create(LiteralSchema, {
    value: {
      case: "collection",
      value: {
        literals: Array.from({ length: 20_000 }, () =>
          create(LiteralSchema, {
            value: {
              case: "scalar",
              value: { value: { case: "primitive", value: { value: { case: "stringValue", value: "abcdef" } } } },
            },
          }),
        ),
      },
    },
  });
  await assert.rejects(
    admin.createExecution({
      project: P,
      domain: D,
      spec: { launchPlan: lp() },
      inputs: { literals: { xs: strings, n: intLiteral(1) } },
    }),
    (e: unknown) => e instanceof ConnectError && e.code === Code.InvalidArgument,
  );
});
