// Tasks (upstream flyteadmin/pkg/manager/impl/task_manager.go): register (validate, compile, store), get one version, list versions, list distinct names.
import { clone, create, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Clock } from "@aloft/core";
import type { VersionedId } from "@aloft/core";
import { AloftError, Code, alreadyExists, invalidArgument, invalidValue, missing } from "@aloft/core";
import { messageDiff, messageDigest } from "@aloft/core";
import { compileErrorsToAloftError, tryCompileTask } from "@aloft/core";
import type {
  NamedEntityIdentifierList,
  NamedEntityIdentifierListRequest,
  ObjectGetRequest,
  ResourceListRequest,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  TaskClosureSchema,
  TaskCreateResponseSchema,
  TaskListSchema,
  type Task,
  type TaskCreateRequest,
  type TaskCreateResponse,
  type TaskList,
} from "@aloft/idl/flyteidl/admin/task_pb.js";
import { CompiledTaskSchema, type CompiledTask } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { IdentifierSchema, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { nextToken, parseListParams } from "../list/index.ts";
import type { TaskRepo } from "../repositories/task-repo.ts";
import type { TaskResourceSet } from "../validation/resources.ts";
import { validateTaskIdentifier, validateTaskSpec, type TaskTypeScope } from "../validation/task-validator.ts";
import { compiledTaskOf, taskVersionKey, toTask } from "../transformers/task-transformer.ts";
import { newDescriptionEntityRow } from "../transformers/description-entity-transformer.ts";
import type { ProjectGate } from "./project-gate.ts";
import { identifierFilters, listEntityIds } from "./list-ids.ts";
import { versionNotFound } from "./not-found.ts";

/**
 * The platform's maximum task resources for a project/domain. The default reads `task_resources.limits`;
 * matchable TASK_RESOURCE attributes can be plugged in behind the same port.
 */
export interface TaskResourceLimits {
  get(project: string, domain: string): Promise<TaskResourceSet>;
}

export interface TaskManagerDeps {
  repo: TaskRepo;
  gate: ProjectGate;
  resourceLimits: TaskResourceLimits;
  taskTypeWhitelist: readonly TaskTypeScope[];
  clock: Clock;
}

export class TaskManager {
  constructor(private readonly deps: TaskManagerDeps) {}

  async create(req: TaskCreateRequest): Promise<TaskCreateResponse> {
    validateTaskIdentifier(req);
    const id = req.id;
    await this.deps.gate.validateProjectAndDomain(id.project, id.domain);
    const limits = await this.deps.resourceLimits.get(id.project, id.domain);
    const template = clone(TaskTemplateSchema, validateTaskSpec(req, this.deps.taskTypeWhitelist, limits));
    template.id = clone(IdentifierSchema, id);
    const compiled = tryCompileTask(template);
    if (!compiled.ok) throw compileErrorsToAloftError(compiled.errors, "task failed compilation with ");
    const compiledTask = compiled.value;
    const closure = create(TaskClosureSchema, { compiledTask, createdAt: timestampFromDate(this.deps.clock.now()) });
    const digest = messageDigest(CompiledTaskSchema, compiledTask);
    const description = newDescriptionEntityRow(req.spec?.description, id);
    try {
      await this.deps.repo.create(
        {
          ...taskVersionKey(id),
          closure: toBinary(TaskClosureSchema, closure),
          digest,
          type: template.type,
          shortDescription: description?.shortDescription ?? "",
        },
        description,
      );
    } catch (err) {
      if (!(err instanceof AloftError) || err.code !== Code.ALREADY_EXISTS) throw err;
      throw await this.existsError(id, digest, compiledTask);
    }
    return create(TaskCreateResponseSchema);
  }

  /** The error for a version that is already registered: identical (AE) or different (IA with the diff). */
  private async existsError(id: Identifier, digest: string, compiledTask: CompiledTask): Promise<AloftError> {
    const existing = await this.deps.repo.get(taskVersionKey(id));
    if (!existing) throw versionNotFound("TASK", id);
    if (existing.digest === digest) {
      return alreadyExists("task.exists_identical", "task with identical structure already exists");
    }
    const before = compiledTaskOf(existing) ?? create(CompiledTaskSchema);
    const diff = messageDiff(CompiledTaskSchema, before, compiledTask);
    return invalidArgument(
      "task.exists_different",
      `${id.name} task with different structure already exists. (Please register a new version of the task):\n${diff.join("\n")}`,
    );
  }

  /** GetTask. Upstream only logs identifier problems; the lookup then answers NOT_FOUND. */
  async get(req: ObjectGetRequest): Promise<Task> {
    const key = taskVersionKey(req.id);
    const row = await this.deps.repo.get(key);
    if (!row) throw versionNotFound("TASK", key);
    return toTask(row);
  }

  /** The compiled task of an exact version (workflow registration resolves task references with it). */
  getCompiledTask = (key: VersionedId): Promise<CompiledTask | undefined> => this.deps.repo.getCompiledTask(key);

  async list(req: ResourceListRequest): Promise<TaskList> {
    if (!req.id) throw missing("id");
    if (req.id.project === "") throw missing("project");
    if (req.id.domain === "") throw missing("domain");
    if (req.limit === 0) throw invalidValue("limit");
    const params = parseListParams({
      entity: "task",
      filters: req.filters,
      sortBy: req.sortBy,
      limit: req.limit,
      token: req.token,
      rpc: "ListTasks",
      limitRequired: true,
    });
    const scope = identifierFilters("task", req.id.project, req.id.domain, req.id.name);
    const rows = await this.deps.repo.list({ ...params, filters: [...scope, ...params.filters] });
    return create(TaskListSchema, {
      tasks: rows.map(toTask),
      token: nextToken(params.offset, params.limit, rows.length),
    });
  }

  /** ListTaskIds: distinct names of a project/domain (upstream ignores the request's filters here). */
  async listIds(req: NamedEntityIdentifierListRequest): Promise<NamedEntityIdentifierList> {
    return listEntityIds("task", "ListUniqueTaskIdentifiers", req, (q) => this.deps.repo.listNames(q));
  }
}
