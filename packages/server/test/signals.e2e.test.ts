// Approve and signal gates end to end in the sandbox, on SQLite and PostgreSQL: the execution waits RUNNING at its
// gates, the engine's signals are listed over gRPC (our client and grpc-js) and the HTTP gateway, bad SetSignal calls
// are INVALID_ARGUMENT on both transports, and setting the signals lets the execution succeed with the signal's value.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code as ConnectCode, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";
import { SignalGetOrCreateRequestSchema } from "@aloft/idl/flyteidl/admin/signal_pb.js";
import type { Identifier, WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { NodeExecution_Phase, WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { AloftError, Code } from "@aloft/core";
import { remoteAdmin } from "../src/wiring/remote.ts";
import { postgresAvailability } from "@aloft/testkit";
import { grpc, loadPackage, unary, type GrpcJsClient } from "@aloft/testkit";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { intLiteral, intOf, intType, registerGatedWorkflow, type Admin } from "@aloft/testkit";

const P = "flytesnacks";
const D = "development";
const TERMINAL = new Set([
  WorkflowExecution_Phase.SUCCEEDED,
  WorkflowExecution_Phase.FAILED,
  WorkflowExecution_Phase.ABORTED,
  WorkflowExecution_Phase.TIMED_OUT,
]);

const boolLiteral = (v: boolean): Literal =>
  create(LiteralSchema, {
    value: { case: "scalar", value: { value: { case: "primitive", value: { value: { case: "boolean", value: v } } } } },
  });
const stringLiteral = (v: string): Literal =>
  create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "stringValue", value: v } } } },
    },
  });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function signalServiceGrpcJs(address: string): GrpcJsClient {
  const pkg = loadPackage(["flyteidl/service/signal.proto"]) as {
    flyteidl: { service: { SignalService: grpc.ServiceClientConstructor } };
  };
  return new pkg.flyteidl.service.SignalService(address, grpc.credentials.createInsecure()) as unknown as GrpcJsClient;
}

const connectCode = async (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "OK",
    (e: unknown) => {
      assert.ok(e instanceof ConnectError, String(e));
      return ConnectCode[e.code] ?? String(e.code);
    },
  );

