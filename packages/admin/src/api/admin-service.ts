// flyteidl.service.AdminService: the transport-neutral binding from RPCs to managers. Every RPC is registered;
// those without a handler yet answer UNIMPLEMENTED (resolveHandler).
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { ObjectGetRequest } from "@aloft/idl/flyteidl/admin/common_pb.js";
import type { DescriptionEntityManager } from "../managers/description-entity-manager.ts";
import type { NamedEntityManager } from "../managers/named-entity-manager.ts";
import type { TaskManager } from "../managers/task-manager.ts";
import type { WorkflowManager } from "../managers/workflow-manager.ts";
import type { LaunchPlanManager } from "../managers/launch-plan-manager.ts";
import type { ProjectManager } from "../managers/project-manager.ts";
import type { ResourceManager } from "../managers/resource-manager.ts";
import type { ExecutionManagers } from "../managers/execution-managers.ts";
import { versionResponse, type BuildInfo } from "../managers/version-manager.ts";
import type {
  ExecutionCreateRequest,
  ExecutionRecoverRequest,
  ExecutionRelaunchRequest,
  ExecutionTerminateRequest,
  ExecutionUpdateRequest,
} from "@aloft/idl/flyteidl/admin/execution_pb.js";
import { bind, type CallContext, type ServiceBinding } from "./rpc.ts";

export interface AdminManagers {
  projects: ProjectManager;
  resources: ResourceManager;
  tasks: TaskManager;
  namedEntities: NamedEntityManager;
  descriptionEntities: DescriptionEntityManager;
  workflows: WorkflowManager;
  launchPlans: LaunchPlanManager;
  /** Executions, events, node and task executions (absent: those RPCs answer UNIMPLEMENTED). */
  executions?: ExecutionManagers;
  build: BuildInfo;
}

/** Upstream's RPC layer sets an unspecified id.resource_type (HTTP paths cannot carry it) before the manager runs. */
function defaultResourceType<R extends ObjectGetRequest>(req: R, type: ResourceType): R {
  if (req.id && req.id.resourceType === ResourceType.UNSPECIFIED) req.id.resourceType = type;
  return req;
}

export function adminServiceBinding(m: AdminManagers): ServiceBinding {
  return bind(AdminService, {
    registerProject: (req) => m.projects.register(req),
    updateProject: (req) => m.projects.update(req),
    getProject: (req) => m.projects.get(req),
    listProjects: (req) => m.projects.list(req),
    getDomains: async () => m.projects.getDomains(),
    getVersion: async () => versionResponse(m.build),
    createTask: (req) => m.tasks.create(req),
    getTask: (req) => m.tasks.get(defaultResourceType(req, ResourceType.TASK)),
    listTasks: (req) => m.tasks.list(req),
    listTaskIds: (req) => m.tasks.listIds(req),
    createWorkflow: (req) => m.workflows.create(req),
    getWorkflow: (req) => m.workflows.get(defaultResourceType(req, ResourceType.WORKFLOW)),
    listWorkflows: (req) => m.workflows.list(req),
    listWorkflowIds: (req) => m.workflows.listIds(req),
    createLaunchPlan: (req) => m.launchPlans.create(req),
    getLaunchPlan: (req) => m.launchPlans.get(defaultResourceType(req, ResourceType.LAUNCH_PLAN)),
    updateLaunchPlan: (req) => m.launchPlans.update(req),
    getActiveLaunchPlan: (req) => m.launchPlans.getActive(req),
    listLaunchPlans: (req) => m.launchPlans.list(req),
    listActiveLaunchPlans: (req) => m.launchPlans.listActive(req),
    listLaunchPlanIds: (req) => m.launchPlans.listIds(req),
    listNamedEntities: (req) => m.namedEntities.list(req),
    getNamedEntity: (req) => m.namedEntities.get(req),
    updateNamedEntity: (req) => m.namedEntities.update(req),
    getDescriptionEntity: (req) => m.descriptionEntities.get(defaultResourceType(req, ResourceType.TASK)),
    listDescriptionEntities: (req) => m.descriptionEntities.list(req),
    updateProjectAttributes: (req) => m.resources.updateProjectAttributes(req),
    getProjectAttributes: (req) => m.resources.getProjectAttributes(req),
    deleteProjectAttributes: (req) => m.resources.deleteProjectAttributes(req),
    updateProjectDomainAttributes: (req) => m.resources.updateProjectDomainAttributes(req),
    getProjectDomainAttributes: (req) => m.resources.getProjectDomainAttributes(req),
    deleteProjectDomainAttributes: (req) => m.resources.deleteProjectDomainAttributes(req),
    updateWorkflowAttributes: (req) => m.resources.updateWorkflowAttributes(req),
    getWorkflowAttributes: (req) => m.resources.getWorkflowAttributes(req),
    deleteWorkflowAttributes: (req) => m.resources.deleteWorkflowAttributes(req),
    listMatchableAttributes: (req) => m.resources.listMatchableAttributes(req),
    ...(m.executions ? executionHandlers(m.executions) : {}),
  });
}

/** The authenticated caller's subject, recorded on what they launch, update and terminate ("" without auth). */
const principalOf = (ctx: CallContext) => ctx.principal?.subject ?? "";

function executionHandlers(x: ExecutionManagers) {
  return {
    createExecution: (req: ExecutionCreateRequest, ctx: CallContext) => x.executions.create(req, principalOf(ctx)),
    relaunchExecution: (req: ExecutionRelaunchRequest, ctx: CallContext) =>
      x.executions.relaunch(req, principalOf(ctx)),
    recoverExecution: (req: ExecutionRecoverRequest, ctx: CallContext) => x.executions.recover(req, principalOf(ctx)),
    getExecution: x.executionQueries.get.bind(x.executionQueries),
    updateExecution: (req: ExecutionUpdateRequest, ctx: CallContext) =>
      x.executionQueries.update(req, principalOf(ctx)),
    getExecutionData: x.executionQueries.getData.bind(x.executionQueries),
    listExecutions: x.executionQueries.list.bind(x.executionQueries),
    terminateExecution: (req: ExecutionTerminateRequest, ctx: CallContext) =>
      x.executionQueries.terminate(req, principalOf(ctx)),
    createWorkflowEvent: x.executionEvents.createWorkflowEvent.bind(x.executionEvents),
    createNodeEvent: x.nodeEvents.createNodeEvent.bind(x.nodeEvents),
    createTaskEvent: x.taskEvents.createTaskEvent.bind(x.taskEvents),
    getNodeExecution: x.nodeExecutions.get.bind(x.nodeExecutions),
    getDynamicNodeWorkflow: x.nodeExecutions.getDynamicNodeWorkflow.bind(x.nodeExecutions),
    listNodeExecutions: x.nodeExecutions.list.bind(x.nodeExecutions),
    listNodeExecutionsForTask: x.nodeExecutions.listForTask.bind(x.nodeExecutions),
    getNodeExecutionData: x.nodeExecutions.getData.bind(x.nodeExecutions),
    getTaskExecution: x.taskExecutions.get.bind(x.taskExecutions),
    listTaskExecutions: x.taskExecutions.list.bind(x.taskExecutions),
    getTaskExecutionData: x.taskExecutions.getData.bind(x.taskExecutions),
    getExecutionMetrics: x.executionMetrics.getExecutionMetrics.bind(x.executionMetrics),
  };
}
