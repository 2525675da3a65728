// Retry behaviour against a fake transport that fails on demand: which codes are retried, how long it waits, how
// many attempts, request ids and auth on every attempt, deadlines, and idempotent creates.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { answeringTransport } from "./fake-transport.ts";
import { resilientTransport, type CallPolicy } from "./resilient-transport.ts";
import { backoffDelay, defaultRetryPolicy } from "./retry.ts";

interface Seen {
  method: string;
  headers: Headers;
  input: Record<string, unknown>;
  timeoutMs: number | undefined;
}

/** Answers each call with the next scripted outcome: a Code to fail with, or "ok". */
function fakeTransport(script: Array<Code | "ok">): { transport: Transport; seen: Seen[] } {
  const seen: Seen[] = [];
  const transport = answeringTransport(async ({ method, input, headers, timeoutMs }) => {
    seen.push({
      method: method.name,
      headers,
      input: create(method.input, input) as unknown as Record<string, unknown>,
      timeoutMs,
    });
    const next = script.shift() ?? "ok";
    if (next !== "ok") throw new ConnectError(`scripted ${Code[next]}`, next);
  });
  return { transport, seen };
}

function harness(script: Array<Code | "ok">, policy: CallPolicy = {}) {
  const fake = fakeTransport(script);
  const sleeps: number[] = [];
  let clock = 0;
  const client = createClient(
    AdminService,
    resilientTransport(fake.transport, {
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
      now: () => clock,
      ...policy,
    }),
  );
  return { client, seen: fake.seen, sleeps, advance: (ms: number) => (clock += ms) };
}

const PROJECT = { id: "p", name: "p" };
const LP = { resourceType: ResourceType.LAUNCH_PLAN, project: "p", domain: "d", name: "lp", version: "v1" };

describe("retries", () => {
  test("full-jitter backoff is uniform below min(cap, base * 2^n)", () => {
    const p = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000 };
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5].map((n) => backoffDelay(p, n, () => 0.999)),
      [99, 199, 399, 799, 999, 999],
    );
    assert.equal(
      backoffDelay(p, 3, () => 0),
      0,
    );
  });

  test("UNAVAILABLE and RESOURCE_EXHAUSTED are retried with growing delays until success", async () => {
    const h = harness([Code.Unavailable, Code.ResourceExhausted, Code.Unavailable, "ok"]);
    await h.client.getProject({ id: "p" });
    assert.equal(h.seen.length, 4);
    assert.deepEqual(h.sleeps, [50, 100, 200]);
  });

  test("other codes are never retried", async () => {
    for (const code of [
      Code.NotFound,
      Code.InvalidArgument,
      Code.Internal,
      Code.DeadlineExceeded,
      Code.Unauthenticated,
      Code.AlreadyExists,
    ]) {
      const h = harness([code, "ok"]);
      await assert.rejects(h.client.getProject({ id: "p" }), (e: ConnectError) => e.code === code);
      assert.equal(h.seen.length, 1, Code[code]);
      assert.deepEqual(h.sleeps, []);
    }
  });

  test("attempts are bounded and the last error is passed on", async () => {
    const h = harness(Array(10).fill(Code.Unavailable), { retry: { maxAttempts: 3 } });
    await assert.rejects(h.client.getProject({ id: "p" }), (e: ConnectError) => e.code === Code.Unavailable);
    assert.equal(h.seen.length, 3);
    assert.equal(h.sleeps.length, 2);
  });

  test("every attempt carries the same x-request-id and a fresh authorization from the hook", async () => {
    let n = 0;
    const h = harness([Code.Unavailable, "ok"], {
      requestId: () => "req-1",
      auth: ({ headers, attempt }) => void headers.set("authorization", `Bearer t${attempt}-${++n}`),
    });
    await h.client.getProject({ id: "p" });
    assert.deepEqual(
      h.seen.map((s) => s.headers.get("x-request-id")),
      ["req-1", "req-1"],
    );
    assert.deepEqual(
      h.seen.map((s) => s.headers.get("authorization")),
      ["Bearer t0-1", "Bearer t1-2"],
    );
  });

  test("a caller's own x-request-id is kept", async () => {
    const h = harness(["ok"]);
    await h.client.getProject({ id: "p" }, { headers: { "x-request-id": "mine" } });
    assert.equal(h.seen[0]?.headers.get("x-request-id"), "mine");
  });

  test("one deadline covers the call and its retries", async () => {
    const h = harness(Array(10).fill(Code.Unavailable), {
      timeoutMs: 250,
      retry: { baseDelayMs: 100, maxAttempts: 10 },
    });
    await assert.rejects(h.client.getProject({ id: "p" }), (e: ConnectError) => e.code === Code.Unavailable);
    // Delays 50, 100 fit into 250 ms; the next (200) would overrun, so the call gives up with the last error.
    assert.deepEqual(h.sleeps, [50, 100]);
    assert.deepEqual(
      h.seen.map((s) => s.timeoutMs),
      [250, 200, 100],
    );
  });
});

describe("idempotent creates", () => {
  test("CreateExecution without a name is named before the first attempt; ALREADY_EXISTS after a retry is success", async () => {
    const h = harness([Code.Unavailable, Code.AlreadyExists]);
    const res = await h.client.createExecution({ project: "p", domain: "d", spec: { launchPlan: LP } });
    const names = h.seen.map((s) => s.input.name as string);
    assert.match(names[0] ?? "", /^a[bcdfghjklmnpqrstvwxz2456789]{19}$/);
    assert.equal(names[1], names[0], "the retry re-sends the same name");
    assert.deepEqual(
      { project: res.id?.project, domain: res.id?.domain, name: res.id?.name },
      { project: "p", domain: "d", name: names[0] },
    );
  });

  test("ALREADY_EXISTS on the first attempt, or for a caller-chosen name, is passed on", async () => {
    const first = harness([Code.AlreadyExists]);
    await assert.rejects(
      first.client.createExecution({ project: "p", domain: "d", spec: { launchPlan: LP } }),
      (e: ConnectError) => e.code === Code.AlreadyExists,
    );
    const named = harness([Code.Unavailable, Code.AlreadyExists]);
    await assert.rejects(
      named.client.createExecution({ project: "p", domain: "d", name: "mine", spec: { launchPlan: LP } }),
      (e: ConnectError) => e.code === Code.AlreadyExists,
    );
  });

  test("relaunch names its execution; registrations and projects treat a retried ALREADY_EXISTS as success", async () => {
    const relaunch = harness([Code.Unavailable, Code.AlreadyExists]);
    const r = await relaunch.client.relaunchExecution({ id: { project: "p", domain: "d", name: "orig" } });
    assert.equal(r.id?.project, "p");
    assert.equal(r.id?.name, relaunch.seen[0]?.input.name);
    const project = harness([Code.Unavailable, Code.AlreadyExists]);
    await project.client.registerProject({ project: PROJECT });
    const task = harness([Code.ResourceExhausted, Code.AlreadyExists]);
    await task.client.createTask({ id: { ...LP, resourceType: ResourceType.TASK } });
  });

  test("the caller's request message is not modified", async () => {
    const h = harness(["ok"]);
    const req = { project: "p", domain: "d", name: "", spec: { launchPlan: LP } };
    await h.client.createExecution(req);
    assert.equal(req.name, "");
  });
});
