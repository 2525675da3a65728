import { test } from "node:test";
import assert from "node:assert/strict";
import { sandbox, containerTask } from "./testing.ts";
import { buildEnvironment, flyteInternalEnv } from "./environment.ts";

test("environment precedence: host < container env < FLYTE_INTERNAL_* < execution env < extraEnv", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const ctx = await sb.context({
    attempt: 2,
    template: containerTask(["true"]),
    environment: { FROM_EXEC: "x", SHARED: "exec" },
  });
  const env = buildEnvironment(
    ctx,
    [
      { name: "FLYTE_INTERNAL_EXECUTION_ID", value: "spoofed" },
      { name: "SHARED", value: "container" },
      { name: "HOST_ONLY", value: "container" },
    ],
    { SHARED: "extra" },
    { HOST_ONLY: "host", PATH: "/bin" },
  );
  assert.equal(env["FLYTE_INTERNAL_EXECUTION_ID"], "exec1", "the platform's ids cannot be overridden by the task");
  assert.equal(env["FLYTE_ATTEMPT_NUMBER"], "2");
  assert.equal(env["HOST_ONLY"], "container");
  assert.equal(env["SHARED"], "extra");
  assert.equal(env["FROM_EXEC"], "x");
  assert.equal(env["PATH"], "/bin");
  assert.deepEqual(Object.keys(flyteInternalEnv(ctx)).sort(), [
    "FLYTE_ATTEMPT_NUMBER",
    "FLYTE_INTERNAL_DOMAIN",
    "FLYTE_INTERNAL_EXECUTION_DOMAIN",
    "FLYTE_INTERNAL_EXECUTION_ID",
    "FLYTE_INTERNAL_EXECUTION_PROJECT",
    "FLYTE_INTERNAL_NAME",
    "FLYTE_INTERNAL_PROJECT",
    "FLYTE_INTERNAL_TASK_DOMAIN",
    "FLYTE_INTERNAL_TASK_NAME",
    "FLYTE_INTERNAL_TASK_PROJECT",
    "FLYTE_INTERNAL_TASK_VERSION",
    "FLYTE_INTERNAL_VERSION",
  ]);
});
