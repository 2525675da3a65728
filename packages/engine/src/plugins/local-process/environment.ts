// The environment of a task process (upstream flyteplugins/go/tasks/pluginmachinery/flytek8s/k8s_resource_adds.go, flytek8s k8s_resource_adds.go). Precedence, lowest first, as a pod
// sees duplicates (the last definition wins): the host's own environment (PATH, HOME… — a host process needs them),
// the container's `env`, the FLYTE_INTERNAL_* variables, the execution's environment, then the plugin's extraEnv
// (upstream's `default-env-vars`).
import type { TaskExecutionContext } from "../plugin.ts";
import type { KeyValuePair } from "@aloft/idl/flyteidl/core/literals_pb.js";

export function flyteInternalEnv(ctx: TaskExecutionContext): Record<string, string> {
  const node = ctx.id.nodeExecutionId;
  const exec = node?.executionId;
  if (exec === undefined) return {};
  const env: Record<string, string> = {
    FLYTE_INTERNAL_EXECUTION_ID: exec.name,
    FLYTE_INTERNAL_EXECUTION_PROJECT: exec.project,
    FLYTE_INTERNAL_EXECUTION_DOMAIN: exec.domain,
    FLYTE_ATTEMPT_NUMBER: String(ctx.id.retryAttempt),
  };
  const task = ctx.id.taskId;
  if (task !== undefined) {
    Object.assign(env, {
      FLYTE_INTERNAL_TASK_PROJECT: task.project,
      FLYTE_INTERNAL_TASK_DOMAIN: task.domain,
      FLYTE_INTERNAL_TASK_NAME: task.name,
      FLYTE_INTERNAL_TASK_VERSION: task.version,
      // Historic names flytekit still reads.
      FLYTE_INTERNAL_PROJECT: task.project,
      FLYTE_INTERNAL_DOMAIN: task.domain,
      FLYTE_INTERNAL_NAME: task.name,
      FLYTE_INTERNAL_VERSION: task.version,
    });
  }
  return env;
}

export function buildEnvironment(
  ctx: TaskExecutionContext,
  containerEnv: readonly KeyValuePair[] | readonly { name: string; value: string }[],
  extraEnv: Record<string, string> | undefined,
  hostEnv: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(hostEnv)) if (v !== undefined) env[k] = v;
  for (const kv of containerEnv) {
    const key = "key" in kv ? kv.key : kv.name;
    env[key] = kv.value;
  }
  Object.assign(env, flyteInternalEnv(ctx), ctx.environment, extraEnv ?? {});
  return env;
}
