// Matchable attributes (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go): project, project-domain and workflow levels (Update / Get / Delete), the list of
// every row of a type, and the most-specific resolver used by registration and executions.
import { clone, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  ListMatchableAttributesResponseSchema,
  MatchableAttributesConfigurationSchema,
  MatchableResource,
  MatchingAttributesSchema,
  PluginOverridesSchema,
  type ListMatchableAttributesRequest,
  type ListMatchableAttributesResponse,
  type MatchableAttributesConfiguration,
  type MatchingAttributes,
  type PluginOverride,
  WorkflowExecutionConfigSchema,
  type WorkflowExecutionConfig,
} from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import { AnnotationsSchema, LabelsSchema, RawOutputDataConfigSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { IdentitySchema, SecurityContextSchema } from "@aloft/idl/flyteidl/core/security_pb.js";
import {
  ProjectAttributesDeleteResponseSchema,
  ProjectAttributesGetResponseSchema,
  ProjectAttributesSchema,
  ProjectAttributesUpdateResponseSchema,
  type ProjectAttributesDeleteRequest,
  type ProjectAttributesDeleteResponse,
  type ProjectAttributesGetRequest,
  type ProjectAttributesGetResponse,
  type ProjectAttributesUpdateRequest,
  type ProjectAttributesUpdateResponse,
} from "@aloft/idl/flyteidl/admin/project_attributes_pb.js";
import {
  ProjectDomainAttributesDeleteResponseSchema,
  ProjectDomainAttributesGetResponseSchema,
  ProjectDomainAttributesSchema,
  ProjectDomainAttributesUpdateResponseSchema,
  type ProjectDomainAttributesDeleteRequest,
  type ProjectDomainAttributesDeleteResponse,
  type ProjectDomainAttributesGetRequest,
  type ProjectDomainAttributesGetResponse,
  type ProjectDomainAttributesUpdateRequest,
  type ProjectDomainAttributesUpdateResponse,
} from "@aloft/idl/flyteidl/admin/project_domain_attributes_pb.js";
import {
  WorkflowAttributesDeleteResponseSchema,
  WorkflowAttributesGetResponseSchema,
  WorkflowAttributesSchema,
  WorkflowAttributesUpdateResponseSchema,
  type WorkflowAttributesDeleteRequest,
  type WorkflowAttributesDeleteResponse,
  type WorkflowAttributesGetRequest,
  type WorkflowAttributesGetResponse,
  type WorkflowAttributesUpdateRequest,
  type WorkflowAttributesUpdateResponse,
} from "@aloft/idl/flyteidl/admin/workflow_attributes_pb.js";
import { internal } from "@aloft/core";
import type { Logger } from "@aloft/core";
import {
  ResourcePriority,
  type ResourceId,
  type ResourceRepo,
  type ResourceRow,
} from "../repositories/resource-repo.ts";
import {
  matchableResourceName,
  validateListMatchableAttributes,
  validateProjectAttributesDelete,
  validateProjectAttributesGet,
  validateProjectAttributesUpdate,
  validateProjectDomainAttributesGetOrDelete,
  validateProjectDomainAttributesUpdate,
  validateWorkflowAttributesGetOrDelete,
  validateWorkflowAttributesUpdate,
  type AttributesGate,
} from "../validation/attributes-validator.ts";
import { resourceNotFound } from "./not-found.ts";

export interface ResourceManagerDeps {
  repo: ResourceRepo;
  gate: AttributesGate;
  /** Server-level WORKFLOW_EXECUTION_CONFIG merged into GetProjectAttributes (flyteadmin's top-level config). */
  workflowExecutionDefaults: WorkflowExecutionDefaults;
  logger: Logger;
}

/** The scope a matchable resource is resolved for; absent levels match only rows that leave them empty. */
export interface MatchableScope {
  project: string;
  domain: string;
  workflow?: string | undefined;
  launchPlan?: string | undefined;
}

export class ResourceManager {
  constructor(private readonly deps: ResourceManagerDeps) {}

  async updateProjectAttributes(req: ProjectAttributesUpdateRequest): Promise<ProjectAttributesUpdateResponse> {
    const { attributes, resourceType } = await validateProjectAttributesUpdate(req, this.deps.gate);
    await this.write(
      key(attributes.project, "", "", resourceType),
      ResourcePriority.project,
      attributes.matchingAttributes,
    );
    return create(ProjectAttributesUpdateResponseSchema);
  }

  /** Only the project-level row; WORKFLOW_EXECUTION_CONFIG is completed (or replaced, when absent) by server defaults. */
  async getProjectAttributes(req: ProjectAttributesGetRequest): Promise<ProjectAttributesGetResponse> {
    await validateProjectAttributesGet(req, this.deps.gate);
    const id = key(req.project, "", "", req.resourceType);
    const row = await this.deps.repo.getProjectLevel(req.project, id.resourceType);
    const defaults = workflowExecutionConfigOf(this.deps.workflowExecutionDefaults);
    let matching: MatchingAttributes;
    if (row) {
      matching = decode(row);
      if (matching.target.case === "workflowExecutionConfig") {
        matching = create(MatchingAttributesSchema, {
          target: { case: "workflowExecutionConfig", value: mergeIntoExecConfig(matching.target.value, defaults) },
        });
      }
    } else if (req.resourceType === MatchableResource.WORKFLOW_EXECUTION_CONFIG) {
      matching = create(MatchingAttributesSchema, { target: { case: "workflowExecutionConfig", value: defaults } });
    } else {
      throw resourceNotFound(id);
    }
    return create(ProjectAttributesGetResponseSchema, {
      attributes: create(ProjectAttributesSchema, { project: req.project, matchingAttributes: matching }),
    });
  }

  /** Deletes the project's rows of the type at every level (upstream's zero-value-skipping conditions). */
  async deleteProjectAttributes(req: ProjectAttributesDeleteRequest): Promise<ProjectAttributesDeleteResponse> {
    await validateProjectAttributesDelete(req, this.deps.gate);
    await this.remove(key(req.project, "", "", req.resourceType));
    return create(ProjectAttributesDeleteResponseSchema);
  }

  async updateProjectDomainAttributes(
    req: ProjectDomainAttributesUpdateRequest,
  ): Promise<ProjectDomainAttributesUpdateResponse> {
    const { attributes, resourceType } = await validateProjectDomainAttributesUpdate(req, this.deps.gate);
    const id = key(attributes.project, attributes.domain, "", resourceType);
    await this.write(id, ResourcePriority.projectDomain, attributes.matchingAttributes);
    return create(ProjectDomainAttributesUpdateResponseSchema);
  }

  /** The most specific row for project + domain: may be the project-level row (then `domain` is ""). */
  async getProjectDomainAttributes(
    req: ProjectDomainAttributesGetRequest,
  ): Promise<ProjectDomainAttributesGetResponse> {
    await validateProjectDomainAttributesGetOrDelete(req, this.deps.gate);
    const row = await this.mostSpecific(key(req.project, req.domain, "", req.resourceType));
    return create(ProjectDomainAttributesGetResponseSchema, {
      attributes: create(ProjectDomainAttributesSchema, {
        project: row.project,
        domain: row.domain,
        matchingAttributes: decode(row),
      }),
    });
  }

  async deleteProjectDomainAttributes(
    req: ProjectDomainAttributesDeleteRequest,
  ): Promise<ProjectDomainAttributesDeleteResponse> {
    await validateProjectDomainAttributesGetOrDelete(req, this.deps.gate);
    await this.remove(key(req.project, req.domain, "", req.resourceType));
    return create(ProjectDomainAttributesDeleteResponseSchema);
  }

  async updateWorkflowAttributes(req: WorkflowAttributesUpdateRequest): Promise<WorkflowAttributesUpdateResponse> {
    const { attributes, resourceType } = await validateWorkflowAttributesUpdate(req, this.deps.gate);
    const id = key(attributes.project, attributes.domain, attributes.workflow, resourceType);
    await this.write(id, ResourcePriority.workflow, attributes.matchingAttributes);
    return create(WorkflowAttributesUpdateResponseSchema);
  }

  /** The most specific row for project + domain + workflow (a project-domain or project row has `workflow` ""). */
  async getWorkflowAttributes(req: WorkflowAttributesGetRequest): Promise<WorkflowAttributesGetResponse> {
    await validateWorkflowAttributesGetOrDelete(req, this.deps.gate);
    const row = await this.mostSpecific(key(req.project, req.domain, req.workflow, req.resourceType));
    return create(WorkflowAttributesGetResponseSchema, {
      attributes: create(WorkflowAttributesSchema, {
        project: row.project,
        domain: row.domain,
        workflow: row.workflow,
        matchingAttributes: decode(row),
      }),
    });
  }

  async deleteWorkflowAttributes(req: WorkflowAttributesDeleteRequest): Promise<WorkflowAttributesDeleteResponse> {
    await validateWorkflowAttributesGetOrDelete(req, this.deps.gate);
    await this.remove(key(req.project, req.domain, req.workflow, req.resourceType));
    return create(WorkflowAttributesDeleteResponseSchema);
  }

  async listMatchableAttributes(req: ListMatchableAttributesRequest): Promise<ListMatchableAttributesResponse> {
    validateListMatchableAttributes(req);
    const rows = await this.deps.repo.listAll(matchableResourceName(req.resourceType));
    return create(ListMatchableAttributesResponseSchema, { configurations: rows.map(toConfiguration) });
  }

  /** The most specific attributes of a type for a scope (launch plan > workflow > project-domain > project), if any. */
  async getMatchable(
    resourceType: MatchableResource,
    scope: MatchableScope,
  ): Promise<MatchableAttributesConfiguration | undefined> {
    const row = await this.deps.repo.getMostSpecific({
      project: scope.project,
      domain: scope.domain,
      workflow: scope.workflow ?? "",
      launchPlan: scope.launchPlan ?? "",
      resourceType: matchableResourceName(resourceType),
    });
    return row ? toConfiguration(row) : undefined;
  }

  private async mostSpecific(id: ResourceId): Promise<ResourceRow> {
    const row = await this.deps.repo.getMostSpecific(id);
    if (!row) throw resourceNotFound(id);
    return row;
  }

  /** Full replace, except PLUGIN_OVERRIDE, which merges per task type into the row with the same key. */
  private async write(id: ResourceId, priority: number, attributes: MatchingAttributes | undefined): Promise<void> {
    let value = attributes ?? create(MatchingAttributesSchema);
    if (value.target.case === "pluginOverrides") {
      const existing = await this.deps.repo.getExact(id);
      if (existing) value = mergePluginOverrides(decode(existing), value.target.value.overrides);
    }
    await this.deps.repo.upsert({ ...id, priority, attributes: toBinary(MatchingAttributesSchema, value) });
  }

  private async remove(id: ResourceId): Promise<void> {
    const deleted = await this.deps.repo.delete(id);
    this.deps.logger.info({ ...id, deleted }, "deleted matchable attributes");
  }
}

function key(project: string, domain: string, workflow: string, resourceType: MatchableResource): ResourceId {
  return { project, domain, workflow, launchPlan: "", resourceType: matchableResourceName(resourceType) };
}

function decode(row: ResourceRow): MatchingAttributes {
  try {
    return fromBinary(MatchingAttributesSchema, row.attributes);
  } catch (err) {
    throw internal("resource.decode", `Failed to decode resource attribute with err: ${(err as Error).message}`, err);
  }
}

function toConfiguration(row: ResourceRow): MatchableAttributesConfiguration {
  return create(MatchableAttributesConfigurationSchema, {
    attributes: decode(row),
    project: row.project,
    domain: row.domain,
    workflow: row.workflow,
    launchPlan: row.launchPlan,
  });
}

/** Overrides keyed by task type: the new ones replace existing ones of the same type; existing order is kept. */
function mergePluginOverrides(existing: MatchingAttributes, incoming: PluginOverride[]): MatchingAttributes {
  const byType = new Map<string, PluginOverride>();
  if (existing.target.case === "pluginOverrides")
    for (const o of existing.target.value.overrides) byType.set(o.taskType, o);
  for (const o of incoming) byType.set(o.taskType, o);
  return create(MatchingAttributesSchema, {
    target: { case: "pluginOverrides", value: create(PluginOverridesSchema, { overrides: [...byType.values()] }) },
  });
}

/** flyteadmin's top-level settings that make up the server's WORKFLOW_EXECUTION_CONFIG (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go, upstream flyteadmin/pkg/runtime/interfaces/application_configuration.go). */
export interface WorkflowExecutionDefaults {
  maxParallelism: number;
  k8sServiceAccount: string;
  assumableIamRole: string;
  /** Raw output data prefix. */
  outputLocationPrefix: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  interruptible: boolean;
  overwriteCache: boolean;
}

export function defaultWorkflowExecutionDefaults(): WorkflowExecutionDefaults {
  return {
    maxParallelism: 25,
    k8sServiceAccount: "",
    assumableIamRole: "",
    outputLocationPrefix: "",
    labels: {},
    annotations: {},
    interruptible: false,
    overwriteCache: false,
  };
}

/** The server defaults as a message: max_parallelism and overwrite_cache always; the rest only when configured. */
export function workflowExecutionConfigOf(d: WorkflowExecutionDefaults): WorkflowExecutionConfig {
  const wec = create(WorkflowExecutionConfigSchema, {
    maxParallelism: d.maxParallelism,
    overwriteCache: d.overwriteCache,
  });
  if (d.interruptible) wec.interruptible = true;
  if (d.k8sServiceAccount !== "" || d.assumableIamRole !== "") {
    wec.securityContext = create(SecurityContextSchema, {
      runAs: create(IdentitySchema, { k8sServiceAccount: d.k8sServiceAccount, iamRole: d.assumableIamRole }),
    });
  }
  if (d.outputLocationPrefix !== "")
    wec.rawOutputDataConfig = create(RawOutputDataConfigSchema, { outputLocationPrefix: d.outputLocationPrefix });
  if (Object.keys(d.labels).length > 0) wec.labels = create(LabelsSchema, { values: { ...d.labels } });
  if (Object.keys(d.annotations).length > 0)
    wec.annotations = create(AnnotationsSchema, { values: { ...d.annotations } });
  return wec;
}

/**
 * Fills the fields `high` leaves empty from `low` (upstream MergeIntoExecConfig): max_parallelism > 0, a security
 * context with a run-as identity, a raw output prefix, non-empty labels / annotations / envs, interruptible when
 * set, overwrite_cache when true. Returns a new message; neither argument is changed.
 */
export function mergeIntoExecConfig(
  high: WorkflowExecutionConfig,
  low: WorkflowExecutionConfig,
): WorkflowExecutionConfig {
  const out = clone(WorkflowExecutionConfigSchema, high);
  if (out.maxParallelism === 0 && low.maxParallelism > 0) out.maxParallelism = low.maxParallelism;
  const runAs = low.securityContext?.runAs;
  if (
    !out.securityContext &&
    runAs &&
    (runAs.k8sServiceAccount !== "" || runAs.iamRole !== "" || runAs.executionIdentity !== "")
  ) {
    out.securityContext = low.securityContext;
  }
  if (!out.rawOutputDataConfig?.outputLocationPrefix && low.rawOutputDataConfig?.outputLocationPrefix) {
    out.rawOutputDataConfig = low.rawOutputDataConfig;
  }
  if (isEmptyMap(out.labels?.values) && !isEmptyMap(low.labels?.values)) out.labels = low.labels;
  if (isEmptyMap(out.annotations?.values) && !isEmptyMap(low.annotations?.values)) out.annotations = low.annotations;
  if (out.interruptible === undefined && low.interruptible !== undefined) out.interruptible = low.interruptible;
  if (!out.overwriteCache && low.overwriteCache) out.overwriteCache = true;
  if (!out.envs?.values.length && low.envs?.values.length) out.envs = low.envs;
  return out;
}

const isEmptyMap = (m: Record<string, string> | undefined) => m === undefined || Object.keys(m).length === 0;
