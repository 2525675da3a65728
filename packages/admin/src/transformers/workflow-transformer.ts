// Workflow rows ⇄ flyteidl messages (flyteadmin transformers/workflow.go). The row keeps only the typed interface;
// the compiled closure lives in the blob store at `remoteClosureIdentifier`.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { WorkflowSchema, type Workflow } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { CompiledWorkflowSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { IdentifierSchema, ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { TypedInterfaceSchema, type TypedInterface } from "@aloft/idl/flyteidl/core/interface_pb.js";
import type { NewWorkflowRow, WorkflowRow } from "../repositories/workflow-repo.ts";

export function newWorkflowRow(
  id: Identifier,
  typedInterface: TypedInterface | undefined,
  remoteClosureIdentifier: string,
  digest: string,
  shortDescription: string,
): NewWorkflowRow {
  return {
    project: id.project,
    domain: id.domain,
    name: id.name,
    version: id.version,
    typedInterface: typedInterface ? toBinary(TypedInterfaceSchema, typedInterface) : null,
    remoteClosureIdentifier,
    digest,
    shortDescription,
  };
}

export function workflowIdentifier(row: WorkflowRow): Identifier {
  return create(IdentifierSchema, {
    resourceType: ResourceType.WORKFLOW,
    project: row.project,
    domain: row.domain,
    name: row.name,
    version: row.version,
  });
}

/** The stored typed interface (empty when the row has none). */
export function workflowInterfaceOf(row: Pick<WorkflowRow, "typedInterface">): TypedInterface {
  return row.typedInterface && row.typedInterface.length > 0
    ? fromBinary(TypedInterfaceSchema, row.typedInterface)
    : create(TypedInterfaceSchema);
}

/** A list entry: the id, creation time and interface only (lists do not read closures from the blob store). */
export function toWorkflowSummary(row: WorkflowRow): Workflow {
  return create(WorkflowSchema, {
    id: workflowIdentifier(row),
    closure: {
      createdAt: timestampFromDate(row.createdAt),
      compiledWorkflow: {
        primary: create(CompiledWorkflowSchema, { template: { interface: workflowInterfaceOf(row) } }),
      },
    },
    shortDescription: row.shortDescription,
  });
}
