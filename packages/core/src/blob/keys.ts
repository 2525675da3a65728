// The storage layout shared by admin and engine (upstream flyteplugins/go/tasks/pluginmachinery/ioutils/paths.go, flytepropeller/pkg/apis/flyteworkflow/v1alpha1/iface.go, upstream flyteadmin/dataproxy/service.go, flyteadmin/pkg/config/config.go/upstream flyteadmin/pkg/runtime/interfaces/application_configuration.go).
// Pure functions from identifiers to blob keys (relative to the store's root/bucket); the store turns a key
// into a URI. Where upstream's layout is observable (flytekit reads these paths), it is reproduced exactly.

import type { ProjectDomainName, VersionedId } from "../entity-ids.ts";

export type { ProjectDomainName, VersionedId };

export interface NodeExecutionId {
  executionId: ProjectDomainName;
  nodeId: string;
}

export interface TaskExecutionId {
  nodeExecutionId: NodeExecutionId;
  taskId: VersionedId;
  retryAttempt: number;
}

/**
 * Joins key segments the way flytestdlib joins URL paths: each segment trimmed of "/", "/" between them.
 * Empty segments are dropped (upstream would produce "//", which no store treats as the same object).
 */
export function joinKey(...segments: (string | number)[]): string {
  return segments
    .map((s) => String(s).replace(/^\/+|\/+$/g, ""))
    .filter((s) => s !== "")
    .join("/");
}

/** Appends segments to a URI or absolute path (kept as is, trailing "/" removed): "s3://b/raw" + "ab" → "s3://b/raw/ab". */
export function joinUri(base: string, ...segments: (string | number)[]): string {
  const rest = joinKey(...segments);
  const head = base.replace(/\/+$/, "");
  if (rest === "") return head;
  return head.endsWith(":/") || head.endsWith("://") ? `${head}${rest}` : `${head}/${rest}`;
}

// ---- Admin (flyteadmin `common.OffloadLiteralMap`, workflow and node-execution managers) ----

/** `flyteadmin.metadataStoragePrefix` default: workflow and dynamic-workflow closures go under it. */
export const DEFAULT_ADMIN_METADATA_PREFIX: readonly string[] = ["metadata", "admin"];
/** Offloaded literal maps (execution inputs, event outputs) go under a fixed "metadata" root, not the prefix above. */
export const ADMIN_OFFLOAD_ROOT = "metadata";
export const INPUTS_OBJECT = "inputs";
export const USER_INPUTS_OBJECT = "user_inputs";
export const OFFLOADED_OUTPUTS_OBJECT = "offloaded_outputs";

/** `admin.WorkflowClosure` of a registered workflow: `<prefix>/<project>/<domain>/<name>/<version>`. */
export function workflowClosureKey(id: VersionedId, prefix: readonly string[] = DEFAULT_ADMIN_METADATA_PREFIX): string {
  return joinKey(...prefix, id.project, id.domain, id.name, id.version);
}

/** `core.CompiledWorkflowClosure` of a dynamic node: `<prefix>/<p>/<d>/<exec>/<nodeId>/<wfP>_<wfD>_<wfName>_<wfVersion>`. */
export function dynamicWorkflowClosureKey(
  node: NodeExecutionId,
  workflowId: VersionedId,
  prefix: readonly string[] = DEFAULT_ADMIN_METADATA_PREFIX,
): string {
  const e = node.executionId;
  const wf = `${workflowId.project}_${workflowId.domain}_${workflowId.name}_${workflowId.version}`;
  return joinKey(...prefix, e.project, e.domain, e.name, node.nodeId, wf);
}

/**
 * Inputs written by one CreateExecution attempt: `metadata/<p>/<d>/<exec>/<attempt>/{inputs,user_inputs}`.
 * Concurrent creates of one name never share a key; only the winner's row points at its own (a loser's objects are
 * unreferenced and removed).
 */
export function executionAttemptInputsKeys(
  e: ProjectDomainName,
  attempt: string,
): { inputs: string; userInputs: string } {
  return {
    inputs: joinKey(ADMIN_OFFLOAD_ROOT, e.project, e.domain, e.name, attempt, INPUTS_OBJECT),
    userInputs: joinKey(ADMIN_OFFLOAD_ROOT, e.project, e.domain, e.name, attempt, USER_INPUTS_OBJECT),
  };
}

/** Workflow event `output_data` offloaded by admin: `metadata/<p>/<d>/<exec>/offloaded_outputs`. */
export function executionOutputsKey(e: ProjectDomainName): string {
  return joinKey(ADMIN_OFFLOAD_ROOT, e.project, e.domain, e.name, OFFLOADED_OUTPUTS_OBJECT);
}

/** Node event `output_data` offloaded by admin: `metadata/<p>/<d>/<exec>/<nodeId>/offloaded_outputs`. */
export function nodeExecutionOutputsKey(n: NodeExecutionId): string {
  const e = n.executionId;
  return joinKey(ADMIN_OFFLOAD_ROOT, e.project, e.domain, e.name, n.nodeId, OFFLOADED_OUTPUTS_OBJECT);
}

