// CreateWorkflow validation (flyteadmin workflow_validator.go): the request before compilation, and the
// registration limits after it (`registration.maxWorkflowNodes`, `registration.workflowSizeLimit`). All IA.
import { toBinary } from "@bufbuild/protobuf";
import {
  WorkflowClosureSchema,
  type WorkflowClosure,
  type WorkflowCreateRequest,
  type WorkflowSpec,
} from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import type { WorkflowTemplate } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { internal, invalidArgument, missing, parseQuantity, quantityValue as coreQuantityValue } from "@aloft/core";
import { identifierText, validateIdentifier } from "./identifier.ts";

/** start-node and end-node are added by the compiler and do not count against the limit. */
const SYSTEM_NODES = 2;

export interface WorkflowRegistrationLimits {
  /** 0 = unlimited. */
  maxWorkflowNodes: number;
  /** Kubernetes quantity such as "1Mi"; "" = unlimited. */
  workflowSizeLimit: string;
}

export type ValidWorkflowCreateRequest = WorkflowCreateRequest & {
  id: Identifier;
  spec: WorkflowSpec & { template: WorkflowTemplate };
};

/** Identifier (WORKFLOW) and spec.template present; the project/domain gate runs between the two in the manager. */
export function validateWorkflowId(
  req: WorkflowCreateRequest,
): asserts req is WorkflowCreateRequest & { id: Identifier } {
  validateIdentifier(req.id, ResourceType.WORKFLOW);
}

export function validateWorkflowSpec(
  req: WorkflowCreateRequest & { id: Identifier },
): asserts req is ValidWorkflowCreateRequest {
  if (!req.spec?.template) throw missing("spec");
}

/** Upstream `ValidateCompiledWorkflow`: serialized closure size, then user node count. */
export function validateCompiledWorkflow(
  id: Identifier,
  closure: WorkflowClosure,
  limits: WorkflowRegistrationLimits,
): void {
  if (limits.workflowSizeLimit !== "") {
    const max = quantityValue(limits.workflowSizeLimit);
    const size = toBinary(WorkflowClosureSchema, closure).length;
    if (size > max) {
      throw invalidArgument(
        "workflow.too_large",
        `Workflow closure size exceeds max limit [${limits.workflowSizeLimit}]`,
      );
    }
  }
  if (limits.maxWorkflowNodes === 0) return;
  const nodes = closure.compiledWorkflow?.primary?.template?.nodes;
  if (!nodes) return;
  const userNodes = nodes.length - SYSTEM_NODES;
  if (userNodes > limits.maxWorkflowNodes) {
    throw invalidArgument(
      "workflow.too_many_nodes",
      `number of nodes in workflow [${identifierText(id)}] exceeds limit (${userNodes} > ${limits.maxWorkflowNodes})`,
    );
  }
}

/** The value of a Kubernetes quantity ("1Mi", "500k", "1e6"); a malformed one is a configuration error. */
export function quantityValue(q: string): number {
  try {
    return Number(coreQuantityValue(parseQuantity(q)));
  } catch {
    throw internal("config.invalid_quantity", `registration.workflowSizeLimit [${q}] is not a valid quantity`);
  }
}
