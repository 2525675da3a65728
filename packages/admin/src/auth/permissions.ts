// What each RPC needs. Reads need `view`, registering, launching, terminating and approving need `contribute`,
// project registration/update and matchable attributes (they change how every execution of a project runs) need
// `admin`, and the event, signal-creation and datacatalog RPCs are for the engine alone. Where the check applies:
// the project/domain the request names ("project"), every project ("global": a "*" binding), or anywhere ("any": the
// caller holds the permission somewhere). A method missing from this table is refused (a test checks that every
// served method is listed).
export type Permission = "view" | "contribute" | "admin" | "engine";
export type Where = "project" | "global" | "any";

export type Rule =
  | { kind: "open" }
  | { kind: "authenticated" }
  | { kind: "permission"; permission: Permission; where: Where };

const p = (permission: Permission, where: Where = "project"): Rule => ({ kind: "permission", permission, where });
const view = p("view");
const contribute = p("contribute");
const admin = p("admin");
const engine = p("engine", "any");

const ADMIN_SERVICE: Record<string, Rule> = {
  CreateTask: contribute,
  GetTask: view,
  ListTaskIds: view,
  ListTasks: view,
  CreateWorkflow: contribute,
  GetWorkflow: view,
  ListWorkflowIds: view,
  ListWorkflows: view,
  CreateLaunchPlan: contribute,
  GetLaunchPlan: view,
  GetActiveLaunchPlan: view,
  ListActiveLaunchPlans: view,
  ListLaunchPlanIds: view,
  ListLaunchPlans: view,
  UpdateLaunchPlan: contribute,
  CreateExecution: contribute,
  RelaunchExecution: contribute,
  RecoverExecution: contribute,
  GetExecution: view,
  UpdateExecution: contribute,
  GetExecutionData: view,
  ListExecutions: view,
  TerminateExecution: contribute,
  GetNodeExecution: view,
  GetDynamicNodeWorkflow: view,
  ListNodeExecutions: view,
  ListNodeExecutionsForTask: view,
  GetNodeExecutionData: view,
  RegisterProject: p("admin", "global"),
  UpdateProject: admin,
  GetProject: view,
  ListProjects: p("view", "any"),
  GetDomains: p("view", "any"),
  CreateWorkflowEvent: engine,
  CreateNodeEvent: engine,
  CreateTaskEvent: engine,
  GetTaskExecution: view,
  ListTaskExecutions: view,
  GetTaskExecutionData: view,
  UpdateProjectDomainAttributes: admin,
  GetProjectDomainAttributes: view,
  DeleteProjectDomainAttributes: admin,
  UpdateProjectAttributes: admin,
  GetProjectAttributes: view,
  DeleteProjectAttributes: admin,
  UpdateWorkflowAttributes: admin,
  GetWorkflowAttributes: view,
  DeleteWorkflowAttributes: admin,
  ListMatchableAttributes: p("view", "global"),
  ListNamedEntities: view,
  GetNamedEntity: view,
  UpdateNamedEntity: contribute,
  GetVersion: { kind: "authenticated" },
  GetDescriptionEntity: view,
  ListDescriptionEntities: view,
  GetExecutionMetrics: view,
};

const TABLE: Record<string, Record<string, Rule>> = {
  "flyteidl.service.AdminService": ADMIN_SERVICE,
  // Aloft's batch of CreateWorkflowEvent / CreateNodeEvent / CreateTaskEvent (api/event-service.ts): the same rule.
  // StreamEvents' messages each go through CreateEvents' own middleware (api/grpc/event-stream.ts), this rule included.
  "aloft.admin.v1.EventService": { CreateEvents: engine, StreamEvents: engine },
  "flyteidl.service.SignalService": { GetOrCreateSignal: engine, ListSignals: view, SetSignal: contribute },
  "flyteidl.service.DataProxyService": {
    CreateUploadLocation: contribute,
    // Signs a GET for any blob: only for callers who may read every project.
    CreateDownloadLocation: p("view", "global"),
    CreateDownloadLink: view,
    GetData: view,
  },
  "datacatalog.DataCatalog": Object.fromEntries(
    [
      "CreateDataset",
      "GetDataset",
      "CreateArtifact",
      "GetArtifact",
      "AddTag",
      "ListArtifacts",
      "ListDatasets",
      "UpdateArtifact",
      "GetOrExtendReservation",
      "ReleaseReservation",
    ].map((m) => [m, engine]),
  ),
  "flyteidl.service.AuthMetadataService": {
    GetOAuth2Metadata: { kind: "open" },
    GetPublicClientConfig: { kind: "open" },
  },
  "flyteidl.service.IdentityService": { UserInfo: { kind: "authenticated" } },
};

/** The rule for a method, or undefined when the table does not list it (the caller refuses). */
export function ruleFor(service: string, method: string): Rule | undefined {
  return TABLE[service]?.[method];
}
