// Test support: compile a workflow against a fixed task set and render the outcome compactly.
import assert from "node:assert/strict";
import type { CompiledTask, CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { WorkflowTemplate } from "@aloft/idl/flyteidl/core/workflow_pb.js";
import type { CompileError } from "../errors.ts";
import { tryCompileWorkflow } from "../workflow.ts";
import type { LaunchPlanInterface } from "../workflow-builder.ts";

export type CompileOptions = { subs?: WorkflowTemplate[]; lps?: LaunchPlanInterface[] };

export const renderError = (e: CompileError) => `${e.code}|${e.nodeId}|${e.description}`;

export function harness(tasks: CompiledTask[]) {
  const compile = (wf: WorkflowTemplate, o: CompileOptions = {}) =>
    tryCompileWorkflow(wf, o.subs ?? [], tasks, o.lps ?? []);
  return {
    compile,
    /** Compiles and asserts success. */
    ok(wf: WorkflowTemplate, o: CompileOptions = {}): CompiledWorkflowClosure {
      const r = compile(wf, o);
      assert.ok(r.ok, r.ok ? "" : r.errors.map(renderError).join("\n"));
      return r.value;
    },
    /** Compiles, asserts failure, and returns `code|nodeId|description` for each error. */
    errors(wf: WorkflowTemplate, o: CompileOptions = {}): string[] {
      const r = compile(wf, o);
      assert.equal(r.ok, false, "expected compilation to fail");
      return r.ok ? [] : r.errors.map(renderError);
    },
  };
}

/** A closure's primary connections as plain `{node: ids}` objects. */
export function connections(c: CompiledWorkflowClosure, dir: "upstream" | "downstream"): Record<string, string[]> {
  return Object.fromEntries(Object.entries(c.primary?.connections?.[dir] ?? {}).map(([k, v]) => [k, v.ids]));
}
