import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRoute, type Route, routeHref } from "./routes.ts";

test("every route survives a round trip through its URL", () => {
  const routes: Route[] = [
    { page: "projects" },
    { page: "project", project: "p", domain: "d", tab: "workflows" },
    { page: "project", project: "p", domain: "d", tab: "executions", phase: "FAILED", sort: "created_at.asc" },
    { page: "entity", kind: "tasks", project: "p", domain: "d", name: "my.task" },
    { page: "version", kind: "launch_plans", project: "p", domain: "d", name: "lp", version: "v 1/2" },
    { page: "launch", kind: "launch_plans", project: "p", domain: "d", name: "lp", version: "v1" },
    { page: "launch", kind: "tasks", project: "p", domain: "d", name: "t", version: "v1" },
    { page: "project", project: "p", domain: "d", tab: "launch_plans", archived: true },
    { page: "execution", project: "p", domain: "d", name: "abc", node: "n0" },
    { page: "execution", project: "p", domain: "d", name: "abc", node: "n0-0-n1", expand: ["n0", "n0-0-n2"] },
    { page: "execution", project: "p", domain: "d", name: "abc" },
  ];
  for (const r of routes) {
    const url = new URL(routeHref(r), "http://x");
    assert.deepEqual(parseRoute(url.pathname, url.search), r, routeHref(r));
  }
});

test("the console root is the projects page; unknown paths are not found, never a crash", () => {
  assert.deepEqual(parseRoute("/console"), { page: "projects" });
  assert.deepEqual(parseRoute("/console/"), { page: "projects" });
  assert.deepEqual(parseRoute("/console/projects/p/domains/d"), {
    page: "project",
    project: "p",
    domain: "d",
    tab: "executions",
  });
  assert.equal(parseRoute("/console/nope").page, "not-found");
  assert.equal(parseRoute("/console/projects/p/domains/d/workflows/w/versions/v/launch").page, "not-found");
  assert.equal(parseRoute("/console/projects/%zz/domains/d").page, "not-found");
  assert.equal(parseRoute("/elsewhere").page, "not-found");
});
