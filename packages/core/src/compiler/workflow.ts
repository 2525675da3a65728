// Workflow compilation (upstream `workflow_compiler.go`): check that every reference is supplied, rebuild the node
// list around start/end nodes, validate each node and binding, derive the edges, and check the graph.
import { clone, create } from "@bufbuild/protobuf";
import {
  CompiledTaskSchema,
  CompiledWorkflowClosureSchema,
  CompiledWorkflowSchema,
  type CompiledTask,
  type CompiledWorkflow,
  type CompiledWorkflowClosure,
} from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { LaunchPlan } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import { IdentifierSchema } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { ParameterMapSchema, TypedInterfaceSchema, VariableMapSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { TaskTemplateSchema, type TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { NodeSchema, WorkflowTemplateSchema, type WorkflowTemplate } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import { addEdges, validateBindings } from "./bindings.ts";
import { CompilationError, CompileErrors, compileErrors as E, type CompileResult } from "./errors.ts";
import { validateReachable } from "./graph.ts";
import { validateInterface } from "./interface.ts";
import { validateNode } from "./node.ts";
import { identifierText } from "./proto-text.ts";
import { collectRequirements, indexSubWorkflows } from "./requirements.ts";
import {
  END_NODE_ID,
  START_NODE_ID,
  WorkflowBuilder,
  type CompileIndex,
  type LaunchPlanInterface,
} from "./workflow-builder.ts";

/** The interface of a registered launch plan, as a launch-plan node sees it. */
export function launchPlanInterfaceOf(lp: LaunchPlan): LaunchPlanInterface {
  return {
    id: lp.id ?? create(IdentifierSchema),
    expectedInputs: lp.closure?.expectedInputs ?? create(ParameterMapSchema),
    expectedOutputs: lp.closure?.expectedOutputs ?? create(VariableMapSchema),
  };
}

/**
 * Compiles `primary` against the sub-workflows, compiled tasks and launch-plan interfaces it references.
 * Inputs are not modified. Never throws: every problem found is in `errors`.
 */
export function tryCompileWorkflow(
  primary: WorkflowTemplate,
  subWorkflows: readonly WorkflowTemplate[],
  tasks: readonly CompiledTask[],
  launchPlans: readonly LaunchPlanInterface[],
): CompileResult<CompiledWorkflowClosure> {
  const errs = CompileErrors.root();
  const fail = (): CompileResult<CompiledWorkflowClosure> => ({ ok: false, errors: errs.list() });

  // Tasks: all need an id; duplicates are dropped (first wins).
  const taskIndex = new Map<string, TaskTemplate>();
  for (const task of tasks) {
    if (!task.template?.id) {
      errs.collect(E.valueRequired("task", "Template.Id"));
      return fail();
    }
    const key = identifierText(task.template.id);
    if (!taskIndex.has(key)) taskIndex.set(key, clone(TaskTemplateSchema, task.template));
  }

  const compiledSubWorkflows = subWorkflows.map((t) =>
    create(CompiledWorkflowSchema, { template: clone(WorkflowTemplateSchema, t) }),
  );
  const subIndex = indexSubWorkflows(compiledSubWorkflows, errs.newScope());
  if (!subIndex) return fail();

  const launchPlanIndex = new Map<string, LaunchPlanInterface>();
  for (const lp of launchPlans) launchPlanIndex.set(identifierText(lp.id), lp);

  const index: CompileIndex = { tasks: taskIndex, launchPlans: launchPlanIndex, subWorkflows: subIndex };
  const compiled = create(CompiledWorkflowSchema, { template: clone(WorkflowTemplateSchema, primary) });

  // Everything referenced (through sub-workflows too) must have been supplied.
  const reqErrs = errs.newScope();
  const reqs = collectRequirements(compiled.template!, subIndex, true, reqErrs);
  for (const lp of reqs.launchPlanIds) {
    if (!launchPlanIndex.has(identifierText(lp)))
      reqErrs.collect(E.workflowReferenceNotFound(START_NODE_ID, identifierText(lp)));
  }
  for (const t of reqs.taskIds) {
    if (!taskIndex.has(identifierText(t))) reqErrs.collect(E.taskReferenceNotFound(START_NODE_ID, identifierText(t)));
  }
  if (reqErrs.hasErrors()) return fail();

  const built = validateWorkflow(compiled, index, errs.newScope());
  if (!built || errs.hasErrors()) return fail();
  return {
    ok: true,
    value: create(CompiledWorkflowClosureSchema, {
      primary: built.workflow,
      tasks: [...taskIndex.values()].map((template) => create(CompiledTaskSchema, { template })),
      subWorkflows: compiledSubWorkflows,
    }),
  };
}

/** As tryCompileWorkflow, but throws a CompilationError carrying every problem found. */
export function compileWorkflow(
  primary: WorkflowTemplate,
  subWorkflows: readonly WorkflowTemplate[],
  tasks: readonly CompiledTask[],
  launchPlans: readonly LaunchPlanInterface[],
): CompiledWorkflowClosure {
  const result = tryCompileWorkflow(primary, subWorkflows, tasks, launchPlans);
  if (!result.ok) throw new CompilationError(result.errors);
  return result.value;
}

/** Validates one workflow in place (nodes rebuilt, connections written). Returns undefined on errors. */
function validateWorkflow(wf: CompiledWorkflow, index: CompileIndex, errs: CompileErrors): WorkflowBuilder | undefined {
  const template = wf.template;
  if (!template || template.nodes.length === 0) {
    errs.collect(E.noNodesFound(identifierText(template?.id)));
    return undefined;
  }
  const w = new WorkflowBuilder(wf, index, (sub, subErrs) => validateWorkflow(sub, index, subErrs));
  restrictToDirectReferences(w, template);

  const ifaceResult = validateInterface(START_NODE_ID, template.interface, errs.newScope());
  template.interface = ifaceResult.iface;
  if (!ifaceResult.ok) return undefined;

  const userNodes = template.nodes;
  template.nodes = [];

  const start = w.nodeBuilder(create(NodeSchema, { id: START_NODE_ID }));
  w.addNode(start);
  start.iface = create(TypedInterfaceSchema, { outputs: template.interface.inputs });
  const end = w.nodeBuilder(create(NodeSchema, { id: END_NODE_ID }));
  w.addNode(end);
  end.iface = create(TypedInterfaceSchema, { inputs: template.interface.outputs });
  end.node.inputs = template.outputs; // the same bindings: promise rewrites show in both places

  // Top-level nodes (not branch children) must all run before the end node.
  const topLevel = new Set<string>();
  for (const node of userNodes) {
    topLevel.add(node.id);
    const nb = w.nodeBuilder(node);
    w.addNode(nb);
    validateNode(w, nb, false, errs.newScope());
  }

  for (const [id, nb] of w.nodes) {
    if (id !== START_NODE_ID) addEdges(w, nb, "bidirectional", errs.newScope());
  }

  if (template.failureNode) {
    // The failure node depends on its inputs but is nobody's dependency.
    const fb = w.nodeBuilder(template.failureNode);
    validateNode(w, fb, false, errs.newScope());
    addEdges(w, fb, "upstream", errs.newScope());
  }

  for (const id of w.nodes.keys()) {
    if (id === START_NODE_ID || id === END_NODE_ID || !topLevel.has(id)) continue;
    if (!w.upstream.has(id)) w.addExecutionEdge(START_NODE_ID, id);
    if (!w.downstream.has(id)) w.addExecutionEdge(id, END_NODE_ID);
  }

  // Workflow outputs are the end node's bindings.
  const endIface = validateInterface(END_NODE_ID, end.iface, errs.newScope());
  if (endIface.ok) {
    validateBindings(w, end, end.node.inputs, endIface.iface.inputs, true, "bidirectional", errs.newScope());
  }

  validateReachable(w.nodes.keys(), w.downstream, errs.newScope());
  w.writeConnections();
  return errs.hasErrors() ? undefined : w;
}

/** A workflow sees only the tasks and launch plans its own nodes reference (sub-workflows get theirs). */
function restrictToDirectReferences(w: WorkflowBuilder, template: WorkflowTemplate): void {
  const reqs = collectRequirements(template, w.index.subWorkflows, false, CompileErrors.root());
  for (const id of reqs.launchPlanIds) {
    const lp = w.index.launchPlans.get(identifierText(id));
    if (lp) w.launchPlans.set(identifierText(id), lp);
  }
  for (const id of reqs.taskIds) {
    const task = w.index.tasks.get(identifierText(id));
    if (task) w.tasks.set(identifierText(id), task);
  }
}
