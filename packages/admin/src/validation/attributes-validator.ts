// Requests on matchable attributes (flyteadmin attributes_validator.go): the project/domain gate, the workflow name,
// and the resource type, which an update derives from the MatchingAttributes oneof.
import {
  MatchableResource,
  type ListMatchableAttributesRequest,
  type MatchingAttributes,
} from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import type {
  ProjectAttributesDeleteRequest,
  ProjectAttributesGetRequest,
  ProjectAttributesUpdateRequest,
  ProjectAttributes,
} from "@aloft/idl/flyteidl/admin/project_attributes_pb.js";
import type {
  ProjectDomainAttributes,
  ProjectDomainAttributesDeleteRequest,
  ProjectDomainAttributesGetRequest,
  ProjectDomainAttributesUpdateRequest,
} from "@aloft/idl/flyteidl/admin/project_domain_attributes_pb.js";
import type {
  WorkflowAttributes,
  WorkflowAttributesDeleteRequest,
  WorkflowAttributesGetRequest,
  WorkflowAttributesUpdateRequest,
} from "@aloft/idl/flyteidl/admin/workflow_attributes_pb.js";
import { invalidArgument, invalidValue, missing } from "@aloft/core";

/** The part of ProjectGate these checks need. */
export interface AttributesGate {
  validateProjectAndDomain(project: string, domain: string): Promise<void>;
  validateProjectExists(project: string, requireActive: boolean): Promise<void>;
}

/**
 * The resource type an update writes, from the oneof case. quality_of_service cannot be set through the API
 * (upstream has no case for it); an empty oneof is `missing matching_attributes`.
 */
function matchableResourceOf(attributes: MatchingAttributes | undefined, requestId: string): MatchableResource {
  switch (attributes?.target.case) {
    case undefined:
      throw missing("matching_attributes");
    case "taskResourceAttributes":
      return MatchableResource.TASK_RESOURCE;
    case "clusterResourceAttributes":
      return MatchableResource.CLUSTER_RESOURCE;
    case "executionQueueAttributes":
      return MatchableResource.EXECUTION_QUEUE;
    case "executionClusterLabel":
      return MatchableResource.EXECUTION_CLUSTER_LABEL;
    case "pluginOverrides":
      return MatchableResource.PLUGIN_OVERRIDE;
    case "workflowExecutionConfig":
      return MatchableResource.WORKFLOW_EXECUTION_CONFIG;
    case "clusterAssignment":
      return MatchableResource.CLUSTER_ASSIGNMENT;
    default:
      throw invalidArgument(
        "attributes.unrecognized",
        `Unrecognized matching attributes type for request ${requestId}`,
      );
  }
}

export async function validateProjectAttributesUpdate(
  req: ProjectAttributesUpdateRequest,
  gate: AttributesGate,
): Promise<{ attributes: ProjectAttributes; resourceType: MatchableResource }> {
  const attributes = req.attributes;
  if (!attributes) throw missing("attributes");
  await gate.validateProjectExists(attributes.project, true);
  return { attributes, resourceType: matchableResourceOf(attributes.matchingAttributes, attributes.project) };
}

export async function validateProjectAttributesGet(
  req: ProjectAttributesGetRequest,
  gate: AttributesGate,
): Promise<void> {
  await gate.validateProjectExists(req.project, false);
}

export async function validateProjectAttributesDelete(
  req: ProjectAttributesDeleteRequest,
  gate: AttributesGate,
): Promise<void> {
  await gate.validateProjectExists(req.project, true);
}

export async function validateProjectDomainAttributesUpdate(
  req: ProjectDomainAttributesUpdateRequest,
  gate: AttributesGate,
): Promise<{ attributes: ProjectDomainAttributes; resourceType: MatchableResource }> {
  const attributes = req.attributes;
  if (!attributes) throw missing("attributes");
  await gate.validateProjectAndDomain(attributes.project, attributes.domain);
  return {
    attributes,
    resourceType: matchableResourceOf(attributes.matchingAttributes, `${attributes.project}-${attributes.domain}`),
  };
}

export async function validateProjectDomainAttributesGetOrDelete(
  req: ProjectDomainAttributesGetRequest | ProjectDomainAttributesDeleteRequest,
  gate: AttributesGate,
): Promise<void> {
  await gate.validateProjectAndDomain(req.project, req.domain);
}

export async function validateWorkflowAttributesUpdate(
  req: WorkflowAttributesUpdateRequest,
  gate: AttributesGate,
): Promise<{ attributes: WorkflowAttributes; resourceType: MatchableResource }> {
  const attributes = req.attributes;
  if (!attributes) throw missing("attributes");
  await gate.validateProjectAndDomain(attributes.project, attributes.domain);
  if (attributes.workflow === "") throw missing("name");
  return {
    attributes,
    resourceType: matchableResourceOf(
      attributes.matchingAttributes,
      `${attributes.project}-${attributes.domain}-${attributes.workflow}`,
    ),
  };
}

export async function validateWorkflowAttributesGetOrDelete(
  req: WorkflowAttributesGetRequest | WorkflowAttributesDeleteRequest,
  gate: AttributesGate,
): Promise<void> {
  await gate.validateProjectAndDomain(req.project, req.domain);
  if (req.workflow === "") throw missing("name");
}

/** Any defined MatchableResource value is valid; others are `invalid value for resource_type`. */
export function validateListMatchableAttributes(req: ListMatchableAttributesRequest): void {
  if (MatchableResource[req.resourceType] === undefined) throw invalidValue("resource_type");
}

/** The stored name of a resource type: the enum name, or the number for values this version does not know (Go's String()). */
export function matchableResourceName(t: MatchableResource): string {
  return MatchableResource[t] ?? String(t);
}
