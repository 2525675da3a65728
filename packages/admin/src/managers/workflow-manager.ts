// Workflows (upstream flyteadmin/pkg/manager/impl/workflow_manager.go): register (compile against the referenced tasks and launch plans, store the closure in
// the blob store and the row in the database), get (the closure decoded once, then answers shared from a bounded cache: a registered workflow never changes), list, list ids.
import { clone, create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  CreateWorkflowFailureReasonSchema,
  WorkflowClosureSchema,
  WorkflowCreateResponseSchema,
  WorkflowListSchema,
  WorkflowSchema,
  type Workflow,
  type WorkflowClosure,
  type WorkflowCreateRequest,
  type WorkflowCreateResponse,
  type WorkflowList,
} from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import type {
  NamedEntityIdentifierList,
  NamedEntityIdentifierListRequest,
  ObjectGetRequest,
  ResourceListRequest,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  CompiledWorkflowClosureSchema,
  type CompiledTask,
  type CompiledWorkflowClosure,
} from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { IdentifierSchema, ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { WorkflowTemplateSchema } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { BlobStore } from "@aloft/core";
import { getMessage, putMessage } from "@aloft/core";
import { workflowClosureKey } from "@aloft/core";
import type { Clock } from "@aloft/core";
import {
  CompilationError,
  compileErrorsToAloftError,
  getRequirements,
  tryCompileWorkflow,
  type LaunchPlanInterface,
} from "@aloft/core";
import { AloftError, Code, alreadyExists, internal, invalidArgument } from "@aloft/core";
import { messageDiff, messageDigest } from "@aloft/core";
import { nextToken, parseListParams } from "../list/index.ts";
import { newDescriptionEntityRow } from "../transformers/description-entity-transformer.ts";
import { newWorkflowRow, toWorkflowSummary, workflowIdentifier } from "../transformers/workflow-transformer.ts";
import { identifierFilters, listEntityIds } from "./list-ids.ts";
import { insertDescriptionEntity } from "../repositories/description-entity-repo.ts";
import { dateToMicros } from "../repositories/timestamps.ts";
import type { WorkflowRepo, WorkflowRow } from "../repositories/workflow-repo.ts";
import { identifierText, validateIdentifier, validateProjectDomain } from "../validation/identifier.ts";
import { validateNodeIds } from "../validation/node-ids.ts";
import {
  validateCompiledWorkflow,
  validateWorkflowId,
  validateWorkflowSpec,
  type WorkflowRegistrationLimits,
} from "../validation/workflow-validator.ts";
import type { ProjectGate } from "./project-gate.ts";
import { versionNotFound } from "./not-found.ts";
import { BoundedCache, markImmutable } from "./immutable-messages.ts";

/** The compiled form of a registered task by exact id (implemented by the task repository). */
export interface TaskLookup {
  getCompiledTask(id: Identifier): Promise<CompiledTask | undefined>;
}

/** The interface of a registered launch plan by exact id (implemented by the launch plan manager). */
export interface LaunchPlanInterfaceLookup {
  getLaunchPlanInterface(id: Identifier): Promise<LaunchPlanInterface | undefined>;
}

export interface WorkflowManagerDeps {
  repo: WorkflowRepo;
  gate: ProjectGate;
  tasks: TaskLookup;
  launchPlans: LaunchPlanInterfaceLookup;
  blobStore: BlobStore;
  clock: Clock;
  limits: WorkflowRegistrationLimits;
  /** `flyteadmin.metadataStoragePrefix`. */
  metadataStoragePrefix: readonly string[];
  /**
   * Bound of the cache of GetWorkflow answers, in bytes of stored closure (default WORKFLOW_CACHE_BYTES; 0: none).
   * A decoded closure takes several times its stored size in memory.
   */
  cacheBytes?: number;
}

/** 16 MiB of stored closures: about thirty 5,000-node workflows. */
export const WORKFLOW_CACHE_BYTES = 16 * 1024 * 1024;

/** Get RPCs: the HTTP route implies the resource type, so an unspecified one is filled in (upstream adminservice). */
export function withResourceType(id: Identifier | undefined, type: ResourceType): Identifier | undefined {
  if (!id || id.resourceType !== ResourceType.UNSPECIFIED) return id;
  const out = clone(IdentifierSchema, id);
  out.resourceType = type;
  return out;
}

export class WorkflowManager {
  /** GetWorkflow answers by id: a registered workflow never changes, so they are shared (markImmutable). */
  private readonly cache: BoundedCache<Workflow>;

  constructor(private readonly deps: WorkflowManagerDeps) {
    this.cache = new BoundedCache(deps.cacheBytes ?? WORKFLOW_CACHE_BYTES);
  }

  async create(req: WorkflowCreateRequest): Promise<WorkflowCreateResponse> {
    validateWorkflowId(req);
    const id = req.id;
    await this.deps.gate.validateProjectAndDomain(id.project, id.domain);
    validateWorkflowSpec(req);
    validateNodeIds([req.spec.template, ...req.spec.subWorkflows]);
    const template = clone(WorkflowTemplateSchema, req.spec.template);
    template.id = clone(IdentifierSchema, id);

    const compiled = await this.compile(id, template, req.spec.subWorkflows);
    const closure = create(WorkflowClosureSchema, {
      compiledWorkflow: compiled,
      createdAt: timestampFromDate(this.deps.clock.now()),
    });
    validateCompiledWorkflow(id, closure, this.deps.limits);
    const digest = messageDigest(CompiledWorkflowClosureSchema, compiled);

    const existing = await this.deps.repo.get(id);
    if (existing) throw await this.conflict(id, existing, digest, compiled);

    // The row and the closure blob are written in one transaction, the blob after the row: a concurrent
    // registration of the same id fails on the row (unique key) before it can overwrite the blob.
    const key = workflowClosureKey(id, this.deps.metadataStoragePrefix);
    const description = newDescriptionEntityRow(req.spec.description, id, ResourceType.WORKFLOW);
    try {
      await this.deps.repo.create(
        newWorkflowRow(
          id,
          template.interface,
          this.deps.blobStore.uri(key),
          digest,
          description?.shortDescription ?? "",
        ),
        async (tx) => {
          if (description) await insertDescriptionEntity(tx, description, dateToMicros(this.deps.clock.now()));
          await putMessage(this.deps.blobStore, key, WorkflowClosureSchema, closure);
        },
      );
    } catch (err) {
      // Lost a race with a concurrent registration of the same id: report it as the sequential case would.
      const winner =
        err instanceof AloftError && err.code === Code.ALREADY_EXISTS ? await this.deps.repo.get(id) : undefined;
      if (winner) throw await this.conflict(id, winner, digest, compiled);
      throw err;
    }
    return create(WorkflowCreateResponseSchema);
  }

  /** The workflow, shared with other callers: it must not be changed (clone it to change it). */
  async get(req: ObjectGetRequest): Promise<Workflow> {
    const id = withResourceType(req.id, ResourceType.WORKFLOW);
    validateIdentifier(id, ResourceType.WORKFLOW);
    const key = `${id.org}/${id.project}/${id.domain}/${id.name}/${id.version}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const row = await this.deps.repo.get(id);
    if (!row) throw versionNotFound("WORKFLOW", id);
    const store = this.deps.blobStore;
    const bytes = await store.get(store.keyOf(row.remoteClosureIdentifier));
    const closure = decodeClosure(bytes, store.uri(store.keyOf(row.remoteClosureIdentifier)));
    const workflow = markImmutable(
      create(WorkflowSchema, {
        id: workflowIdentifier(row),
        closure: { compiledWorkflow: closure.compiledWorkflow, createdAt: timestampFromDate(row.createdAt) },
        shortDescription: row.shortDescription,
      }),
    );
    this.cache.set(key, workflow, bytes.byteLength);
    return workflow;
  }

  /** The stored closure of a registered workflow (for executions); NOT_FOUND when not registered. */
  async getClosure(id: Identifier): Promise<{ row: WorkflowRow; closure: WorkflowClosure }> {
    const row = await this.deps.repo.get(id);
    if (!row) throw versionNotFound("WORKFLOW", id);
    return { row, closure: await this.readClosure(row) };
  }

  /** Workflows without their compiled nodes: only the interface and created_at (upstream FromWorkflowModels). */
  async list(req: ResourceListRequest): Promise<WorkflowList> {
    if (!req.id) throw invalidArgument("validation.missing", "missing id");
    validateProjectDomain(req.id.project, req.id.domain);
    const params = parseListParams({
      entity: "workflow",
      filters: req.filters,
      sortBy: req.sortBy,
      limit: req.limit,
      token: req.token,
      rpc: "ListWorkflows",
      limitRequired: true,
    });
    const filters = [...identifierFilters("workflow", req.id.project, req.id.domain, req.id.name), ...params.filters];
    const rows = await this.deps.repo.list({ ...params, filters });
    return create(WorkflowListSchema, {
      workflows: rows.map(toWorkflowSummary),
      token: nextToken(params.offset, params.limit, rows.length),
    });
  }

  async listIds(req: NamedEntityIdentifierListRequest): Promise<NamedEntityIdentifierList> {
    return listEntityIds("workflow", "ListWorkflowIdentifiers", req, (q) => this.deps.repo.listIds(q));
  }

  /** Requirements, referenced tasks and launch plans, compilation: every failure is IA with upstream's prefix. */
  private async compile(
    id: Identifier,
    template: WorkflowCreateRequestTemplate,
    subWorkflows: WorkflowCreateRequestTemplate[],
  ): Promise<CompiledWorkflowClosure> {
    const prefix = `failed to compile workflow for [${identifierText(id)}] with err: `;
    try {
      const reqs = getRequirements(template, subWorkflows);
      const tasks: CompiledTask[] = [];
      for (const taskId of reqs.taskIds) {
        const task = await this.deps.tasks.getCompiledTask(taskId);
        if (!task) throw versionNotFound("TASK", taskId);
        tasks.push(task);
      }
      const launchPlans: LaunchPlanInterface[] = [];
      for (const lpId of reqs.launchPlanIds) {
        const lp = await this.deps.launchPlans.getLaunchPlanInterface(lpId);
        if (!lp) throw versionNotFound("LAUNCH_PLAN", lpId);
        launchPlans.push(lp);
      }
      const result = tryCompileWorkflow(template, subWorkflows, tasks, launchPlans);
      if (!result.ok) throw compileErrorsToAloftError(result.errors, prefix);
      return result.value;
    } catch (err) {
      if (err instanceof CompilationError) throw compileErrorsToAloftError(err.errors, prefix);
      if (err instanceof AloftError && err.code === Code.INVALID_ARGUMENT && err.message.startsWith(prefix)) throw err;
      if (err instanceof AloftError && (err.code === Code.NOT_FOUND || err.code === Code.INVALID_ARGUMENT)) {
        throw invalidArgument("workflow.compilation_failed", `${prefix}${err.message}`);
      }
      throw err;
    }
  }

  private async conflict(
    id: Identifier,
    existing: WorkflowRow,
    digest: string,
    compiled: CompiledWorkflowClosure,
  ): Promise<AloftError> {
    if (existing.digest === digest) {
      return alreadyExists("workflow.exists_identical", "workflow with identical structure already exists", [
        {
          schema: CreateWorkflowFailureReasonSchema,
          value: create(CreateWorkflowFailureReasonSchema, {
            reason: { case: "existsIdenticalStructure", value: { id } },
          }),
        },
      ]);
    }
    let diff = "";
    try {
      const old = (await this.readClosure(existing)).compiledWorkflow ?? create(CompiledWorkflowClosureSchema);
      diff = messageDiff(CompiledWorkflowClosureSchema, old, compiled).join("\n");
    } catch {
      // The diff is a courtesy: the conflict is reported even when the stored closure cannot be read.
    }
    return invalidArgument(
      "workflow.exists_different",
      `${id.name} workflow with different structure already exists. (Please register a new version of the workflow):\n${diff}`,
      [
        {
          schema: CreateWorkflowFailureReasonSchema,
          value: create(CreateWorkflowFailureReasonSchema, {
            reason: { case: "existsDifferentStructure", value: { id } },
          }),
        },
      ],
    );
  }

  private async readClosure(row: WorkflowRow): Promise<WorkflowClosure> {
    const store = this.deps.blobStore;
    return getMessage(store, store.keyOf(row.remoteClosureIdentifier), WorkflowClosureSchema);
  }
}

/** The stored closure, decoded as getMessage does (a corrupt blob is INTERNAL). */
function decodeClosure(bytes: Uint8Array, uri: string): WorkflowClosure {
  try {
    return fromBinary(WorkflowClosureSchema, bytes);
  } catch (e) {
    throw internal(
      "blob.corrupt_message",
      `blob ${uri} is not a valid ${WorkflowClosureSchema.typeName}: ${(e as Error).message}`,
      e,
    );
  }
}

type WorkflowCreateRequestTemplate = NonNullable<NonNullable<WorkflowCreateRequest["spec"]>["template"]>;
