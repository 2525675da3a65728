// The generated names of single-task executions (upstream flyteadmin/pkg/manager/impl/execution_manager.go).
import assert from "node:assert/strict";
import { test } from "node:test";
import { nodeNameFromTask, workflowNameFromTask } from "./single-task-execution-manager.ts";

test("the wrapper workflow is .flytegen.<task>; its node id keeps [-A-Za-z0-9] and the last 63 characters", () => {
  assert.equal(workflowNameFromTask("core.flyte_basics.hello"), ".flytegen.core.flyte_basics.hello");
  assert.equal(nodeNameFromTask("core.flyte_basics.hello_world"), "coreflytebasicshelloworld");
  const long = `${"a".repeat(70)}-Z9`;
  assert.equal(nodeNameFromTask(long), long.slice(long.length - 63));
});
