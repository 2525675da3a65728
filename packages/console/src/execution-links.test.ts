import assert from "node:assert/strict";
import { test } from "node:test";
import { childExecutionRoute, parentExecutionRoute } from "./execution-links.ts";
import { routeHref } from "./routes.ts";

test("a launch-plan node links to its child execution; other nodes link nowhere", () => {
  const child = childExecutionRoute({
    id: { node_id: "n0" },
    closure: { workflow_node_metadata: { executionId: { project: "p", domain: "d", name: "child-1" } } },
  });
  assert.equal(routeHref(child!), "/console/projects/p/domains/d/executions/child-1");
  assert.equal(childExecutionRoute({ id: { node_id: "n1" }, closure: { phase: "SUCCEEDED" } }), undefined);
  assert.equal(childExecutionRoute({ id: { node_id: "n2" }, closure: { workflow_node_metadata: {} } }), undefined);
  assert.equal(childExecutionRoute(undefined), undefined);
});

test("a child execution links back to its parent with the node that started it selected", () => {
  const parent = parentExecutionRoute({
    id: { project: "p", domain: "d", name: "child-1" },
    spec: {
      metadata: { parent_node_execution: { node_id: "n0", execution_id: { project: "p", domain: "d", name: "top" } } },
    },
  });
  assert.equal(routeHref(parent!), "/console/projects/p/domains/d/executions/top?node=n0");
  assert.equal(parentExecutionRoute({ id: { project: "p", domain: "d", name: "top" }, spec: {} }), undefined);
});
