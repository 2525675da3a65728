// The flat launch settings an engine needs from an ExecuteInput (what upstream writes into the FlyteWorkflow CRD's
// executionConfig, flyteadmin/pkg/workflowengine/impl/prepare_execution.go addExecutionOverrides). Shaped like the
// engine's LaunchSpec without importing the engine: the composition root passes `launchSpecOf(input)` to the engine.
// The only copy of this mapping; upstream's rules it follows:
// - PLUGIN_OVERRIDE: overrides fill a map keyed by task type in list order, so the last override of a type wins.
// - max_parallelism is copied as resolved, 0 included (propeller's IsMaxParallelismAchieved: 0 = no limit).
// - overwrite_cache is copied as resolved, false included.
import { ExecutionMetadata_ExecutionMode } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { ExecuteInput } from "../plugins.ts";

export interface LaunchSettings {
  /** 0 = unlimited. */
  maxParallelism?: number;
  /** Raw output data prefix; absent = the engine's default. */
  rawOutputPrefix?: string;
  interruptible?: boolean;
  envs?: Record<string, string>;
  /** Task type → plugin id (the first of each PLUGIN_OVERRIDE's plugin ids; of two overrides of a type, the last). */
  taskPluginImpls?: Record<string, string>;
  overwriteCache?: boolean;
  eventVersion?: number;
  /** RecoverExecution: the execution whose succeeded nodes the engine copies instead of re-running. */
  recoverFrom?: { project: string; domain: string; name: string };
}

export function launchSpecOf(input: ExecuteInput): LaunchSettings {
  const spec = input.spec;
  const out: LaunchSettings = {
    maxParallelism: spec.maxParallelism,
    overwriteCache: spec.overwriteCache,
    eventVersion: input.eventVersion,
  };
  const prefix = spec.rawOutputDataConfig?.outputLocationPrefix ?? "";
  if (prefix !== "") out.rawOutputPrefix = prefix;
  if (spec.interruptible !== undefined) out.interruptible = spec.interruptible;
  const envs = spec.envs?.values ?? [];
  if (envs.length > 0) out.envs = Object.fromEntries(envs.map((kv) => [kv.key, kv.value]));
  const impls: Record<string, string> = {};
  for (const o of input.pluginOverrides ?? []) {
    const first = o.pluginId[0];
    if (first !== undefined) impls[o.taskType] = first;
  }
  if (Object.keys(impls).length > 0) out.taskPluginImpls = impls;
  const from =
    input.recoveryExecution ??
    (spec.metadata?.mode === ExecutionMetadata_ExecutionMode.RECOVERED ? spec.metadata.referenceExecution : undefined);
  if (from?.name) out.recoverFrom = { project: from.project, domain: from.domain, name: from.name };
  return out;
}
