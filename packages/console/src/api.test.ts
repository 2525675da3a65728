import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError, createApi, describeFailure } from "./api.ts";

type Sent = { url: string; init: RequestInit };

function fakeFetch(status: number, body: string, sent: Sent[]): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(url), init: init ?? {} });
    return new Response(body, { status });
  }) as typeof fetch;
}

test("reads send JSON Accept and the list query; writes add the CSRF token from the session", async () => {
  const sent: Sent[] = [];
  const api = createApi(fakeFetch(200, '{"executions":[],"token":"t2"}', sent), () => "csrf-1");
  const page = await api.executions({
    project: "p",
    domain: "d",
    limit: 50,
    token: "t1",
    phase: "FAILED",
    sort: "duration.asc",
  });
  assert.deepEqual(page, { items: [], token: "t2" });
  const url = new URL(sent[0]!.url, "http://x");
  assert.equal(url.pathname, "/api/v1/executions/p/d");
  assert.equal(url.searchParams.get("filters"), "eq(phase,FAILED)");
  assert.equal(url.searchParams.get("sort_by.key"), "duration");
  assert.equal(url.searchParams.get("sort_by.direction"), "ASCENDING");
  assert.equal(url.searchParams.get("token"), "t1");
  assert.equal((sent[0]!.init.headers as Record<string, string>)["X-CSRF-Token"], undefined);
  await api.terminate("p", "d", "e1", "why");
  assert.equal(sent[1]!.init.method, "DELETE");
  assert.equal((sent[1]!.init.headers as Record<string, string>)["X-CSRF-Token"], "csrf-1");
  assert.deepEqual(JSON.parse(String(sent[1]!.init.body)), {
    id: { project: "p", domain: "d", name: "e1" },
    cause: "why",
  });
});

test("API failures become sentences; 401 says to sign in", async () => {
  const api = createApi(fakeFetch(404, '{"code":5,"message":"execution e9 not found"}', []));
  await assert.rejects(api.execution("p", "d", "e9"), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 404);
    assert.equal(err.message, "Not found: execution e9 not found");
    return true;
  });
  assert.match(describeFailure(401, "missing access token"), /not signed in/);
  const down = createApi((async () => {
    throw new TypeError("Failed to fetch");
  }) as typeof fetch);
  await assert.rejects(down.projects(), /could not be reached: Failed to fetch/);
  const html = createApi(fakeFetch(200, "<html>", []));
  await assert.rejects(html.projects(), /not JSON/);
});

test("archive, activation and task launches send the requests admin's gateway routes", async () => {
  const sent: Sent[] = [];
  const api = createApi(fakeFetch(200, "{}", sent));
  await api.namedEntities("launch_plans", "p", "d", true);
  const list = new URL(sent[0]!.url, "http://x");
  assert.equal(list.pathname, "/api/v1/named_entities/LAUNCH_PLAN/p/d");
  assert.equal(list.searchParams.get("filters"), "not_like(name,.flytegen%)+eq(state,1)");
  await api.setArchived(
    "workflows",
    { id: { project: "p", domain: "d", name: "wf" }, metadata: { description: "kept" } },
    true,
  );
  assert.equal(sent[1]!.init.method, "PUT");
  assert.equal(sent[1]!.url, "/api/v1/named_entities/WORKFLOW/p/d/wf");
  assert.deepEqual(JSON.parse(String(sent[1]!.init.body)).metadata, {
    description: "kept",
    state: "NAMED_ENTITY_ARCHIVED",
  });
  await api.setLaunchPlanActive({ project: "p", domain: "d", name: "lp", version: "v1" }, true);
  assert.equal(sent[2]!.url, "/api/v1/launch_plans/p/d/lp/v1");
  assert.equal(JSON.parse(String(sent[2]!.init.body)).state, "ACTIVE");
  await api.launch({ project: "p", domain: "d", name: "t", version: "v1" }, {}, "tasks");
  assert.equal(JSON.parse(String(sent[3]!.init.body)).spec.launch_plan.resource_type, "TASK");
});

test("a log range read sends the Range header; 206 gives the span, 416 nothing new, 404 a failure", async () => {
  const sent: Sent[] = [];
  const answers = [
    new Response("lo\n", { status: 206, headers: { "content-range": "bytes 3-5/6" } }),
    new Response(null, { status: 416, headers: { "content-range": "bytes */6" } }),
    new Response("no log for x\n", { status: 404 }),
  ];
  const api = createApi((async (url: string, init?: RequestInit) => {
    sent.push({ url: String(url), init: init ?? {} });
    return answers.shift()!;
  }) as typeof fetch);
  const r = await api.logRange("/logs/p/d/x", "bytes=3-");
  assert.equal((sent[0]!.init.headers as Record<string, string>).Range, "bytes=3-");
  assert.deepEqual(
    { ...r, bytes: new TextDecoder().decode(r.bytes) },
    { status: 206, bytes: "lo\n", start: 3, size: 6 },
  );
  const none = await api.logRange("/logs/p/d/x", "bytes=6-");
  assert.equal(none.status, 416);
  assert.equal(none.size, 6);
  await assert.rejects(
    api.logRange("/logs/p/d/x", "bytes=0-"),
    (err: unknown) => err instanceof ApiError && err.status === 404,
  );
});

test("the filters' pick lists come from ListLaunchPlanIds and ListWorkflowIds, sorted by name", async () => {
  const sent: Sent[] = [];
  const api = createApi(fakeFetch(200, '{"entities":[{"project":"p","domain":"d","name":"a"},{"name":"b"}]}', sent));
  assert.deepEqual(await api.entityNames("launch_plans", "p", "d"), ["a", "b"]);
  await api.entityNames("workflows", "p", "d");
  const [lp, wf] = sent.map((x) => new URL(x.url, "http://x"));
  assert.equal(lp!.pathname, "/api/v1/launch_plan_ids/p/d");
  assert.equal(wf!.pathname, "/api/v1/workflow_ids/p/d");
  assert.equal(lp!.searchParams.get("sort_by.key"), "name");
});
