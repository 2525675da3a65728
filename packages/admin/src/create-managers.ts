// Builds every admin repository and manager once, over one database and one blob store (createAdmin's first half).
import type { Kysely } from "kysely";
import type { AloftConfig } from "@aloft/core";
import type { BlobStore } from "@aloft/core";
import type { Clock } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { AdminManagers } from "./api/admin-service.ts";
import type { BuildInfo } from "./managers/version-manager.ts";
import type { PluginRegistry } from "./plugins.ts";
import type { Schema } from "./repositories/schema.ts";
import { ProjectManager } from "./managers/project-manager.ts";
import { ProjectGate } from "./managers/project-gate.ts";
import { defaultWorkflowExecutionDefaults, ResourceManager } from "./managers/resource-manager.ts";
import { TaskManager } from "./managers/task-manager.ts";
import { MatchableTaskResourceLimits } from "./managers/task-resource-limits.ts";
import { NamedEntityManager } from "./managers/named-entity-manager.ts";
import { DescriptionEntityManager } from "./managers/description-entity-manager.ts";
import { WorkflowManager } from "./managers/workflow-manager.ts";
import { LaunchPlanManager, type ScheduleSink } from "./managers/launch-plan-manager.ts";
import { createExecutionManagers, type ExecutionManagers } from "./managers/execution-managers.ts";
import { ProjectRepo } from "./repositories/project-repo.ts";
import { ResourceRepo } from "./repositories/resource-repo.ts";
import { TaskRepo } from "./repositories/task-repo.ts";
import { NamedEntityRepo } from "./repositories/named-entity-repo.ts";
import { DescriptionEntityRepo } from "./repositories/description-entity-repo.ts";
import { WorkflowRepo } from "./repositories/workflow-repo.ts";
import { LaunchPlanRepo } from "./repositories/launch-plan-repo.ts";
import { DataCatalogManager } from "./managers/datacatalog-manager.ts";
import { CatalogRepo } from "./repositories/catalog-repo.ts";
import { CatalogReservationRepo } from "./repositories/catalog-reservation-repo.ts";
import { SignalManager } from "./managers/signal-manager.ts";
import { SignalRepo } from "./repositories/signal-repo.ts";

export interface AdminManagerDeps {
  db: Kysely<Schema>;
  blobStore: BlobStore;
  config: AloftConfig;
  clock: Clock;
  logger: Logger;
  /** The configured extension points; the managers take the workflow executor from here, once. */
  plugins: Pick<PluginRegistry, "workflowExecutor">;
  build: BuildInfo;
  scheduleSink?: ScheduleSink;
}

/** Every manager of admin: AdminService's, plus the execution-side ones, the data catalog and signals. */
export type AllManagers = AdminManagers & {
  executions: ExecutionManagers;
  dataCatalog: DataCatalogManager;
  signals: SignalManager;
};

export function createAdminManagers(deps: AdminManagerDeps): AllManagers {
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
    workflowExecutor: plugins.workflowExecutor,
    metadataStoragePrefix: config.metadataStoragePrefix,
    registration: config.registration,
    taskResources: config.taskResources,
    literalOffloading: config.literalOffloading,
    namespaceTemplate: config.kubernetes.namespaceTemplate,
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
    dataCatalog: new DataCatalogManager({
      catalog: new CatalogRepo(db, clock),
      reservations: new CatalogReservationRepo(db, clock),
      clock,
    }),
    signals: new SignalManager({ repo: new SignalRepo(db, clock), logger: logger.child({ component: "signals" }) }),
    build: deps.build,
  };
}

/** Creates the projects of `names` that do not exist yet (`aloft migrate seed-projects`); returns those created. */
export function seedProjects(
  deps: Pick<AdminManagerDeps, "db" | "clock" | "logger"> & { domains: AloftConfig["domains"] },
  names: string[],
): Promise<string[]> {
  return new ProjectManager({
    repo: new ProjectRepo(deps.db, deps.clock),
    domains: deps.domains,
    logger: deps.logger,
  }).seed(names);
}