/** Task event `output_data`: `metadata/<p>/<d>/<exec>/<nodeId>/<taskP>/<taskD>/<taskName>/<taskV>/<attempt>/offloaded_outputs`. */
export function taskExecutionOutputsKey(t: TaskExecutionId): string {
  const n = t.nodeExecutionId;
  const e = n.executionId;
  const task = t.taskId;
  return joinKey(
    ADMIN_OFFLOAD_ROOT,
    e.project,
    e.domain,
    e.name,
    n.nodeId,
    task.project,
    task.domain,
    task.name,
    task.version,
    t.retryAttempt,
    OFFLOADED_OUTPUTS_OBJECT,
  );
}

/** Data proxy upload target: `<storagePrefix>/[org]/<project>/<domain>/<root>/<filename>` (empty segments dropped). */
export function uploadKey(u: {
  storagePrefix?: string;
  org?: string;
  project: string;
  domain: string;
  root: string;
  filename: string;
}): string {
  return joinKey(u.storagePrefix ?? "", u.org ?? "", u.project, u.domain, u.root, u.filename);
}

// ---- Engine (propeller's per-execution data directories and file names) ----

export const DEFAULT_PROPELLER_METADATA_PREFIX = "metadata/propeller";
export const START_NODE_ID = "start-node";
export const END_NODE_ID = "end-node";

export const INPUTS_FILE = "inputs.pb";
export const OUTPUTS_FILE = "outputs.pb";
export const ERROR_FILE = "error.pb";
export const DECK_FILE = "deck.html";
export const FUTURES_FILE = "futures.pb";
export const DYNAMIC_COMPILED_FILE = "dynamic_compiled.pb";
export const CHECKPOINTS_DIR = "_flytecheckpoints";

/** `<prefix>/<project>-<domain>-<execName>`, e.g. `metadata/propeller/flytesnacks-development-f7616dc75400f43e6920`. */
export function workflowDataDir(e: ProjectDomainName, prefix: string = DEFAULT_PROPELLER_METADATA_PREFIX): string {
  return joinKey(prefix, `${e.project}-${e.domain}-${e.name}`);
}

/** A top-level node's data dir (holds `inputs.pb`, shared by all attempts): `<wfDir>/<nodeId>/data`. */
export function nodeDataDir(wfDir: string, nodeId: string): string {
  return joinKey(wfDir, nodeId, "data");
}

/** A node attempt's output dir (holds `outputs.pb`, `error.pb`, ...): `<dataDir>/<attempt>`. */
export function nodeOutputDir(dataDir: string, attempt: number): string {
  return joinKey(dataDir, attempt);
}

/** A nested node (sub-workflow, branch or dynamic child): its data dir hangs off the parent's output dir. */
export function childNodeDataDir(parentOutputDir: string, childNodeId: string): string {
  return joinKey(parentOutputDir, childNodeId);
}

/** Workflow inputs: `<wfDir>/start-node/data/0/outputs.pb`. */
export function workflowInputsKey(wfDir: string): string {
  return outputsKey(nodeOutputDir(nodeDataDir(wfDir, START_NODE_ID), 0));
}

/** Workflow outputs (`status.outputRef`): `<wfDir>/end-node/data/0/outputs.pb`. */
export function workflowOutputsKey(wfDir: string): string {
  return outputsKey(nodeOutputDir(nodeDataDir(wfDir, END_NODE_ID), 0));
}

export const inputsKey = (dataDir: string) => joinKey(dataDir, INPUTS_FILE);
export const outputsKey = (outputDir: string) => joinKey(outputDir, OUTPUTS_FILE);
export const errorKey = (outputDir: string) => joinKey(outputDir, ERROR_FILE);
export const deckKey = (outputDir: string) => joinKey(outputDir, DECK_FILE);
export const futuresKey = (outputDir: string) => joinKey(outputDir, FUTURES_FILE);
export const dynamicCompiledKey = (outputDir: string) => joinKey(outputDir, DYNAMIC_COMPILED_FILE);

// ---- Raw output data (upstream flyteplugins/go/tasks/pluginmachinery/encoding/encoder.go) ----

const SHARD_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";

/** FNV-1a, 32 bit, over the UTF-8 bytes of `s`. */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, "utf8")) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Two characters from [a-z0-9]×[a-z0-9] picked by fnv32a(s) mod 1296, as propeller's shard selector does. */
export function rawOutputShard(s: string): string {
  const n = SHARD_CHARS.length;
  const idx = fnv32a(s) % (n * n);
  return SHARD_CHARS[Math.floor(idx / n)]! + SHARD_CHARS[idx % n]!;
}

/** An attempt's raw output prefix: `<rawOutputPrefix>/<shard>/<generatedName>` (a URI when the prefix is one). */
export function rawOutputDataPrefix(rawOutputPrefix: string, generatedName: string): string {
  return joinUri(rawOutputPrefix, rawOutputShard(generatedName), generatedName);
}

/** Intra-task checkpoints: `<attempt raw output prefix>/_flytecheckpoints`. */
export function checkpointPrefix(attemptRawOutputPrefix: string): string {
  return joinUri(attemptRawOutputPrefix, CHECKPOINTS_DIR);
}
