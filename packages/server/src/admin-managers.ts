// Builds every admin repository and manager once, over one database and one blob store.
import type { Kysely } from "kysely";
import type { AloftConfig } from "@aloft/core/config.ts";
import type { BlobStore } from "@aloft/core/blob/blob-store.ts";
import type { Clock } from "@aloft/core/clock.ts";
import type { Logger } from "@aloft/core/logger.ts";
import type { AdminManagers } from "@aloft/admin/api/admin-service.ts";
import type { BuildInfo } from "@aloft/admin/managers/version-manager.ts";
import type { PluginRegistry } from "@aloft/admin/plugins.ts";
import type { Schema } from "@aloft/admin/repositories/schema.ts";
import { ProjectManager } from "@aloft/admin/managers/project-manager.ts";
import { ProjectGate } from "@aloft/admin/managers/project-gate.ts";
import { defaultWorkflowExecutionDefaults, ResourceManager } from "@aloft/admin/managers/resource-manager.ts";
import { TaskManager } from "@aloft/admin/managers/task-manager.ts";
import { MatchableTaskResourceLimits } from "@aloft/admin/managers/task-resource-limits.ts";
import { NamedEntityManager } from "@aloft/admin/managers/named-entity-manager.ts";
import { DescriptionEntityManager } from "@aloft/admin/managers/description-entity-manager.ts";
import { WorkflowManager } from "@aloft/admin/managers/workflow-manager.ts";
import { LaunchPlanManager, type ScheduleSink } from "@aloft/admin/managers/launch-plan-manager.ts";
import { createExecutionManagers, type ExecutionManagers } from "@aloft/admin/managers/execution-managers.ts";
import { ProjectRepo } from "@aloft/admin/repositories/project-repo.ts";
import { ResourceRepo } from "@aloft/admin/repositories/resource-repo.ts";
import { TaskRepo } from "@aloft/admin/repositories/task-repo.ts";
import { NamedEntityRepo } from "@aloft/admin/repositories/named-entity-repo.ts";
import { DescriptionEntityRepo } from "@aloft/admin/repositories/description-entity-repo.ts";
import { WorkflowRepo } from "@aloft/admin/repositories/workflow-repo.ts";
import { LaunchPlanRepo } from "@aloft/admin/repositories/launch-plan-repo.ts";
import { DataCatalogManager } from "@aloft/admin/managers/datacatalog-manager.ts";
import { CatalogRepo } from "@aloft/admin/repositories/catalog-repo.ts";
import { CatalogReservationRepo } from "@aloft/admin/repositories/catalog-reservation-repo.ts";
import { SignalManager } from "@aloft/admin/managers/signal-manager.ts";
import { SignalRepo } from "@aloft/admin/repositories/signal-repo.ts";

export interface AdminManagerDeps {
  db: Kysely<Schema>;
  blobStore: BlobStore;
  config: AloftConfig;
  clock: Clock;
  logger: Logger;
  plugins: PluginRegistry;
  build: BuildInfo;
  scheduleSink?: ScheduleSink;
}

export function createAdminManagers(
  deps: AdminManagerDeps,
): AdminManagers & { executions: ExecutionManagers; dataCatalog: DataCatalogManager; signals: SignalManager } {
  const { db, blobStore, config, clock, logger, plugins } = deps;
  const projectRepo = new ProjectRepo(db, clock);
  const gate = new ProjectGate(projectRepo, config.domains);
  const workflowExecutionDefaults = defaultWorkflowExecutionDefaults();
  const projects = new ProjectManager({ repo: projectRepo, domains: config.domains, logger });
  const resources = new ResourceManager({ repo: new ResourceRepo(db, clock), gate, workflowExecutionDefaults, logger });
  const taskRepo = new TaskRepo(db, clock);
  const tasks = new TaskManager({
    repo: taskRepo,
    gate,
    resourceLimits: new MatchableTaskResourceLimits(resources, config.taskResources.limits),
    taskTypeWhitelist: config.taskTypeWhitelist,
    clock,
  });
  const workflowRepo = new WorkflowRepo(db, clock);
  const launchPlans = new LaunchPlanManager({
    repo: new LaunchPlanRepo(db, clock),
    workflows: workflowRepo,
    gate,
    clock,
    ...(deps.scheduleSink ? { scheduleSink: deps.scheduleSink } : {}),
  });
  const workflows = new WorkflowManager({
    repo: workflowRepo,
    gate,
    tasks: { getCompiledTask: (id) => taskRepo.getCompiledTask(id) },
    launchPlans,
    blobStore,
    clock,
    limits: config.registration,
    metadataStoragePrefix: config.metadataStoragePrefix,
  });
  const namedEntities = new NamedEntityManager(new NamedEntityRepo(db, clock));
  const executions = createExecutionManagers({
    db,
    blobStore,
    clock,
    logger,
    gate,
    resources,
    workflowExecutionDefaults,
    tasks,
    workflows,
    launchPlans,
    namedEntities,
    plugins,
    metadataStoragePrefix: config.metadataStoragePrefix,
    registration: config.registration,
    taskResources: config.taskResources,
    literalOffloading: config.literalOffloading,
  });
  return {
    projects,
    resources,
    tasks,
    namedEntities,
    descriptionEntities: new DescriptionEntityManager(new DescriptionEntityRepo(db, clock)),
    workflows,
    launchPlans,
    executions,
    dataCatalog: new DataCatalogManager({ catalog: new CatalogRepo(db, clock), reservations: new CatalogReservationRepo(db, clock), clock }),
    signals: new SignalManager({ repo: new SignalRepo(db, clock), logger: logger.child({ component: "signals" }) }),
    build: deps.build,
  };
}
