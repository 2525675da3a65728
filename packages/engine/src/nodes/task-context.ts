// The TaskExecutionContext of one attempt (upstream flyteplugins/go/tasks/pluginmachinery/encoding/encoder.go names and prefixes, upstream flytepropeller/pkg/controller/nodes/node_exec_context.go interruptible).
import { create } from "@bufbuild/protobuf";
import { TaskExecutionIdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { checkpointPrefix, inputsKey, rawOutputDataPrefix } from "@aloft/core";
import { fixedLengthUniqueIdForParts } from "@aloft/core";
import type { EngineDeps } from "../executor/context.ts";
import type { TaskExecutionContext } from "../plugins/plugin.ts";
import type { NodeContext } from "./handler.ts";

export function generatedName(n: NodeContext, attempt: number): string {
  return fixedLengthUniqueIdForParts(50, [n.exec.executionId.name, n.uniqueId, String(attempt)]);
}

/** The raw output prefix of the execution as a URI (a bare key is a key of the engine's blob store). */
function rawPrefixUri(n: NodeContext): string {
  const p = n.exec.spec.spec.rawOutputPrefix || n.exec.deps.config.rawOutputPrefix;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(p) || p.startsWith("/") ? p : n.exec.deps.blobs.uri(p);
}

function isInterruptible(n: NodeContext): boolean {
  const meta = n.node.metadata?.interruptibleValue;
  let value =
    meta?.case === "interruptible"
      ? meta.value
      : (n.exec.spec.spec.interruptible ??
        n.exec.index.closure.primary?.template?.metadataDefaults?.interruptible ??
        false);
  if (!value) return false;
  const { maxNodeSystemRetries, interruptibleFailureThreshold: t } = n.exec.deps.config;
  const failures = n.status.systemFailures ?? 0;
  if (t < 0 && failures >= maxNodeSystemRetries + 1 - Math.abs(t)) value = false;
  if (t > 0 && failures >= t) value = false;
  return value;
}

/** Set for the sub-nodes of an array node, as upstream's array execution context does (flytekit reads them). */
export const ARRAY_INDEX_VAR_NAME = "BATCH_JOB_ARRAY_INDEX_VAR_NAME";
const K8S_ARRAY_INDEX = "FLYTE_K8S_ARRAY_INDEX";

/**
 * The execution's environment variables as a task sees them: the workflow's id (`project:domain:name`, upstream's
 * context env var), the execution's `envs`, and for an array sub-node its index (upstream sets these last).
 */
function environmentOf(n: NodeContext): Record<string, string> {
  const env: Record<string, string> = {};
  const wf = n.exec.index.closure.primary?.template?.id;
  if (wf) env["FLYTE_INTERNAL_EXECUTION_WORKFLOW"] = `${wf.project}:${wf.domain}:${wf.name}`;
  Object.assign(env, n.exec.spec.spec.envs ?? {});
  const array = n.scope.array;
  if (array) {
    env[ARRAY_INDEX_VAR_NAME] = K8S_ARRAY_INDEX;
    env[K8S_ARRAY_INDEX] = String(array.indexOf(n.node.id));
  }
  return env;
}

/**
 * The contexts built for an execution's task attempts, by its spec (dropped with it): a running task node is visited
 * every round, and its context (generated name, URIs, child logger) is the same each time. Keyed by the node's unique id,
 * the attempt and its system failures (which `interruptible` reads); kept only for the same engine and template.
 */
interface Built {
  deps: EngineDeps;
  template: TaskTemplate;
  ctx: TaskExecutionContext;
}
const built = new WeakMap<object, Map<string, Built>>();
const MAX_KEPT = 4096;

export function taskExecutionContext(n: NodeContext, template: TaskTemplate): TaskExecutionContext {
  const attempt = n.attempt();
  const key = `${n.uniqueId}/${attempt}/${n.status.systemFailures ?? 0}`;
  let kept = built.get(n.exec.spec);
  const hit = kept?.get(key);
  if (hit && hit.deps === n.exec.deps && hit.template === template) return hit.ctx;
  const ctx = buildContext(n, template, attempt);
  if (!kept) built.set(n.exec.spec, (kept = new Map()));
  else if (kept.size >= MAX_KEPT) kept.clear();
  kept.set(key, { deps: n.exec.deps, template, ctx });
  return ctx;
}

function buildContext(n: NodeContext, template: TaskTemplate, attempt: number): TaskExecutionContext {
  const name = generatedName(n, attempt);
  const raw = rawPrefixUri(n);
  const rawPrefix = rawOutputDataPrefix(raw, name);
  const blobs = n.exec.deps.blobs;
  const ownInputs = blobs.uri(inputsKey(n.dataDir));
  return {
    id: create(TaskExecutionIdentifierSchema, {
      taskId: template.id,
      nodeExecutionId: { executionId: n.exec.executionId, nodeId: n.uniqueId },
      retryAttempt: attempt,
    }),
    generatedName: name,
    template,
    inputsUri: n.scope.array ? blobs.uri(n.scope.array.inputsKey) : ownInputs,
    inputValuesUri: ownInputs,
    outputPrefix: blobs.uri(n.outputDir()),
    rawOutputPrefix: rawPrefix,
    checkpointPrefix: checkpointPrefix(rawPrefix),
    previousCheckpointPrefix:
      attempt > 0 ? checkpointPrefix(rawOutputDataPrefix(raw, generatedName(n, attempt - 1))) : "",
    attempt,
    interruptible: isInterruptible(n),
    environment: environmentOf(n),
    ...(n.node.target.case === "taskNode" && n.node.target.value.overrides
      ? { overrides: n.node.target.value.overrides }
      : {}),
    ...(n.exec.spec.spec.kubernetes ? { kubernetes: n.exec.spec.spec.kubernetes } : {}),
    blobStore: blobs,
    logger: n.exec.deps.logger.child({ execution: n.exec.key, node: n.uniqueId, attempt }),
    ...(n.exec.deps.wake ? { wake: () => n.exec.deps.wake!(n.exec.key) } : {}),
  };
}
