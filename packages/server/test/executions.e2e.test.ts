// Executions end to end through an independent gRPC client (@grpc/grpc-js, binary protobuf bodies) and the HTTP
// gateway, on SQLite and PostgreSQL: register a task, a workflow and a launch plan, launch with a fake
// WorkflowExecutor, drive the execution with events exactly as the engine does, and read everything back.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { anyUnpack, timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  ResourceListRequestSchema,
  NamedEntityListRequestSchema,
  NamedEntityListSchema,
  ObjectGetRequestSchema,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  EventFailureReasonSchema,
  NodeExecutionEventRequestSchema,
  NodeExecutionEventResponseSchema,
  TaskExecutionEventRequestSchema,
  TaskExecutionEventResponseSchema,
  WorkflowExecutionEventRequestSchema,
  WorkflowExecutionEventResponseSchema,
} from "@aloft/idl/flyteidl/admin/event_pb.js";
import {
  ExecutionCreateRequestSchema,
  ExecutionCreateResponseSchema,
  ExecutionListSchema,
  ExecutionRelaunchRequestSchema,
  ExecutionRecoverRequestSchema,
  ExecutionMetadata_ExecutionMode,
  ExecutionSchema,
  ExecutionState,
  ExecutionTerminateRequestSchema,
  ExecutionTerminateResponseSchema,
  ExecutionUpdateRequestSchema,
  ExecutionUpdateResponseSchema,
  WorkflowExecutionGetDataRequestSchema,
  WorkflowExecutionGetDataResponseSchema,
  WorkflowExecutionGetRequestSchema,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import {
  ConcurrencyLimitBehavior,
  LaunchPlanCreateRequestSchema,
  LaunchPlanCreateResponseSchema,
} from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import {
  NodeExecutionGetDataRequestSchema,
  NodeExecutionGetDataResponseSchema,
  NodeExecutionGetRequestSchema,
  NodeExecutionListRequestSchema,
  NodeExecutionListSchema,
  NodeExecutionSchema,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import { TaskCreateRequestSchema, TaskCreateResponseSchema } from "@aloft/idl/flyteidl/admin/task_pb.js";
import {
  TaskExecutionGetDataRequestSchema,
  TaskExecutionGetDataResponseSchema,
  TaskExecutionListRequestSchema,
  TaskExecutionListSchema,
} from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import { WorkflowCreateRequestSchema, WorkflowCreateResponseSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import {
  NodeExecution_Phase,
  TaskExecution_Phase,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import { ResourceType, type WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { StatusSchema } from "@aloft/idl/google/rpc/status_pb.js";
import { putMessage } from "@aloft/core";
import { unimplemented } from "@aloft/core";
import type { ExecuteInput, WorkflowExecutor } from "@aloft/admin";
import { inProcessEventSink } from "../src/wiring/in-process.ts";
import { grpc } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { postgresAvailability } from "@aloft/testkit";

const S = grpc.status;
const P = "flytesnacks";
const D = "development";
const V = "v1";
const id = (resourceType: ResourceType, name: string) => ({ resourceType, project: P, domain: D, name, version: V });
const ints = (m: Record<string, number>): LiteralMap =>
  create(LiteralMapSchema, {
    literals: Object.fromEntries(
      Object.entries(m).map(([k, v]) => [
        k,
        {
          value: {
            case: "scalar" as const,
            value: {
              value: { case: "primitive" as const, value: { value: { case: "integer" as const, value: BigInt(v) } } },
            },
          },
        },
      ]),
    ),
  });
const intOf = (m: LiteralMap | undefined, k: string) => {
  const v = m?.literals[k]?.value;
  return v?.case === "scalar" && v.value.value.case === "primitive" && v.value.value.value.value.case === "integer"
    ? Number(v.value.value.value.value.value)
    : undefined;
};
const INT = { type: { case: "simple" as const, value: SimpleType.INTEGER } };

class FakeExecutor implements WorkflowExecutor {
  readonly name = "fake";
  launched: ExecuteInput[] = [];
  aborted: Array<{ name: string; cause: string }> = [];
  fail = false;
  /** An engine that reports RUNNING before execute returns (as an in-process engine may). */
  eagerSink: ((exec: WorkflowExecutionIdentifier) => Promise<void>) | undefined;
  async execute(input: ExecuteInput) {
    if (this.fail) throw unimplemented("fake.down", "the fake engine is down");
    this.launched.push(input);
    await this.eagerSink?.(input.executionId);
    return { cluster: "local" };
  }
  async abort(input: { executionId: WorkflowExecutionIdentifier; cause: string }) {
    this.aborted.push({ name: input.executionId.name, cause: input.cause });
  }
}

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`executions end to end (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let client: grpc.Client;
    const executor = new FakeExecutor();

    function rpc<I extends DescMessage, O extends DescMessage>(
      method: string,
      inSchema: I,
      init: MessageInitShape<I>,
      outSchema: O,
    ): Promise<MessageShape<O>> {
      const body = Buffer.from(toBinary(inSchema, create(inSchema, init)));
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          `/flyteidl.service.AdminService/${method}`,
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          (err, res) => {
            if (err) reject(err);
            else resolve(fromBinary(outSchema, res ?? new Uint8Array()));
          },
        );
      });
    }
    async function expectCode(p: Promise<unknown>, code: number, message?: RegExp): Promise<grpc.ServiceError> {
      let caught: grpc.ServiceError | undefined;
      await assert.rejects(p, (err: grpc.ServiceError) => {
        caught = err;
        assert.equal(err.code, code, `expected code ${code}, got ${err.code}: ${err.details}`);
        if (message) assert.match(err.details, message);
        return true;
      });
      return caught!;
    }
    function terminalDetail(err: grpc.ServiceError): string | undefined {
      const raw = err.metadata.get("grpc-status-details-bin")[0];
      if (!raw) return undefined;
      const status = fromBinary(StatusSchema, raw as Buffer);
      for (const any of status.details) {
        const reason = anyUnpack(any, EventFailureReasonSchema);
        if (reason?.reason.case === "alreadyInTerminalState") return reason.reason.value.currentPhase;
      }
      return undefined;
    }
    const http = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${platform.httpUrl}${path}`, {
        ...init,
        headers: { Accept: "application/json", ...init.headers },
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    };

    let t = Date.UTC(2024, 0, 1);
    const at = () => timestampFromMs((t += 1000));
    const wfEvent = (
      exec: WorkflowExecutionIdentifier,
      phase: WorkflowExecution_Phase,
      extra: Record<string, unknown> = {},
    ) =>
      rpc(
        "CreateWorkflowEvent",
        WorkflowExecutionEventRequestSchema,
        { requestId: "r", event: { executionId: exec, producerId: "propeller", phase, occurredAt: at(), ...extra } },
        WorkflowExecutionEventResponseSchema,
      );
    const nodeEvent = (
      exec: WorkflowExecutionIdentifier,
      nodeId: string,
      phase: NodeExecution_Phase,
      extra: Record<string, unknown> = {},
    ) =>
      rpc(
        "CreateNodeEvent",
        NodeExecutionEventRequestSchema,
        {
          requestId: "r",
          event: {
            id: { executionId: exec, nodeId },
            producerId: "propeller",
            phase,
            occurredAt: at(),
            specNodeId: nodeId,
            eventVersion: 2,
            ...extra,
          },
        },
        NodeExecutionEventResponseSchema,
      );
    const taskEvent = (
      exec: WorkflowExecutionIdentifier,
      nodeId: string,
      phase: TaskExecution_Phase,
      extra: Record<string, unknown> = {},
    ) =>
      rpc(
        "CreateTaskEvent",
        TaskExecutionEventRequestSchema,
        {
          requestId: "r",
          event: {
            taskId: id(ResourceType.TASK, "square"),
            parentNodeExecutionId: { executionId: exec, nodeId },
            retryAttempt: 0,
            producerId: "propeller",
            phase,
            occurredAt: at(),
            taskType: "container",
            eventVersion: 1,
            ...extra,
          },
        },
        TaskExecutionEventResponseSchema,
      );
    const launch = async (
      name = "",
      inputs: LiteralMap = ints({ x: 3 }),
      launchPlan = id(ResourceType.LAUNCH_PLAN, "square_lp"),
    ) =>
      (
        await rpc(
          "CreateExecution",
          ExecutionCreateRequestSchema,
          { project: P, domain: D, name, spec: { launchPlan }, inputs },
          ExecutionCreateResponseSchema,
        )
      ).id!;
    const getExec = (exec: WorkflowExecutionIdentifier) =>
      rpc("GetExecution", WorkflowExecutionGetRequestSchema, { id: exec }, ExecutionSchema);

    before(async () => {
      platform = await startTestPlatform({
        database: kind,
        configurePlugins: (plugins) => {
          plugins.workflowExecutor = executor;
        },
      });
      client = new grpc.Client(platform.grpcAddress, grpc.credentials.createInsecure());
      const iface = { inputs: { variables: { x: { type: INT } } }, outputs: { variables: { y: { type: INT } } } };
      await rpc(
        "CreateTask",
        TaskCreateRequestSchema,
        {
          id: id(ResourceType.TASK, "square"),
          spec: {
            template: {
              id: id(ResourceType.TASK, "square"),
              type: "container",
              interface: iface,
              metadata: { retries: { retries: 1 } },
              target: { case: "container", value: { image: "alpine", command: ["sh"], args: ["-c", "true"] } },
            },
          },
        },
        TaskCreateResponseSchema,
      );
      await rpc(
        "CreateWorkflow",
        WorkflowCreateRequestSchema,
        {
          id: id(ResourceType.WORKFLOW, "square_wf"),
          spec: {
            template: {
              id: id(ResourceType.WORKFLOW, "square_wf"),
              interface: iface,
              nodes: [
                {
                  id: "n0",
                  inputs: [
                    { var: "x", binding: { value: { case: "promise", value: { nodeId: "start-node", var: "x" } } } },
                  ],
                  target: {
                    case: "taskNode",
                    value: { reference: { case: "referenceId", value: id(ResourceType.TASK, "square") } },
                  },
                },
              ],
              outputs: [{ var: "y", binding: { value: { case: "promise", value: { nodeId: "n0", var: "y" } } } }],
            },
          },
        },
        WorkflowCreateResponseSchema,
      );
      await rpc(
        "CreateLaunchPlan",
        LaunchPlanCreateRequestSchema,
        {
          id: id(ResourceType.LAUNCH_PLAN, "square_lp"),
          spec: {
            workflowId: id(ResourceType.WORKFLOW, "square_wf"),
            defaultInputs: {
              parameters: {
                x: { var: { type: INT }, behavior: { case: "default", value: ints({ x: 7 }).literals.x! } },
              },
            },
          },
        },
        LaunchPlanCreateResponseSchema,
      );
    });
    after(async () => {
      client?.close();
      await platform?.close();
    });

    test("launch, the engine's canonical event sequence, and every read", async () => {
      const exec = await launch("first-run");
      assert.equal(exec.name, "first-run");
      const launched = executor.launched.at(-1)!;
      assert.equal(launched.executionId.name, "first-run");
      assert.equal(launched.closure.primary?.template?.id?.name, "square_wf");
      assert.equal(intOf(launched.inputs, "x"), 3);
      assert.equal(launched.spec.maxParallelism, 25);
      assert.equal(launched.namespace, `${P}-${D}`);
      assert.equal(
        launched.taskResources?.defaults?.memory,
        "200Mi",
        "the server's task resources when no TASK_RESOURCE attributes match",
      );
      assert.equal(launched.taskResources?.limits?.memory, "1Gi");
      const target = launched.closure.tasks[0]?.template?.target;
      assert.deepEqual(
        target?.case === "container" ? target.value.resources?.requests.map((r) => r.value) : [],
        ["2", "200Mi"],
        "container tasks get the platform's default requests",
      );

      let e = await getExec(exec);
      assert.equal(e.closure?.phase, WorkflowExecution_Phase.UNDEFINED);
      assert.equal(e.spec?.metadata?.systemMetadata?.executionCluster, "local");

      // The engine's events.
      const store = platform.admin.blobStore;
      await wfEvent(exec, WorkflowExecution_Phase.RUNNING);
      await nodeEvent(exec, "start-node", NodeExecution_Phase.SUCCEEDED);
      await nodeEvent(exec, "n0", NodeExecution_Phase.QUEUED, {
        inputValue: { case: "inputUri", value: launched.inputsUri },
      });
      await taskEvent(exec, "n0", TaskExecution_Phase.QUEUED, {
        phaseVersion: 0,
        inputValue: { case: "inputUri", value: launched.inputsUri },
      });
      await nodeEvent(exec, "n0", NodeExecution_Phase.RUNNING);
      await taskEvent(exec, "n0", TaskExecution_Phase.RUNNING, { logs: [{ uri: "http://logs/n0", name: "stdout" }] });
      await putMessage(store, "test/n0/outputs.pb", LiteralMapSchema, ints({ y: 9 }));
      const outputsUri = store.uri("test/n0/outputs.pb");
      await taskEvent(exec, "n0", TaskExecution_Phase.SUCCEEDED, {
        outputResult: { case: "outputUri", value: outputsUri },
      });
      await nodeEvent(exec, "n0", NodeExecution_Phase.SUCCEEDED, {
        outputResult: { case: "outputUri", value: outputsUri },
      });
      await nodeEvent(exec, "end-node", NodeExecution_Phase.SUCCEEDED);
      await wfEvent(exec, WorkflowExecution_Phase.SUCCEEDING);
      await wfEvent(exec, WorkflowExecution_Phase.SUCCEEDED, {
        outputResult: { case: "outputData", value: ints({ y: 9 }) },
      });

      e = await getExec(exec);
      assert.equal(e.closure?.phase, WorkflowExecution_Phase.SUCCEEDED);
      assert.ok(e.closure?.startedAt);
      assert.ok(Number(e.closure?.duration?.seconds ?? 0) > 0);
      assert.equal(e.closure?.outputResult.case, "outputs", "output_data is offloaded and recorded as a URI");

      const data = await rpc(
        "GetExecutionData",
        WorkflowExecutionGetDataRequestSchema,
        { id: exec },
        WorkflowExecutionGetDataResponseSchema,
      );
      assert.equal(intOf(data.fullInputs, "x"), 3);
      assert.equal(intOf(data.fullOutputs, "y"), 9);

      const nodes = await rpc(
        "ListNodeExecutions",
        NodeExecutionListRequestSchema,
        { workflowExecutionId: exec, limit: 10 },
        NodeExecutionListSchema,
      );
      assert.deepEqual(nodes.nodeExecutions.map((n) => n.id?.nodeId).sort(), ["end-node", "n0", "start-node"]);
      const n0 = await rpc(
        "GetNodeExecution",
        NodeExecutionGetRequestSchema,
        { id: { executionId: exec, nodeId: "n0" } },
        NodeExecutionSchema,
      );
      assert.equal(n0.closure?.phase, NodeExecution_Phase.SUCCEEDED);
      assert.equal(n0.inputUri, launched.inputsUri);
      assert.equal(n0.metadata?.specNodeId, "n0");
      const nData = await rpc(
        "GetNodeExecutionData",
        NodeExecutionGetDataRequestSchema,
        { id: { executionId: exec, nodeId: "n0" } },
        NodeExecutionGetDataResponseSchema,
      );
      assert.equal(intOf(nData.fullInputs, "x"), 3);
      assert.equal(intOf(nData.fullOutputs, "y"), 9);
      assert.equal(nData.flyteUrls?.inputs, `flyte://v1/${P}/${D}/first-run/n0/i`);

      const tasks = await rpc(
        "ListTaskExecutions",
        TaskExecutionListRequestSchema,
        { nodeExecutionId: { executionId: exec, nodeId: "n0" }, limit: 10 },
        TaskExecutionListSchema,
      );
      assert.equal(tasks.taskExecutions.length, 1);
      const te = tasks.taskExecutions[0]!;
      assert.equal(te.closure?.phase, TaskExecution_Phase.SUCCEEDED);
      assert.deepEqual(
        te.closure?.logs.map((l) => l.uri),
        ["http://logs/n0"],
      );
      assert.ok(te.closure?.startedAt);
      const tData = await rpc(
        "GetTaskExecutionData",
        TaskExecutionGetDataRequestSchema,
        { id: te.id },
        TaskExecutionGetDataResponseSchema,
      );
      assert.equal(intOf(tData.fullOutputs, "y"), 9);
      assert.equal(tData.flyteUrls?.outputs, `flyte://v1/${P}/${D}/first-run/n0/0/o`);

      // Repeats and events after the end.
      await expectCode(wfEvent(exec, WorkflowExecution_Phase.SUCCEEDED), S.ALREADY_EXISTS, /already recorded/);
      const late = await expectCode(
        wfEvent(exec, WorkflowExecution_Phase.RUNNING),
        S.FAILED_PRECONDITION,
        /Invalid phase change from SUCCEEDED to RUNNING/,
      );
      assert.equal(terminalDetail(late), "SUCCEEDED");
      await expectCode(nodeEvent(exec, "n0", NodeExecution_Phase.SUCCEEDED), S.ALREADY_EXISTS);
      await expectCode(nodeEvent(exec, "n0", NodeExecution_Phase.RUNNING), S.FAILED_PRECONDITION);
      await expectCode(taskEvent(exec, "n0", TaskExecution_Phase.SUCCEEDED), S.ALREADY_EXISTS);
      await expectCode(taskEvent(exec, "n0", TaskExecution_Phase.RUNNING), S.FAILED_PRECONDITION);
      await expectCode(nodeEvent({ ...exec, name: "nope" }, "n0", NodeExecution_Phase.RUNNING), S.NOT_FOUND);
      await expectCode(
        taskEvent(exec, "n9", TaskExecution_Phase.RUNNING),
        S.INTERNAL,
        /failed to get existing node execution id/,
      );

      // A child execution launched by a node of this one (as a launch-plan node does).
      const childReq = (nodeId: string) =>
        rpc(
          "CreateExecution",
          ExecutionCreateRequestSchema,
          {
            project: P,
            domain: D,
            name: `child-of-${nodeId}`,
            spec: {
              launchPlan: id(ResourceType.LAUNCH_PLAN, "square_lp"),
              metadata: {
                mode: ExecutionMetadata_ExecutionMode.CHILD_WORKFLOW,
                parentNodeExecution: { executionId: exec, nodeId },
              },
            },
            inputs: ints({ x: 1 }),
          },
          ExecutionCreateResponseSchema,
        );
      await expectCode(childReq("zz"), S.NOT_FOUND, /node_id:"zz"/);
      const child = await getExec((await childReq("n0")).id!);
      assert.equal(child.spec?.metadata?.nesting, 1);
      assert.equal(child.spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.CHILD_WORKFLOW);

      // The HTTP gateway reads the same records.
      const viaHttp = await http(`/api/v1/executions/${P}/${D}/first-run`);
      assert.equal(viaHttp.status, 200);
      assert.equal((viaHttp.body.closure as { phase: string }).phase, "SUCCEEDED");
      const dataHttp = await http(`/api/v1/data/executions/${P}/${D}/first-run`);
      assert.equal(dataHttp.status, 200);
      assert.ok((dataHttp.body.full_outputs as { literals: Record<string, unknown> }).literals.y);
      const nodesHttp = await http(`/api/v1/node_executions/${P}/${D}/first-run?limit=10`);
      assert.equal((nodesHttp.body.node_executions as unknown[]).length, 3);
    });

    test("an engine may report events before execute returns: the execution row already exists", async () => {
      const sink = inProcessEventSink(platform.admin.executions);
      executor.eagerSink = (exec) =>
        sink.workflowEvent(
          create(WorkflowExecutionEventRequestSchema, {
            event: {
              executionId: exec,
              producerId: "propeller",
              phase: WorkflowExecution_Phase.RUNNING,
              occurredAt: at(),
            },
          }),
        );
      try {
        const exec = await launch("eager");
        assert.equal((await getExec(exec)).closure?.phase, WorkflowExecution_Phase.RUNNING);
      } finally {
        executor.eagerSink = undefined;
      }
    });

    test("defaults, names, validation, duplicates, launch failures", async () => {
      const generated = await launch("", ints({}));
      assert.match(generated.name, /^a[bcdfghjklmnpqrstvwxz2456789]{19}$/);
      assert.equal(intOf(executor.launched.at(-1)!.inputs, "x"), 7, "the launch plan default fills the missing input");
      await expectCode(launch("first-run"), S.ALREADY_EXISTS);
      await expectCode(launch("Bad_Name"), S.INVALID_ARGUMENT, /invalid name format/);
      await expectCode(launch("ok-name", ints({ z: 1 })), S.INVALID_ARGUMENT, /invalid input z/);
      await expectCode(launch("ok-name", ints({}), id(ResourceType.LAUNCH_PLAN, "missing_lp")), S.NOT_FOUND);
      await expectCode(
        rpc(
          "CreateExecution",
          ExecutionCreateRequestSchema,
          { project: "nope", domain: D, spec: { launchPlan: id(ResourceType.LAUNCH_PLAN, "square_lp") } },
          ExecutionCreateResponseSchema,
        ),
        S.INVALID_ARGUMENT,
        /failed to validate that project \[nope\]/,
      );
      executor.fail = true;
      try {
        const failed = await launch("engine-down");
        const e = await getExec(failed);
        assert.equal(e.closure?.phase, WorkflowExecution_Phase.FAILED);
        assert.equal(
          e.closure?.outputResult.case === "error" ? e.closure.outputResult.value.code : "",
          "Unimplemented",
        );
      } finally {
        executor.fail = false;
      }
    });

    test("terminate: ABORTING with the cause, the engine told, ABORTED from its event; terminal is FAILED_PRECONDITION", async () => {
      const exec = await launch("to-abort");
      await wfEvent(exec, WorkflowExecution_Phase.RUNNING);
      await rpc(
        "TerminateExecution",
        ExecutionTerminateRequestSchema,
        { id: exec, cause: "user said stop" },
        ExecutionTerminateResponseSchema,
      );
      assert.deepEqual(executor.aborted.at(-1), { name: "to-abort", cause: "user said stop" });
      let e = await getExec(exec);
      assert.equal(e.closure?.phase, WorkflowExecution_Phase.ABORTING);
      await expectCode(wfEvent(exec, WorkflowExecution_Phase.RUNNING), S.FAILED_PRECONDITION, /aborting/);
      await expectCode(wfEvent(exec, WorkflowExecution_Phase.SUCCEEDING), S.FAILED_PRECONDITION, /aborting/);
      await wfEvent(exec, WorkflowExecution_Phase.ABORTED);
      e = await getExec(exec);
      assert.equal(e.closure?.phase, WorkflowExecution_Phase.ABORTED);
      assert.equal(
        e.closure?.outputResult.case === "abortMetadata" ? e.closure.outputResult.value.cause : "",
        "user said stop",
      );
      // Terminating it again succeeds (deliberate difference: idempotent), the engine is not asked again, the cause stays.
      const abortsBefore = executor.aborted.length;
      await rpc(
        "TerminateExecution",
        ExecutionTerminateRequestSchema,
        { id: exec, cause: "again" },
        ExecutionTerminateResponseSchema,
      );
      assert.equal(executor.aborted.length, abortsBefore);
      e = await getExec(exec);
      assert.equal(e.closure?.phase, WorkflowExecution_Phase.ABORTED);
      assert.equal(
        e.closure?.outputResult.case === "abortMetadata" ? e.closure.outputResult.value.cause : "",
        "user said stop",
      );
      // An execution that ended otherwise cannot be aborted (upstream's FAILED_PRECONDITION).
      const done = await launch("to-abort-done");
      await wfEvent(done, WorkflowExecution_Phase.RUNNING);
      await wfEvent(done, WorkflowExecution_Phase.FAILED, {
        outputResult: { case: "error", value: { code: "x", message: "failed" } },
      });
      const err = await expectCode(
        rpc(
          "TerminateExecution",
          ExecutionTerminateRequestSchema,
          { id: done, cause: "again" },
          ExecutionTerminateResponseSchema,
        ),
        S.FAILED_PRECONDITION,
        /Cannot abort an already terminated workflow execution/,
      );
      assert.equal(terminalDetail(err), "FAILED");
      await expectCode(
        rpc(
          "TerminateExecution",
          ExecutionTerminateRequestSchema,
          { id: { ...exec, name: "ghost" } },
          ExecutionTerminateResponseSchema,
        ),
        S.NOT_FOUND,
      );
    });

    test("concurrent terminates all succeed, whenever the engine's ABORTED lands among them", async () => {
      for (let round = 0; round < 5; round++) {
        const exec = await launch(`abort-storm-${round}`);
        await wfEvent(exec, WorkflowExecution_Phase.RUNNING);
        const calls = Array.from({ length: 10 }, (_, i) =>
          (async () => {
            if (i === round * 2) await wfEvent(exec, WorkflowExecution_Phase.ABORTED).catch(() => undefined);
            await rpc(
              "TerminateExecution",
              ExecutionTerminateRequestSchema,
              { id: exec, cause: `stop ${i}` },
              ExecutionTerminateResponseSchema,
            );
          })(),
        );
        await Promise.all(calls);
      }
    });

    test("list filters, archive, relaunch, single-task executions", async () => {
      const list = (filters = "", limit = 100) =>
        rpc(
          "ListExecutions",
          ResourceListRequestSchema,
          { id: { project: P, domain: D }, limit, filters },
          ExecutionListSchema,
        );
      const succeeded = await list("eq(phase,SUCCEEDED)");
      assert.deepEqual(
        succeeded.executions.map((x) => x.id?.name),
        ["first-run"],
      );
      assert.equal(succeeded.executions[0]?.spec?.inputs, undefined);
      const byLp = await list("eq(launch_plan.name,square_lp)+eq(workflow.name,square_wf)");
      assert.ok(byLp.executions.length >= 3);
      const page = await list("", 1);
      assert.equal(page.executions.length, 1);
      assert.equal(page.token, "1");
      await expectCode(list("eq(project,x)"), S.INVALID_ARGUMENT);

      await rpc(
        "UpdateExecution",
        ExecutionUpdateRequestSchema,
        { id: { project: P, domain: D, name: "first-run" }, state: ExecutionState.EXECUTION_ARCHIVED },
        ExecutionUpdateResponseSchema,
      );
      assert.deepEqual((await list("eq(phase,SUCCEEDED)")).executions.length, 0);
      assert.deepEqual(
        (await list("eq(state,1)")).executions.map((x) => x.id?.name),
        ["first-run"],
      );

      const relaunched = await rpc(
        "RelaunchExecution",
        ExecutionRelaunchRequestSchema,
        { id: { project: P, domain: D, name: "first-run" }, name: "second-run" },
        ExecutionCreateResponseSchema,
      );
      assert.equal(relaunched.id?.name, "second-run");
      const r = await getExec(relaunched.id!);
      assert.equal(r.spec?.metadata?.referenceExecution?.name, "first-run");
      assert.equal(intOf(executor.launched.at(-1)!.inputs, "x"), 3);

      const single = await launch("one-task", ints({ x: 2 }), id(ResourceType.TASK, "square"));
      const launched = executor.launched.at(-1)!;
      assert.equal(launched.workflowId.name, ".flytegen.square");
      assert.equal(
        launched.closure.primary?.template?.nodes.find((n) => n.id === "square")?.metadata?.retries?.retries,
        1,
      );
      assert.equal((await getExec(single)).closure?.workflowId?.name, ".flytegen.square");
      // A second launch reuses the generated workflow and launch plan.
      await launch("one-task-again", ints({ x: 2 }), id(ResourceType.TASK, "square"));
      const entities = await rpc(
        "ListNamedEntities",
        NamedEntityListRequestSchema,
        { resourceType: ResourceType.WORKFLOW, project: P, domain: D, limit: 100 },
        NamedEntityListSchema,
      );
      assert.ok(!entities.entities.some((x) => x.id?.name.startsWith(".flytegen")));
      void ObjectGetRequestSchema;
    });

    test("create, events and terminate through the HTTP gateway (JSON)", async () => {
      const created = await http("/api/v1/executions", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          project: P,
          domain: D,
          name: "via-http",
          spec: { launch_plan: { resource_type: "LAUNCH_PLAN", project: P, domain: D, name: "square_lp", version: V } },
          inputs: { literals: { x: { scalar: { primitive: { integer: "4" } } } } },
        }),
      });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal((created.body.id as { name: string }).name, "via-http");
      const event = await http("/api/v1/events/workflows", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          request_id: "r",
          event: {
            execution_id: { project: P, domain: D, name: "via-http" },
            producer_id: "propeller",
            phase: "RUNNING",
            occurred_at: "2024-01-01T00:00:00Z",
          },
        }),
      });
      assert.equal(event.status, 200, JSON.stringify(event.body));
      const terminated = await http(`/api/v1/executions/${P}/${D}/via-http`, {
        method: "DELETE",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ cause: "from http" }),
      });
      assert.equal(terminated.status, 200, JSON.stringify(terminated.body));
      const again = await http(`/api/v1/executions/${P}/${D}/via-http`, {
        method: "DELETE",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      assert.equal(again.status, 200, "terminating an ABORTING execution again is allowed");
      const got = await http(`/api/v1/executions/${P}/${D}/via-http`);
      assert.equal((got.body.closure as { phase: string }).phase, "ABORTING");
      const missing = await http(`/api/v1/executions/${P}/${D}/no-such-execution`);
      assert.equal(missing.status, 404);
      const list = await http(`/api/v1/executions/${P}/${D}?limit=2&filters=eq(phase,ABORTING)`);
      assert.ok((list.body.executions as Array<{ id: { name: string } }>).some((x) => x.id.name === "via-http"));
    });

    test("concurrency policy SKIP, labels as tags, recover", async () => {
      await rpc(
        "CreateLaunchPlan",
        LaunchPlanCreateRequestSchema,
        {
          id: id(ResourceType.LAUNCH_PLAN, "limited_lp"),
          spec: {
            workflowId: id(ResourceType.WORKFLOW, "square_wf"),
            concurrencyPolicy: { max: 1, behavior: ConcurrencyLimitBehavior.SKIP },
          },
        },
        LaunchPlanCreateResponseSchema,
      );
      const first = await launch("limited-1", ints({ x: 1 }), id(ResourceType.LAUNCH_PLAN, "limited_lp"));
      await launch("limited-2", ints({ x: 1 }), id(ResourceType.LAUNCH_PLAN, "limited_lp")); // UNDEFINED executions do not count
      await wfEvent(first, WorkflowExecution_Phase.RUNNING);
      await expectCode(
        launch("limited-3", ints({ x: 1 }), id(ResourceType.LAUNCH_PLAN, "limited_lp")),
        S.ALREADY_EXISTS,
        /^concurrency limit \(1\) reached for launch plan limited_lp; skipping execution$/,
      );
      await wfEvent(first, WorkflowExecution_Phase.SUCCEEDED);
      await launch("limited-3", ints({ x: 1 }), id(ResourceType.LAUNCH_PLAN, "limited_lp"));

      await rpc(
        "CreateExecution",
        ExecutionCreateRequestSchema,
        {
          project: P,
          domain: D,
          name: "labelled",
          spec: {
            launchPlan: id(ResourceType.LAUNCH_PLAN, "square_lp"),
            labels: { values: { team: "ml" } },
            tags: ["nightly"],
          },
          inputs: ints({ x: 1 }),
        },
        ExecutionCreateResponseSchema,
      );
      const tagged = await rpc(
        "ListExecutions",
        ResourceListRequestSchema,
        { id: { project: P, domain: D }, limit: 10, filters: "eq(execution_tag.key,team)+eq(execution_tag.value,ml)" },
        ExecutionListSchema,
      );
      assert.deepEqual(
        tagged.executions.map((x) => x.id?.name),
        ["labelled"],
      );
      const nightly = await rpc(
        "ListExecutions",
        ResourceListRequestSchema,
        { id: { project: P, domain: D }, limit: 10, filters: "eq(admin_tag.name,nightly)" },
        ExecutionListSchema,
      );
      assert.deepEqual(
        nightly.executions.map((x) => x.id?.name),
        ["labelled"],
      );
      assert.equal(executor.launched.at(-1)!.spec.labels?.values.team, "ml");

      const recovered = await rpc(
        "RecoverExecution",
        ExecutionRecoverRequestSchema,
        { id: { project: P, domain: D, name: "to-abort" }, name: "recovered" },
        ExecutionCreateResponseSchema,
      );
      const input = executor.launched.at(-1)!;
      assert.equal(input.executionId.name, "recovered");
      assert.equal(input.recoveryExecution?.name, "to-abort");
      assert.equal((await getExec(recovered.id!)).spec?.metadata?.mode, ExecutionMetadata_ExecutionMode.RECOVERED);
    });
  });
}