for (const kind of ["sqlite", "postgres"] as const) {
  describe(`approve and signal gates (${kind})`, {
    skip: kind === "postgres" ? await postgresAvailability() : false,
  }, () => {
    let platform: TestPlatform;
    let admin: Admin;
    let signals: Client<typeof SignalService>;
    let grpcJs: GrpcJsClient;
    let lp: Identifier;

    const http = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${platform.httpUrl}${path}`, {
        ...init,
        headers: { Accept: "application/json", "content-type": "application/json", ...init.headers },
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
    };
    const launch = async (x: number): Promise<WorkflowExecutionIdentifier> =>
      (
        await admin.createExecution({
          project: P,
          domain: D,
          spec: { launchPlan: lp },
          inputs: { literals: { x: intLiteral(x) } },
        })
      ).id!;
    const nodePhases = async (exId: WorkflowExecutionIdentifier) => {
      const nodes = await admin.listNodeExecutions({ workflowExecutionId: exId, limit: 100 });
      return Object.fromEntries(nodes.nodeExecutions.map((n) => [n.id!.nodeId, NodeExecution_Phase[n.closure!.phase]]));
    };
    const waitTerminal = (exId: WorkflowExecutionIdentifier) =>
      until(`execution ${exId.name} to end`, async () => {
        const ex = await admin.getExecution({ id: exId });
        return TERMINAL.has(ex.closure!.phase) ? ex : undefined;
      });
    /** Waits until both gates wait RUNNING and the engine has created both signals. */
    const waitAtGates = (exId: WorkflowExecutionIdentifier) =>
      until(`execution ${exId.name} to wait at its gates`, async () => {
        const ex = await admin.getExecution({ id: exId });
        if (TERMINAL.has(ex.closure!.phase)) {
          const why = ex.closure?.outputResult.case === "error" ? ex.closure.outputResult.value.message : "";
          throw new Error(
            `execution ${exId.name} ended ${WorkflowExecution_Phase[ex.closure!.phase]} instead of waiting at its gates: ${why}`,
          );
        }
        const phases = await nodePhases(exId);
        const list = await signals.listSignals({ workflowExecutionId: exId, limit: 10 });
        return phases["approval"] === "RUNNING" && phases["wait-n"] === "RUNNING" && list.signals.length === 2
          ? phases
          : undefined;
      });

    before(async () => {
      platform = await startTestPlatform({ database: kind, engine: true });
      const transport = createGrpcTransport({ baseUrl: `http://${platform.grpcAddress}` });
      admin = createClient(AdminService, transport);
      signals = createClient(SignalService, transport);
      grpcJs = signalServiceGrpcJs(platform.grpcAddress);
      lp = await registerGatedWorkflow(admin, P, D);
    });
    after(async () => {
      grpcJs?.close();
      await platform?.close();
    });

    test("the execution waits at its gates; ListSignals shows the signals; setting them lets it succeed with the value", async () => {
      const exId = await launch(2);
      const phases = await waitAtGates(exId);
      assert.equal(phases["add"], undefined, "the task behind the gates has not started");
      assert.equal(WorkflowExecution_Phase[(await admin.getExecution({ id: exId })).closure!.phase], "RUNNING");

      // gRPC (our client): both signals, unset, with the gates' types.
      const listed = await signals.listSignals({
        workflowExecutionId: exId,
        limit: 10,
        sortBy: { key: "signal_id", direction: 1 },
      });
      assert.deepEqual(
        listed.signals.map((s) => [s.id?.signalId, s.type?.type.case, s.type?.type.value, s.value]),
        [
          ["approve-run", "simple", 4 /* BOOLEAN */, undefined],
          ["n", "simple", 1 /* INTEGER */, undefined],
        ],
      );
      assert.equal(listed.signals[0]?.id?.executionId?.name, exId.name);

      // gRPC (grpc-js, independent wire stack).
      const viaGrpcJs = await unary<{ signals: Array<{ id: { signal_id: string }; type: { simple: string } }> }>(
        grpcJs,
        "ListSignals",
        {
          workflow_execution_id: { project: P, domain: D, name: exId.name },
          limit: 10,
          filters: "eq(signal_id,n)",
        },
      );
      assert.deepEqual(
        viaGrpcJs.signals.map((s) => [s.id.signal_id, s.type.simple]),
        [["n", "INTEGER"]],
      );

      // HTTP gateway: GET /api/v1/signals/{project}/{domain}/{name}.
      const page = await http(
        `/api/v1/signals/${P}/${D}/${exId.name}?limit=1&sort_by.key=signal_id&sort_by.direction=ASCENDING`,
      );
      assert.equal(page.status, 200, JSON.stringify(page.body));
      const httpSignals = page.body["signals"] as Array<{
        id: { signal_id: string; execution_id: { name: string } };
        type: { simple: string };
      }>;
      assert.deepEqual(
        httpSignals.map((s) => [s.id.signal_id, s.id.execution_id.name, s.type.simple]),
        [["approve-run", exId.name, "BOOLEAN"]],
      );
      assert.equal(page.body["token"], "1");

      // A value of the wrong type, or an unknown signal, is INVALID_ARGUMENT on both transports and changes nothing.
      await assert.rejects(
        signals.setSignal({ id: { executionId: exId, signalId: "n" }, value: stringLiteral("forty") }),
        (e: ConnectError) => {
          assert.equal(ConnectCode[e.code], "InvalidArgument");
          assert.match(e.rawMessage, /is not castable to existing signal type \[simple:INTEGER\]/);
          return true;
        },
      );
      await assert.rejects(
        signals.setSignal({ id: { executionId: exId, signalId: "approve-run" }, value: intLiteral(1) }),
        (e: ConnectError) => {
          assert.equal(ConnectCode[e.code], "InvalidArgument");
          return true;
        },
      );
      await assert.rejects(
        signals.setSignal({ id: { executionId: exId, signalId: "nope" }, value: intLiteral(1) }),
        (e: ConnectError) => {
          assert.equal(ConnectCode[e.code], "InvalidArgument");
          assert.match(
            e.rawMessage,
            /^failed to validate that signal \[.* nope\}\] exists, err: \[signal does not exist\]$/,
          );
          return true;
        },
      );
      const badHttp = await http("/api/v1/signals", {
        method: "POST",
        body: JSON.stringify({
          id: { execution_id: { project: P, domain: D, name: exId.name }, signal_id: "approve-run" },
          value: { scalar: { primitive: { string_value: "yes" } } },
        }),
      });
      assert.equal(badHttp.status, 400);
      assert.equal(badHttp.body["code"], 3);
      assert.match(String(badHttp.body["message"]), /not castable to existing signal type \[simple:BOOLEAN\]/);
      const unknownHttp = await http("/api/v1/signals", {
        method: "POST",
        body: JSON.stringify({
          id: { execution_id: { project: P, domain: D, name: exId.name }, signal_id: "nope" },
          value: { scalar: { primitive: { boolean: true } } },
        }),
      });
      assert.equal(unknownHttp.status, 400);
      assert.equal(unknownHttp.body["code"], 3);

      // Approve over HTTP; the signal gate still holds the task back.
      const approved = await http("/api/v1/signals", {
        method: "POST",
        body: JSON.stringify({
          id: { execution_id: { project: P, domain: D, name: exId.name }, signal_id: "approve-run" },
          value: { scalar: { primitive: { boolean: true } } },
        }),
      });
      assert.equal(approved.status, 200, JSON.stringify(approved.body));
      await until("the approval gate to pass", async () =>
        (await nodePhases(exId))["approval"] === "SUCCEEDED" ? true : undefined,
      );
      assert.equal((await nodePhases(exId))["wait-n"], "RUNNING");
      assert.equal((await nodePhases(exId))["add"], undefined);

      // Set the integer over gRPC (the gate passes on the first value it sees).
      await signals.setSignal({ id: { executionId: exId, signalId: "n" }, value: intLiteral(40) });
      const done = await waitTerminal(exId);
      assert.equal(
        WorkflowExecution_Phase[done.closure!.phase],
        "SUCCEEDED",
        done.closure?.outputResult.case === "error" ? done.closure.outputResult.value.message : "",
      );
      const data = await admin.getExecutionData({ id: exId });
      assert.equal(intOf(data.fullOutputs, "total"), 42);
      const gateOut = await admin.getNodeExecutionData({ id: { executionId: exId, nodeId: "wait-n" } });
      assert.equal(intOf(gateOut.fullOutputs, "n"), 40);

      let listedN = await signals.listSignals({ workflowExecutionId: exId, limit: 10, filters: "eq(signal_id,n)" });
      assert.deepEqual(listedN.signals[0]?.value, intLiteral(40));
      // A signal may be set again (upstream allows it, even after the gate passed): the last value is stored.
      await signals.setSignal({ id: { executionId: exId, signalId: "n" }, value: intLiteral(41) });
      listedN = await signals.listSignals({ workflowExecutionId: exId, limit: 10, filters: "eq(signal_id,n)" });
      assert.deepEqual(listedN.signals[0]?.value, intLiteral(41));
    });

    test("a rejected approval fails the execution", async () => {
      const exId = await launch(1);
      await waitAtGates(exId);
      await signals.setSignal({ id: { executionId: exId, signalId: "approve-run" }, value: boolLiteral(false) });
      const done = await waitTerminal(exId);
      assert.equal(WorkflowExecution_Phase[done.closure!.phase], "FAILED");
      assert.equal(done.closure?.outputResult.case, "error");
      assert.match(
        done.closure!.outputResult.case === "error" ? done.closure!.outputResult.value.message : "",
        /approve-run rejected/,
      );
    });

    test("request validation and codes over gRPC and HTTP", async () => {
      const exId = await launch(3);
      await waitAtGates(exId);
      const int = intType();
      // GetOrCreateSignal (gRPC only): unknown execution, missing fields.
      assert.equal(
        await connectCode(
          signals.getOrCreateSignal({
            id: { executionId: { project: P, domain: D, name: "nope" }, signalId: "s" },
            type: int,
          }),
        ),
        "NotFound",
      );
      assert.equal(
        await connectCode(signals.getOrCreateSignal({ id: { executionId: exId, signalId: "s" } })),
        "InvalidArgument",
      );
      assert.equal(
        await connectCode(signals.getOrCreateSignal({ id: { executionId: exId }, type: int })),
        "InvalidArgument",
      );
      assert.equal(
        await connectCode(
          signals.getOrCreateSignal({
            id: { executionId: exId, signalId: "n" },
            type: { type: { case: "simple", value: 3 /* STRING */ } },
          }),
        ),
        "AlreadyExists",
      );
      // Asking again with the same type answers the existing signal (what the engine does on every round).
      const again = await signals.getOrCreateSignal({ id: { executionId: exId, signalId: "n" }, type: int });
      assert.equal(again.id?.signalId, "n");
      // ListSignals: limit required; bad filters; unknown execution has none.
      assert.equal(await connectCode(signals.listSignals({ workflowExecutionId: exId })), "InvalidArgument");
      assert.equal(
        await connectCode(signals.listSignals({ workflowExecutionId: exId, limit: 5, filters: "eq(phase,RUNNING)" })),
        "InvalidArgument",
      );
      assert.deepEqual(
        (await signals.listSignals({ workflowExecutionId: { project: P, domain: D, name: "nope" }, limit: 5 })).signals,
        [],
      );
      const noLimit = await http(`/api/v1/signals/${P}/${D}/${exId.name}`);
      assert.deepEqual(
        [noLimit.status, noLimit.body["code"], noLimit.body["message"]],
        [400, 3, "invalid value for limit"],
      );
      const badFilter = await http(
        `/api/v1/signals/${P}/${D}/${exId.name}?limit=5&filters=${encodeURIComponent("eq(value,1)")}`,
      );
      assert.deepEqual([badFilter.status, badFilter.body["code"]], [400, 3]);
      // SetSignal: missing value.
      assert.equal(
        await connectCode(signals.setSignal({ id: { executionId: exId, signalId: "n" } })),
        "InvalidArgument",
      );
      const missingValue = await http("/api/v1/signals", {
        method: "POST",
        body: JSON.stringify({ id: { execution_id: { project: P, domain: D, name: exId.name }, signal_id: "n" } }),
      });
      assert.deepEqual([missingValue.status, missingValue.body["message"]], [400, "missing value"]);
      await admin.terminateExecution({ id: exId, cause: "test done" });
      await waitTerminal(exId);
    });

    test("the engine's gRPC signal port (aloft engine) answers signals and maps codes to AloftError", async () => {
      const connection = remoteAdmin(`http://${platform.grpcAddress}`);
      after(() => connection.close());
      const port = connection.signals;
      const exId = await launch(4);
      await waitAtGates(exId);
      await signals.setSignal({ id: { executionId: exId, signalId: "n" }, value: intLiteral(5) });
      const got = await port.getOrCreateSignal(
        create(SignalGetOrCreateRequestSchema, { id: { executionId: exId, signalId: "n" }, type: intType() }),
      );
      assert.deepEqual(got.value, intLiteral(5));
      await assert.rejects(
        port.getOrCreateSignal(
          create(SignalGetOrCreateRequestSchema, {
            id: { executionId: { project: P, domain: D, name: "nope" }, signalId: "n" },
            type: intType(),
          }),
        ),
        (e: unknown) => e instanceof AloftError && e.code === Code.NOT_FOUND,
      );
      await admin.terminateExecution({ id: exId, cause: "test done" });
      await waitTerminal(exId);
    });
  });
}
