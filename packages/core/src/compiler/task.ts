// Task compilation (upstream `task_compiler.go`): a handful of structural checks, then the template is wrapped.
import { clone, create, type JsonValue } from "@bufbuild/protobuf";
import { CompiledTaskSchema, type CompiledTask } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import {
  Resources_ResourceName,
  TaskTemplateSchema,
  type Resources_ResourceEntry,
  type TaskTemplate,
} from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { CompilationError, CompileErrors, compileErrors as E, type CompileResult } from "./errors.ts";
import { isDns1123Label, isValidQuantity } from "./quantity.ts";

/** Validates a task template; never throws. The input is not modified. */
export function tryCompileTask(template: TaskTemplate): CompileResult<CompiledTask> {
  const errs = CompileErrors.root();
  const task = clone(TaskTemplateSchema, template);
  validateTask(task, errs.newScope());
  if (errs.hasErrors()) return { ok: false, errors: errs.list() };
  return { ok: true, value: create(CompiledTaskSchema, { template: task }) };
}

/** Validates a task template; throws a CompilationError carrying every problem found. */
export function compileTask(template: TaskTemplate): CompiledTask {
  const result = tryCompileTask(template);
  if (!result.ok) throw new CompilationError(result.errors);
  return result.value;
}

function validateTask(task: TaskTemplate, errs: CompileErrors): void {
  if (task.id === undefined) errs.collect(E.valueRequired("root", "Id"));
  switch (task.target.case) {
    case "container":
      validateContainer(task, errs.newScope());
      break;
    case "k8sPod":
      validateK8sPod(task, errs.newScope());
      break;
    default:
      break;
  }
}

function validateContainer(task: TaskTemplate, errs: CompileErrors): void {
  if (task.target.case !== "container") return;
  const container = task.target.value;
  const inputs = Object.keys(task.interface?.inputs?.variables ?? {}).length;
  const outputs = Object.keys(task.interface?.outputs?.variables ?? {}).length;
  // With inputs or outputs the container must be told where they are: command and args cannot both be empty.
  if (task.interface && inputs + outputs > 0 && container.command.length === 0 && container.args.length === 0) {
    errs.collect(E.valueRequired("container", "command"));
  }
  if (container.image === "") errs.collect(E.valueRequired("container", "image"));
  if (container.resources) {
    validateResourceEntries(container.resources.requests, errs.newScope());
    validateResourceEntries(container.resources.limits, errs.newScope());
  }
}

function validateResourceEntries(entries: readonly Resources_ResourceEntry[], errs: CompileErrors): void {
  for (const entry of entries) {
    if (!isValidQuantity(entry.value)) {
      const name = Resources_ResourceName[entry.name] ?? String(entry.name);
      errs.collect(E.unrecognizedValue(`resources.${name}`, entry.value));
    }
  }
}

function validateK8sPod(task: TaskTemplate, errs: CompileErrors): void {
  if (task.target.case !== "k8sPod") return;
  const podSpec = task.target.value.podSpec;
  const spec: JsonValue | undefined = podSpec;
  const containers = isObject(spec) ? spec["containers"] : undefined;
  if (!isObject(spec) || (containers !== undefined && containers !== null && !Array.isArray(containers))) {
    errs.collect(E.invalidValue("root", "k8s pod spec"));
    return;
  }
  for (const c of Array.isArray(containers) ? containers : []) {
    if (!isObject(c) || (c["name"] !== undefined && typeof c["name"] !== "string")) {
      errs.collect(E.invalidValue("root", "k8s pod spec"));
      return;
    }
  }
  for (const c of Array.isArray(containers) ? containers : []) {
    const name = isObject(c) && typeof c["name"] === "string" ? c["name"] : "";
    if (!isDns1123Label(name)) errs.collect(E.invalidValue("root", "k8s pod spec container name"));
  }
}

function isObject(v: JsonValue | undefined): v is { [k: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
