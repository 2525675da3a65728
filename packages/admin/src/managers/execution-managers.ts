// Builds the execution-side managers (executions, workflow / node / task events, node and task executions) from the
// registry managers and the plugin registry, so that the composition root wires them in one call.
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  LabelsSchema,
  ObjectGetRequestSchema,
  NamedEntityUpdateRequestSchema,
  NamedEntityState,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import { TaskResourceAttributesSchema } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import type { BlobStore } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { Kysely } from "kysely";
import type { WorkflowExecutor } from "../plugins.ts";
import { ExecutionRepo } from "../repositories/execution-repo.ts";
import { NodeExecutionRepo } from "../repositories/node-execution-repo.ts";
import { ProjectRepo } from "../repositories/project-repo.ts";
import type { Schema } from "../repositories/schema.ts";
import { TaskExecutionRepo } from "../repositories/task-execution-repo.ts";
import type { LiteralOffloadingConfig } from "@aloft/core";
import { ExecutionData, defaultRemoteDataOptions, type RemoteDataOptions } from "./execution-data-manager.ts";
import { ExecutionEventManager } from "./execution-event-manager.ts";
import { EventCache } from "./event-cache.ts";
import { GroupCommit } from "../repositories/group-commit.ts";
import { ExecutionManager } from "./execution-manager.ts";
import { ExecutionMetricsManager } from "./execution-metrics-manager.ts";
import { ExecutionQueryManager } from "./execution-query-manager.ts";
import type { LaunchPlanManager } from "./launch-plan-manager.ts";
import type { NamedEntityManager } from "./named-entity-manager.ts";
import { NodeEventManager } from "./node-event-manager.ts";
import { NodeExecutionManager } from "./node-execution-manager.ts";
import type { ProjectGate } from "./project-gate.ts";
import { workflowExecutionConfigOf, type ResourceManager, type WorkflowExecutionDefaults } from "./resource-manager.ts";
import { SingleTaskExecutions } from "./single-task-execution-manager.ts";
import { TaskEventManager } from "./task-event-manager.ts";
import { TaskExecutionManager } from "./task-execution-manager.ts";
import type { TaskManager } from "./task-manager.ts";
import type { WorkflowManager } from "./workflow-manager.ts";

/** Kubernetes quantity strings ("" = unset), as config.taskResources holds them. */
export interface TaskResourceQuantities {
  cpu: string;
  memory: string;
  gpu: string;
  ephemeralStorage: string;
}

export interface ExecutionManagers {
  executions: ExecutionManager;
  executionQueries: ExecutionQueryManager;
  executionEvents: ExecutionEventManager;
  nodeEvents: NodeEventManager;
  nodeExecutions: NodeExecutionManager;
  taskEvents: TaskEventManager;
  taskExecutions: TaskExecutionManager;
  executionMetrics: ExecutionMetricsManager;
  /** The event managers' group commit (a CreateEvents request's events counted in progress together). */
  writes: GroupCommit;
}

export interface ExecutionManagersDeps {
  db: Kysely<Schema>;
  blobStore: BlobStore;
  clock: Clock;
  logger: Logger;
  gate: ProjectGate;
  resources: ResourceManager;
  workflowExecutionDefaults: WorkflowExecutionDefaults;
  tasks: TaskManager;
  workflows: WorkflowManager;
  launchPlans: LaunchPlanManager;
  namedEntities: NamedEntityManager;
  /** Where launches and aborts go (the plugin registry's, as configured before the managers are built). */
  workflowExecutor: WorkflowExecutor;
  metadataStoragePrefix?: readonly string[];
  remoteData?: RemoteDataOptions;
  /** config.literalOffloading: large execution inputs are stored once and passed by reference (upstream flytepropeller/pkg/controller/nodes/common/utils.go). */
  literalOffloading?: LiteralOffloadingConfig;
  /** config.taskResources: the task resource defaults and limits when no TASK_RESOURCE attributes match. */
  taskResources?: { defaults: TaskResourceQuantities; limits: TaskResourceQuantities };
  /** Entries remembered per kind by the event managers (0 disables the one-round-trip path); default 20000. */
  eventCacheSize?: number;
  /** `registration.maxLabelEntries` / `maxAnnotationEntries` (0 = unlimited). */
  registration?: { maxLabelEntries: number; maxAnnotationEntries: number };
  /** `namespace_mapping.template` (config `kubernetes.namespaceTemplate`): `system_metadata.namespace`. */
  namespaceTemplate?: string;
}

