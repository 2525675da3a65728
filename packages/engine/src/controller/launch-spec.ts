// Admin's resolved ExecutionSpec (+ matchable attributes) → the engine's LaunchSpec, for the composition root's
// WorkflowExecutor adapter (upstream: what BuildFlyteWorkflow/prepare_execution put into the CR).
import { ExecutionMetadata_ExecutionMode, type ExecutionSpec } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { PluginOverride } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import type { LaunchSpec } from "../store/workflow-store.ts";

export function launchSpecFromExecutionSpec(
  spec: ExecutionSpec | undefined,
  opts: { eventVersion?: number; pluginOverrides?: readonly PluginOverride[] } = {},
): LaunchSpec {
  const out: LaunchSpec = {};
  if (spec?.maxParallelism) out.maxParallelism = spec.maxParallelism;
  const raw = spec?.rawOutputDataConfig?.outputLocationPrefix;
  if (raw) out.rawOutputPrefix = raw;
  if (spec?.interruptible !== undefined) out.interruptible = spec.interruptible;
  if (spec?.overwriteCache) out.overwriteCache = true;
  const envs = spec?.envs?.values ?? [];
  if (envs.length > 0) out.envs = Object.fromEntries(envs.map((kv) => [kv.key, kv.value]));
  const impls: Record<string, string> = {};
  for (const o of opts.pluginOverrides ?? []) {
    const first = o.pluginId[0];
    if (first !== undefined && !(o.taskType in impls)) impls[o.taskType] = first;
  }
  if (Object.keys(impls).length > 0) out.taskPluginImpls = impls;
  if (opts.eventVersion !== undefined) out.eventVersion = opts.eventVersion;
  // RecoverExecution stores the original in metadata.reference_execution (upstream puts it in the CR's
  // executionConfig.RecoveryExecution); a relaunch references its original too but reruns everything.
  const ref = spec?.metadata?.referenceExecution;
  if (spec?.metadata?.mode === ExecutionMetadata_ExecutionMode.RECOVERED && ref?.name) {
    out.recoverFrom = { project: ref.project, domain: ref.domain, name: ref.name };
  }
  return out;
}
