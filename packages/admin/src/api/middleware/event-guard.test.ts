import assert from "node:assert/strict";
import { test } from "node:test";
import { create, type Message } from "@bufbuild/protobuf";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { EventService } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { AloftError, Code } from "@aloft/core";
import { silentLogger } from "@aloft/core";
import type { CallContext, Principal } from "../rpc.ts";
import { eventCallerProblem, eventGuardMiddleware } from "./event-guard.ts";

const ctx = (address: string, principal?: Principal): CallContext => ({
  requestId: "r",
  headers: new Headers(),
  responseHeaders: new Headers(),
  signal: new AbortController().signal,
  transport: "grpc",
  peer: { address },
  ...(principal ? { principal } : {}),
});

test("auth off: only loopback peers may report events", () => {
  for (const a of ["127.0.0.1", "::1", "::ffff:127.0.0.1", "127.0.0.2"])
    assert.equal(eventCallerProblem(ctx(a), { authEnabled: false }), undefined, a);
  for (const a of ["10.0.0.7", "::ffff:192.168.1.2", "2001:db8::1", ""]) {
    assert.match(eventCallerProblem(ctx(a), { authEnabled: false }) ?? "", /only from the engine/, a);
  }
});

test("auth on: only the engine's identity, wherever it calls from", () => {
  const engine: Principal = { subject: "flytepropeller", claims: {} };
  const isEngine = (p: Principal) => p.subject === "flytepropeller";
  assert.equal(eventCallerProblem(ctx("10.0.0.7", engine), { authEnabled: true, isEngine }), undefined);
  assert.notEqual(eventCallerProblem(ctx("127.0.0.1"), { authEnabled: true, isEngine }), undefined);
  assert.notEqual(
    eventCallerProblem(ctx("127.0.0.1", { subject: "alice", claims: {} }), { authEnabled: true, isEngine }),
    undefined,
  );
  // Without a way to recognise the engine, nobody is (fail closed).
  assert.notEqual(eventCallerProblem(ctx("127.0.0.1", engine), { authEnabled: true }), undefined);
});

test("the middleware refuses only event RPCs, with PERMISSION_DENIED that names no producer", async () => {
  const mw = eventGuardMiddleware({ authEnabled: false, logger: silentLogger() });
  let ran = 0;
  const next = async (req: Message) => {
    ran++;
    return req;
  };
  for (const m of [
    AdminService.method.createWorkflowEvent,
    AdminService.method.createNodeEvent,
    AdminService.method.createTaskEvent,
    EventService.method.createEvents,
  ]) {
    await assert.rejects(
      mw(m, create(m.input), ctx("10.0.0.7"), next),
      (e: unknown) => e instanceof AloftError && e.code === Code.PERMISSION_DENIED && !/propeller/.test(e.message),
    );
    await mw(m, create(m.input), ctx("127.0.0.1"), next);
  }
  assert.equal(ran, 4);
  await mw(AdminService.method.getProject, create(AdminService.method.getProject.input), ctx("10.0.0.7"), next);
  assert.equal(ran, 5);
});