export function createExecutionManagers(d: ExecutionManagersDeps): ExecutionManagers {
  const repo = new ExecutionRepo(d.db);
  const projects = new ProjectRepo(d.db, d.clock);
  const nodeRepo = new NodeExecutionRepo(d.db);
  const taskRepo = new TaskExecutionRepo(d.db);
  const data = new ExecutionData(
    d.blobStore,
    d.remoteData ?? defaultRemoteDataOptions(),
    d.logger,
    d.literalOffloading,
  );
  const executor = () => d.workflowExecutor;
  const cache = d.eventCacheSize === 0 ? undefined : new EventCache(d.eventCacheSize);
  const writes = new GroupCommit(d.db);
  const getLaunchPlan = (id: Parameters<LaunchPlanManager["get"]>[0]["id"]) =>
    d.launchPlans.get(create(ObjectGetRequestSchema, { id }));
  const singleTask = new SingleTaskExecutions({
    getTask: (id) => d.tasks.get(create(ObjectGetRequestSchema, { id })),
    createWorkflow: (req) => d.workflows.create(req),
    createLaunchPlan: (req) => d.launchPlans.create(req),
    getLaunchPlan,
    setSystemGenerated: async (resourceType, id) => {
      await d.namedEntities.update(
        create(NamedEntityUpdateRequestSchema, {
          resourceType,
          id,
          metadata: { state: NamedEntityState.SYSTEM_GENERATED },
        }),
      );
    },
  });
  const namespaceTemplate = d.namespaceTemplate ? { namespaceTemplate: d.namespaceTemplate } : {};
  const executionQueries = new ExecutionQueryManager({ repo, data, executor, clock: d.clock, ...namespaceTemplate });
  const nodeExecutions = new NodeExecutionManager({ repo: nodeRepo, taskExecutions: taskRepo, data });
  const taskExecutions = new TaskExecutionManager({ repo: taskRepo, data });
  return {
    executions: new ExecutionManager({
      repo,
      nodeExecutions: nodeRepo,
      gate: d.gate,
      entities: {
        getLaunchPlan,
        getWorkflowClosure: async (id) => {
          const { closure } = await d.workflows.getClosure(id);
          if (!closure.compiledWorkflow) throw new Error(`workflow ${id.name} has no compiled closure`);
          return closure.compiledWorkflow;
        },
      },
      singleTask,
      config: {
        getMatchable: (t, s) => d.resources.getMatchable(t, s),
        defaults: workflowExecutionConfigOf(d.workflowExecutionDefaults),
        ...(d.taskResources
          ? {
              taskResources: create(TaskResourceAttributesSchema, {
                defaults: d.taskResources.defaults,
                limits: d.taskResources.limits,
              }),
            }
          : {}),
      },
      data,
      executor,
      clock: d.clock,
      logger: d.logger,
      ...namespaceTemplate,
      projectLabels: async (project) => {
        const row = await projects.get(project);
        return row?.labels && row.labels.length > 0 ? fromBinary(LabelsSchema, row.labels).values : {};
      },
      maxLabelEntries: d.registration?.maxLabelEntries ?? 0,
      maxAnnotationEntries: d.registration?.maxAnnotationEntries ?? 0,
    }),
    executionQueries,
    executionEvents: new ExecutionEventManager({ repo, data, clock: d.clock, writes }),
    nodeEvents: new NodeEventManager({
      repo: nodeRepo,
      executions: repo,
      taskExecutions: taskRepo,
      data,
      clock: d.clock,
      logger: d.logger,
      ...(d.metadataStoragePrefix ? { metadataStoragePrefix: d.metadataStoragePrefix } : {}),
      ...(cache ? { cache } : {}),
      writes,
    }),
    nodeExecutions,
    taskEvents: new TaskEventManager({ repo: taskRepo, data, clock: d.clock, ...(cache ? { cache } : {}), writes }),
    taskExecutions,
    writes,
    executionMetrics: new ExecutionMetricsManager({
      executions: executionQueries,
      nodeExecutions,
      taskExecutions,
      // The shared (cached) workflow: the span tree only reads it.
      compiledWorkflow: async (id) => {
        const compiled = (await d.workflows.get(create(ObjectGetRequestSchema, { id }))).closure?.compiledWorkflow;
        if (!compiled) throw new Error(`workflow ${id.name} has no compiled closure`);
        return compiled;
      },
      logger: d.logger,
    }),
  };
}
