// Launching executions (upstream flyteadmin/pkg/manager/impl/execution_manager.go): CreateExecution (launch plan or single task), RelaunchExecution,
// RecoverExecution. Inputs are resolved and offloaded, the execution config resolved, the concurrency policy applied,
// the WorkflowExecutor called, and the row written — a launch failure is recorded as a FAILED execution.
import { clone, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ExecutionClosureSchema,
  ExecutionCreateResponseSchema,
  ExecutionMetadata_ExecutionMode,
  ExecutionMetadataSchema,
  ExecutionSpecSchema,
  ExecutionState,
  SystemMetadataSchema,
  type ExecutionCreateRequest,
  type ExecutionClosure,
  type ExecutionCreateResponse,
  type ExecutionRecoverRequest,
  type ExecutionRelaunchRequest,
  type ExecutionSpec,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { ConcurrencyLimitBehavior, type LaunchPlan } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { ClusterAssignmentSchema } from "@aloft/idl/flyteidl/admin/cluster_assignment_pb.js";
import { LabelsSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { MatchableResource } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import type { CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import {
  ExecutionErrorSchema,
  ExecutionError_ErrorKind,
  WorkflowExecution_Phase,
} from "@aloft/idl/flyteidl/core/execution_pb.js";
import {
  ResourceType,
  WorkflowExecutionIdentifierSchema,
  type Identifier,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { executionAttemptInputsKeys } from "@aloft/core";
import { DEFAULT_NAMESPACE_TEMPLATE, namespaceFor, randomString } from "@aloft/core";
import type { Clock } from "@aloft/core";
import { AloftError, Code, alreadyExists, internal, invalidArgument } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { ExecuteInput, WorkflowExecutor } from "../plugins.ts";
import {
  nextWriteMicros,
  type ExecutionRepo,
  type ExecutionRow,
  type ExecutionTag,
} from "../repositories/execution-repo.ts";
import type { NodeExecutionRepo } from "../repositories/node-execution-repo.ts";
import { dateToMicros } from "../repositories/timestamps.ts";
import { validateIdentifier } from "../validation/identifier.ts";
import {
  generateExecutionName,
  resolveExecutionInputs,
  validateExecutionRequestFields,
  validateExecutionSpec,
  validateWorkflowExecutionId,
} from "../validation/execution-validator.ts";
import { workflowPhaseName } from "../validation/event-validator.ts";
import { decodeSpec } from "../transformers/execution-transformer.ts";
import type { ExecutionData } from "./execution-data-manager.ts";
import { resolveExecutionAttributes, resolveExecutionConfig, type ExecutionConfigSource } from "./execution-config.ts";
import { executionNotFound, nodeExecutionNotFound } from "./not-found.ts";
import type { ProjectGate } from "./project-gate.ts";
import type { SingleTaskExecutions } from "./single-task-execution-manager.ts";
import { withTaskResourceDefaults } from "./task-resource-defaults.ts";

/** The registered entities an execution launches (implemented over the launch plan and workflow managers). */
export interface LaunchEntities {
  /** NOT_FOUND when not registered. */
  getLaunchPlan(id: Identifier): Promise<LaunchPlan>;
  /** The compiled closure of a registered workflow; NOT_FOUND when not registered. */
  getWorkflowClosure(id: Identifier): Promise<CompiledWorkflowClosure>;
}

export interface ExecutionManagerDeps {
  repo: ExecutionRepo;
  nodeExecutions: NodeExecutionRepo;
  gate: ProjectGate;
  entities: LaunchEntities;
  singleTask: SingleTaskExecutions;
  config: ExecutionConfigSource;
  data: ExecutionData;
  /** Read at launch time: the composition root may swap the plugin after construction. */
  executor: () => WorkflowExecutor;
  clock: Clock;
  logger: Logger;
  /** `namespace_mapping.template`, `{{ project }}-{{ domain }}` by default. */
  namespaceTemplate?: string;
  /** flyteadmin.eventVersion. */
  eventVersion?: number;
  /** Project labels fill label keys the execution does not set (optional: without it they are not merged). */
  projectLabels?: (project: string) => Promise<Record<string, string>>;
  /** `registration.maxLabelEntries` / `maxAnnotationEntries`; 0 = unlimited. */
  maxLabelEntries?: number;
  maxAnnotationEntries?: number;
}

interface LaunchContext {
  mode: ExecutionMetadata_ExecutionMode;
  sourceExecutionId?: number;
  recoveryExecution?: WorkflowExecutionIdentifier;
  /** The authenticated caller ("" without auth), recorded as spec.metadata.principal. */
  principal?: string;
}

export class ExecutionManager {
  constructor(private readonly deps: ExecutionManagerDeps) {}

  async create(req: ExecutionCreateRequest, principal = ""): Promise<ExecutionCreateResponse> {
    return this.launch(req, { mode: req.spec?.metadata?.mode ?? ExecutionMetadata_ExecutionMode.MANUAL, principal });
  }

  async relaunch(req: ExecutionRelaunchRequest, principal = ""): Promise<ExecutionCreateResponse> {
    const original = await this.original(req.id);
    const spec = decodeSpec(original);
    spec.metadata ??= create(ExecutionMetadataSchema);
    spec.metadata.mode = ExecutionMetadata_ExecutionMode.RELAUNCH;
    spec.metadata.referenceExecution = clone(WorkflowExecutionIdentifierSchema, req.id!);
    spec.overwriteCache = req.overwriteCache;
    const inputs = await this.userInputs(original, spec);
    const createReq = {
      project: original.execution_project,
      domain: original.execution_domain,
      name: req.name,
      spec,
      inputs,
    };
    return this.launch(createReq as ExecutionCreateRequest, {
      mode: ExecutionMetadata_ExecutionMode.RELAUNCH,
      sourceExecutionId: original.id,
      principal,
    });
  }

  async recover(req: ExecutionRecoverRequest, principal = ""): Promise<ExecutionCreateResponse> {
    const original = await this.original(req.id);
    const spec = decodeSpec(original);
    spec.metadata ??= create(ExecutionMetadataSchema);
    spec.metadata.mode = ExecutionMetadata_ExecutionMode.RECOVERED;
    spec.metadata.referenceExecution = clone(WorkflowExecutionIdentifierSchema, req.id!);
    if (req.metadata?.parentNodeExecution) spec.metadata.parentNodeExecution = req.metadata.parentNodeExecution;
    const inputs = await this.userInputs(original, spec);
    const createReq = {
      project: original.execution_project,
      domain: original.execution_domain,
      name: req.name,
      spec,
      inputs,
    };
    return this.launch(createReq as ExecutionCreateRequest, {
      mode: ExecutionMetadata_ExecutionMode.RECOVERED,
      sourceExecutionId: original.id,
      recoveryExecution: clone(WorkflowExecutionIdentifierSchema, req.id!),
      principal,
    });
  }

  private async original(id: WorkflowExecutionIdentifier | undefined): Promise<ExecutionRow> {
    validateWorkflowExecutionId(id);
    const row = await this.deps.repo.get(id);
    if (!row) throw executionNotFound(id);
    return row;
  }

  /** The inputs the user originally sent (old rows without user_inputs_uri: the spec's inputs). */
  private async userInputs(row: ExecutionRow, spec: ExecutionSpec): Promise<LiteralMap> {
    if (row.user_inputs_uri !== "") return this.deps.data.read(row.user_inputs_uri);
    return spec.inputs ?? create(LiteralMapSchema);
  }

  private async launch(req: ExecutionCreateRequest, ctx: LaunchContext): Promise<ExecutionCreateResponse> {
    const { deps } = this;
    const userInputs =
      req.inputs && Object.keys(req.inputs.literals).length > 0
        ? req.inputs
        : (req.spec?.inputs ?? create(LiteralMapSchema));
    validateExecutionRequestFields(req);
    await deps.gate.validateProjectAndDomain(req.project, req.domain);
    validateExecutionSpec(req, userInputs);
    const requestSpec = req.spec!;
    const launched = requestSpec.launchPlan!;

    let launchPlan: LaunchPlan;
    let taskId: Identifier | undefined;
    if (launched.resourceType === ResourceType.TASK) {
      launchPlan = await deps.singleTask.prepare(launched, requestSpec);
      taskId = launched;
    } else {
      validateIdentifier(launched, ResourceType.LAUNCH_PLAN);
      launchPlan = await deps.entities.getLaunchPlan(launched);
    }
    const lpSpec = launchPlan.spec!;
    const resolvedInputs = resolveExecutionInputs(userInputs, lpSpec.fixedInputs, launchPlan.closure?.expectedInputs);
    const workflowId = lpSpec.workflowId!;
    const closure = await deps.entities.getWorkflowClosure(workflowId);

    const name = req.name !== "" ? req.name : generateExecutionName();
    const executionId = create(WorkflowExecutionIdentifierSchema, { project: req.project, domain: req.domain, name });
    // Deliberate difference: upstream detects a duplicate name only at the final insert, after overwriting the
    // running execution's inputs. We refuse a known duplicate before anything is written; a concurrent create of the
    // same name writes its inputs under its own attempt key, and only the unique insert's winner is launched.
    if (await deps.repo.get(executionId)) throw duplicateExecution(executionId);
    const now = deps.clock.now();
    const namespace = namespaceFor(deps.namespaceTemplate ?? DEFAULT_NAMESPACE_TEMPLATE, req.project, req.domain);

    const spec = clone(ExecutionSpecSchema, requestSpec);
    spec.metadata ??= create(ExecutionMetadataSchema);
    spec.metadata.mode = ctx.mode;
    spec.metadata.principal = ctx.principal ?? "";
    let parentNodeExecutionId: number | null = null;
    let sourceExecutionId: number | null = ctx.sourceExecutionId ?? null;
    const parent = spec.metadata.parentNodeExecution;
    if (parent?.executionId) {
      const node = await deps.nodeExecutions.get({ execution: parent.executionId, nodeId: parent.nodeId });
      if (!node) throw nodeExecutionNotFound({ execution: parent.executionId, nodeId: parent.nodeId });
      const source = await deps.repo.get(parent.executionId);
      if (!source) throw executionNotFound(parent.executionId);
      parentNodeExecutionId = node.id;
      sourceExecutionId = source.id;
      spec.metadata.principal = source.user;
      spec.metadata.nesting = (decodeSpec(source).metadata?.nesting ?? 0) + 1;
      if (!spec.executionClusterLabel) spec.executionClusterLabel = decodeSpec(source).executionClusterLabel;
    }

    await this.applyExecutionConfig(spec, launchPlan, req.project, req.domain);
    await this.applyProjectLabels(spec, req.project);
    await this.checkClusterAssignment(spec, req.project, req.domain);
    await this.checkConcurrency(launchPlan, req.project, req.domain);

    const keys = executionAttemptInputsKeys(executionId, randomString(8, ATTEMPT_ALPHABET));
    const { inputs, inputsUri, userInputsUri } = await deps.data.offloadInputs(keys, resolvedInputs, userInputs);
    spec.metadata.systemMetadata = create(SystemMetadataSchema, { namespace, executionCluster: "" });

    const attributes = await resolveExecutionAttributes(
      deps.config,
      req.project,
      req.domain,
      workflowId.name,
      launchPlan.id?.name ?? "",
    );

    // The row is written before the engine is called, so that the engine's first event always finds it.
    const execClosure = create(ExecutionClosureSchema, {
      phase: WorkflowExecution_Phase.UNDEFINED,
      createdAt: timestampFromDate(now),
      updatedAt: timestampFromDate(now),
      notifications: notificationsFor(requestSpec, launchPlan),
      workflowId,
      stateChangeDetails: {
        state: ExecutionState.EXECUTION_ACTIVE,
        principal: spec.metadata.principal,
        occurredAt: timestampFromDate(now),
      },
    });
    const ids = await deps.repo.entityIds({ launchPlan: launchPlan.id, workflow: workflowId, task: taskId });
    const micros = dateToMicros(now);
    let row: ExecutionRow;
    try {
      row = await deps.repo.create(
        {
          execution_project: req.project,
          execution_domain: req.domain,
          execution_name: name,
          launch_plan_id: ids.launchPlanId ?? null,
          workflow_id: ids.workflowId ?? null,
          task_id: ids.taskId ?? null,
          phase: workflowPhaseName(execClosure.phase),
          closure: toBinary(ExecutionClosureSchema, execClosure),
          spec: toBinary(ExecutionSpecSchema, spec),
          started_at: null,
          execution_updated_at: micros,
          mode: ctx.mode,
          source_execution_id: sourceExecutionId,
          parent_node_execution_id: parentNodeExecutionId,
          cluster: "",
          inputs_uri: inputsUri,
          user_inputs_uri: userInputsUri,
          error_kind: null,
          error_code: null,
          user: spec.metadata.principal,
          state: ExecutionState.EXECUTION_ACTIVE,
          launch_entity: taskId ? "task" : "launch_plan",
        },
        executionTags(spec),
        micros,
      );
    } catch (err) {
      // Lost the race for the name: the objects written above are this attempt's own; nothing points at them.
      await Promise.all([deps.data.remove(keys.inputs), deps.data.remove(keys.userInputs)]);
      if (err instanceof AloftError && err.code === Code.ALREADY_EXISTS) throw duplicateExecution(executionId);
      throw err;
    }

    await this.handOver(row, spec, execClosure, {
      executionId,
      closure: withTaskResourceDefaults(closure, attributes.taskResources),
      inputs,
      inputsUri,
      spec,
      workflowId,
      launchPlanId: launchPlan.id!,
      namespace,
      recoveryExecution: ctx.recoveryExecution,
      createdAt: now,
      eventVersion: deps.eventVersion ?? 2,
      ...attributes,
    });
    return create(ExecutionCreateResponseSchema, { id: executionId });
  }

  /**
   * Calls the WorkflowExecutor for a stored row and records the outcome: the cluster that runs it, or a launch the
   * engine refused as FAILED. `spec` and `closure` are the row's, decoded.
   */
  private async handOver(
    row: ExecutionRow,
    spec: ExecutionSpec,
    closure: ExecutionClosure,
    input: ExecuteInput,
  ): Promise<void> {
    const { deps } = this;
    const name = row.execution_name;
    try {
      const res = await deps.executor().execute(input);
      if (res.cluster !== "") {
        spec.metadata ??= create(ExecutionMetadataSchema);
        spec.metadata.systemMetadata ??= create(SystemMetadataSchema);
        spec.metadata.systemMetadata.executionCluster = res.cluster;
        await deps.repo.update(
          row.id,
          { cluster: res.cluster, spec: toBinary(ExecutionSpecSchema, spec) },
          nextWriteMicros(dateToMicros(deps.clock.now()), row),
        );
      }
    } catch (err) {
      const e =
        err instanceof AloftError
          ? err
          : new AloftError(Code.UNKNOWN, "execution.launch_failed", err instanceof Error ? err.message : String(err));
      deps.logger.warn({ err, execution: name }, "execution launch failed; recording it as FAILED");
      await this.recordLaunchFailure(row, closure, e);
    }
  }

  /**
   * Hands an execution that was stored but never handed to the engine (the process died between the insert and the
   * executor call) to the engine now, rebuilding the launch from the row: its spec, its stored inputs, the launch
   * plan and workflow it names. Safe to repeat: the executor treats "already launched" as success. When the launch
   * cannot be rebuilt (inputs lost, entities gone) the execution is recorded FAILED saying why.
   */
  async resumeUnlaunched(row: ExecutionRow): Promise<void> {
    const { deps } = this;
    const spec = decodeSpec(row);
    const closure = fromBinary(ExecutionClosureSchema, row.closure);
    let input: ExecuteInput;
    try {
      input = await this.rebuildLaunch(row, spec, closure);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      deps.logger.warn(
        { err, execution: row.execution_name },
        "an interrupted launch cannot be resumed; recording it as FAILED",
      );
      await this.recordLaunchFailure(
        row,
        closure,
        new AloftError(
          Code.INTERNAL,
          "execution.launch_interrupted",
          `the execution was stored but never started (the server stopped while launching it) and cannot be started now: ${reason}`,
        ),
      );
      return;
    }
    deps.logger.info({ execution: row.execution_name }, "resuming an execution whose launch was interrupted");
    await this.handOver(row, spec, closure, input);
  }

  private async rebuildLaunch(
    row: ExecutionRow,
    spec: ExecutionSpec,
    closure: ExecutionClosure,
  ): Promise<ExecuteInput> {
    const { deps } = this;
    const executionId = create(WorkflowExecutionIdentifierSchema, {
      project: row.execution_project,
      domain: row.execution_domain,
      name: row.execution_name,
    });
    const launched = spec.launchPlan;
    if (!launched) throw new Error("the stored spec names no launch plan");
    const launchPlan =
      launched.resourceType === ResourceType.TASK
        ? await deps.singleTask.prepare(launched, spec)
        : await deps.entities.getLaunchPlan(launched);
    const workflowId = launchPlan.spec?.workflowId ?? closure.workflowId;
    if (!workflowId) throw new Error("the launch plan names no workflow");
    const compiled = await deps.entities.getWorkflowClosure(workflowId);
    if (row.inputs_uri === "") throw new Error("no inputs were stored");
    const inputs = await deps.data.readRequired(row.inputs_uri);
    const attributes = await resolveExecutionAttributes(
      deps.config,
      row.execution_project,
      row.execution_domain,
      workflowId.name,
      launchPlan.id?.name ?? "",
    );
    const recovery =
      spec.metadata?.mode === ExecutionMetadata_ExecutionMode.RECOVERED ? spec.metadata.referenceExecution : undefined;
    return {
      executionId,
      closure: withTaskResourceDefaults(compiled, attributes.taskResources),
      inputs,
      inputsUri: row.inputs_uri,
      spec,
      workflowId,
      launchPlanId: launchPlan.id!,
      namespace: spec.metadata?.systemMetadata?.namespace ?? "",
      recoveryExecution: recovery,
      createdAt: closure.createdAt ? timestampDate(closure.createdAt) : new Date(row.execution_created_at / 1000),
      eventVersion: deps.eventVersion ?? 2,
      ...attributes,
    };
  }

  /** Upstream records a launch that the engine refused as FAILED with the error's code (USER kind for IA). */
  private async recordLaunchFailure(row: ExecutionRow, closure: ExecutionClosure, e: AloftError): Promise<void> {
    const kind = e.code === Code.INVALID_ARGUMENT ? ExecutionError_ErrorKind.USER : ExecutionError_ErrorKind.SYSTEM;
    closure.phase = WorkflowExecution_Phase.FAILED;
    closure.outputResult = {
      case: "error",
      value: create(ExecutionErrorSchema, { code: grpcCodeName(e.code), message: e.message, kind }),
    };
    await this.deps.repo.update(
      row.id,
      {
        phase: workflowPhaseName(WorkflowExecution_Phase.FAILED),
        closure: toBinary(ExecutionClosureSchema, closure),
        error_kind: ExecutionError_ErrorKind[kind],
        error_code: grpcCodeName(e.code),
      },
      nextWriteMicros(dateToMicros(this.deps.clock.now()), row),
      { phase: row.phase, updatedAt: row.updated_at },
    );
  }

  /** upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go WORKFLOW_EXECUTION_CONFIG: request → launch plan → matchable → server defaults, field by field. */
  private async applyExecutionConfig(
    spec: ExecutionSpec,
    lp: LaunchPlan,
    project: string,
    domain: string,
  ): Promise<void> {
    const resolved = await resolveExecutionConfig(this.deps.config, spec, lp, project, domain);
    spec.maxParallelism = resolved.maxParallelism;
    spec.securityContext = resolved.securityContext;
    if (resolved.rawOutputDataConfig) spec.rawOutputDataConfig = resolved.rawOutputDataConfig;
    if (resolved.labels) spec.labels = resolved.labels;
    if (resolved.annotations) spec.annotations = resolved.annotations;
    if (resolved.interruptible !== undefined) spec.interruptible = resolved.interruptible;
    spec.overwriteCache = resolved.overwriteCache;
    if (resolved.envs) spec.envs = resolved.envs;
  }

  /** Project labels for keys the execution does not set; then the configured entry limits. */
  private async applyProjectLabels(spec: ExecutionSpec, project: string): Promise<void> {
    const extra = this.deps.projectLabels ? await this.deps.projectLabels(project) : {};
    const merged = { ...extra, ...(spec.labels?.values ?? {}) };
    if (Object.keys(merged).length > 0) spec.labels = create(LabelsSchema, { values: merged });
    const maxLabels = this.deps.maxLabelEntries ?? 0;
    const n = Object.keys(spec.labels?.values ?? {}).length;
    if (maxLabels > 0 && n > maxLabels)
      throw invalidArgument(
        "execution.too_many_labels",
        `the execution has more than ${maxLabels} label entries (${n})`,
      );
    const maxAnnotations = this.deps.maxAnnotationEntries ?? 0;
    const a = Object.keys(spec.annotations?.values ?? {}).length;
    if (maxAnnotations > 0 && a > maxAnnotations) {
      throw invalidArgument(
        "execution.too_many_annotations",
        `the execution has more than ${maxAnnotations} annotation entries (${a})`,
      );
    }
  }

  /** CLUSTER_ASSIGNMENT: a requested pool must match the configured one when both are set. */
  private async checkClusterAssignment(spec: ExecutionSpec, project: string, domain: string): Promise<void> {
    const cfg = await this.deps.config.getMatchable(MatchableResource.CLUSTER_ASSIGNMENT, { project, domain });
    const configured =
      cfg?.attributes?.target.case === "clusterAssignment" ? cfg.attributes.target.value.clusterPoolName : "";
    const requested = spec.clusterAssignment?.clusterPoolName ?? "";
    if (requested !== "" && configured !== "" && requested !== configured) {
      throw invalidArgument(
        "execution.cluster_pool",
        `execution with project "${project}" and domain "${domain}" cannot run on cluster pool "${requested}", because its configured to run on pool "${configured}"`,
      );
    }
    if (configured !== "" && requested === "")
      spec.clusterAssignment = create(ClusterAssignmentSchema, { clusterPoolName: configured });
  }

  /** ConcurrencyPolicy: SKIP when QUEUED/RUNNING executions of the launch plan name reach `max`. */
  private async checkConcurrency(lp: LaunchPlan, project: string, domain: string): Promise<void> {
    const policy = lp.spec?.concurrencyPolicy;
    if (!policy) return;
    const name = lp.id?.name ?? "";
    const n = await this.deps.repo.countActiveForLaunchPlan(project, domain, name);
    if (n < policy.max) return;
    if (policy.behavior === ConcurrencyLimitBehavior.SKIP) {
      throw alreadyExists(
        "execution.concurrency_limit",
        `concurrency limit (${policy.max}) reached for launch plan ${name}; skipping execution`,
      );
    }
    throw internal(
      "execution.concurrency_behavior",
      `unsupported concurrency limit behavior ${ConcurrencyLimitBehavior[policy.behavior] ?? policy.behavior}`,
    );
  }
}

const ATTEMPT_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

function notificationsFor(spec: ExecutionSpec, lp: LaunchPlan) {
  const o = spec.notificationOverrides;
  if (o.case === "notifications" && o.value.notifications.length > 0) return o.value.notifications;
  if (o.case === "disableAll" && o.value) return [];
  return lp.spec?.entityMetadata?.notifications ?? [];
}

/** Labels as (key, value) and tags as (key, ""). */
function executionTags(spec: ExecutionSpec): ExecutionTag[] {
  const out: ExecutionTag[] = Object.entries(spec.labels?.values ?? {}).map(([key, value]) => ({ key, value }));
  for (const t of spec.tags) out.push({ key: t, value: "" });
  return out;
}

function duplicateExecution(id: WorkflowExecutionIdentifier): AloftError {
  return alreadyExists(
    "execution.exists",
    `value with matching already exists (duplicate key value violates unique constraint "executions_key" (execution_project, execution_domain, execution_name)=(${id.project}, ${id.domain}, ${id.name}))`,
  );
}

/** Go's codes.Code.String(): "InvalidArgument", "Unimplemented", ... */
function grpcCodeName(code: Code): string {
  const name = Code[code];
  if (!name) return "Unknown";
  return name
    .toLowerCase()
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("")
    .replace(/^Ok$/, "OK");
}
