// What a workflow needs loaded before it can be compiled (upstream `requirements.go`): the tasks and launch plans
// its nodes reference, through branches, array nodes, the failure node and (optionally) sub-workflows.
import { create } from "@bufbuild/protobuf";
import { CompiledWorkflowSchema, type CompiledWorkflow } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { Node, WorkflowTemplate } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { CompilationError, CompileErrors, compileErrors as E } from "./errors.ts";
import { identifierText } from "./proto-text.ts";

export interface WorkflowRequirements {
  /** Sorted by resource type, project, domain, name, version; de-duplicated. */
  taskIds: Identifier[];
  launchPlanIds: Identifier[];
}

/**
 * Task and launch-plan ids referenced by `workflow` and the sub-workflows it uses. Throws a CompilationError only
 * for duplicate sub-workflow ids; a missing sub-workflow is reported by compileWorkflow (as upstream does).
 */
export function getRequirements(
  workflow: WorkflowTemplate,
  subWorkflows: readonly WorkflowTemplate[] = [],
): WorkflowRequirements {
  const errs = CompileErrors.root();
  const index = indexSubWorkflows(
    subWorkflows.map((t) => create(CompiledWorkflowSchema, { template: t })),
    errs,
  );
  if (!index) throw new CompilationError(errs.list());
  return collectRequirements(workflow, index, true, errs);
}

/** Indexes sub-workflows by id text; duplicates are `DuplicateId` errors (undefined is returned then). */
export function indexSubWorkflows(
  workflows: readonly CompiledWorkflow[],
  errs: CompileErrors,
): Map<string, CompiledWorkflow> | undefined {
  const index = new Map<string, CompiledWorkflow>();
  let ok = true;
  for (const wf of workflows) {
    const id = wf.template?.id;
    if (!id) return undefined;
    const key = identifierText(id);
    if (index.has(key)) {
      errs.collect(E.duplicateId(key));
      ok = false;
    } else {
      index.set(key, wf);
    }
  }
  return ok ? index : undefined;
}

export function collectRequirements(
  workflow: WorkflowTemplate,
  subWorkflows: Map<string, CompiledWorkflow>,
  followSubWorkflows: boolean,
  errs: CompileErrors,
): WorkflowRequirements {
  const tasks = new Map<string, Identifier>();
  const launchPlans = new Map<string, Identifier>();
  const visiting = new Set<WorkflowTemplate>();

  const visitWorkflow = (wf: WorkflowTemplate) => {
    if (visiting.has(wf)) return; // a sub-workflow cycle; upstream would recurse forever
    visiting.add(wf);
    for (const node of wf.nodes) visitNode(node);
    if (wf.failureNode) visitNode(wf.failureNode);
    visiting.delete(wf);
  };

  const visitNode = (node: Node | undefined) => {
    if (!node) return;
    const t = node.target;
    if (t.case === "taskNode") {
      if (t.value.reference.case === "referenceId") add(tasks, t.value.reference.value);
    } else if (t.case === "workflowNode") {
      const ref = t.value.reference;
      if (ref.case === "launchplanRef") add(launchPlans, ref.value);
      else if (ref.case === "subWorkflowRef" && followSubWorkflows) {
        const sub = subWorkflows.get(identifierText(ref.value));
        if (!sub?.template) errs.collect(E.workflowReferenceNotFound(node.id, identifierText(ref.value)));
        else visitWorkflow(sub.template);
      }
    } else if (t.case === "branchNode") {
      const ifElse = t.value.ifElse;
      visitNode(ifElse?.case?.thenNode);
      for (const other of ifElse?.other ?? []) visitNode(other.thenNode);
      if (ifElse?.default.case === "elseNode") visitNode(ifElse.default.value);
    } else if (t.case === "arrayNode") {
      visitNode(t.value.node);
    }
  };

  visitWorkflow(workflow);
  return { taskIds: sortIds([...tasks.values()]), launchPlanIds: sortIds([...launchPlans.values()]) };
}

function add(set: Map<string, Identifier>, id: Identifier): void {
  set.set(identifierText(id), id);
}

function sortIds(ids: Identifier[]): Identifier[] {
  const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return ids.sort(
    (a, b) =>
      cmp(a.resourceType, b.resourceType) ||
      cmp(a.project, b.project) ||
      cmp(a.domain, b.domain) ||
      cmp(a.name, b.name) ||
      cmp(a.version, b.version),
  );
}
