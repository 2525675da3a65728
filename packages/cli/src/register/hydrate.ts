// Fills the project, domain and version of every identifier in a registration file, as flytectl does:
// empty values (or the `{{ registration.* }}` placeholders) take the values given on the command line.
import type { Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { Node, WorkflowTemplate } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { TaskSpec } from "@aloft/idl/flyteidl/admin/task_pb.js";
import type { WorkflowSpec } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import type { LaunchPlan } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";

export interface RegistrationTarget {
  project: string;
  domain: string;
  version: string;
}

const PLACEHOLDER = {
  project: "{{ registration.project }}",
  domain: "{{ registration.domain }}",
  version: "{{ registration.version }}",
};

export function hydrateIdentifier(id: Identifier | undefined, t: RegistrationTarget): void {
  if (!id) return;
  if (id.project === "" || id.project === PLACEHOLDER.project) id.project = t.project;
  if (id.domain === "" || id.domain === PLACEHOLDER.domain) id.domain = t.domain;
  if (id.version === "" || id.version === PLACEHOLDER.version) id.version = t.version;
}

function hydrateNode(node: Node | undefined, t: RegistrationTarget): void {
  if (!node) return;
  const target = node.target;
  switch (target.case) {
    case "taskNode":
      if (target.value.reference.case === "referenceId") hydrateIdentifier(target.value.reference.value, t);
      break;
    case "workflowNode":
      if (target.value.reference.case) hydrateIdentifier(target.value.reference.value, t);
      break;
    case "branchNode": {
      const ifElse = target.value.ifElse;
      hydrateNode(ifElse?.case?.thenNode, t);
      for (const c of ifElse?.other ?? []) hydrateNode(c.thenNode, t);
      if (ifElse?.default.case === "elseNode") hydrateNode(ifElse.default.value, t);
      break;
    }
    case "arrayNode":
      hydrateNode(target.value.node, t);
      break;
    default:
      break;
  }
}

function hydrateWorkflowTemplate(w: WorkflowTemplate | undefined, t: RegistrationTarget): void {
  if (!w) return;
  hydrateIdentifier(w.id, t);
  for (const n of w.nodes) hydrateNode(n, t);
  hydrateNode(w.failureNode, t);
}

export function hydrateTaskSpec(spec: TaskSpec, t: RegistrationTarget): void {
  hydrateIdentifier(spec.template?.id, t);
}

export function hydrateWorkflowSpec(spec: WorkflowSpec, t: RegistrationTarget): void {
  hydrateWorkflowTemplate(spec.template, t);
  for (const sw of spec.subWorkflows) hydrateWorkflowTemplate(sw, t);
}

export function hydrateLaunchPlan(lp: LaunchPlan, t: RegistrationTarget): void {
  hydrateIdentifier(lp.id, t);
  hydrateIdentifier(lp.spec?.workflowId, t);
}
