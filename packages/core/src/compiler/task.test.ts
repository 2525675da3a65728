import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clone, create, equals } from "@bufbuild/protobuf";
import { CompiledTaskSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import {
  K8sPodSchema,
  Resources_ResourceName,
  ResourcesSchema,
  TaskTemplateSchema,
  type TaskTemplate,
} from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { CompilationError, type CompileError } from "./errors.ts";
import { isValidQuantity } from "./quantity.ts";
import { compileTask, tryCompileTask } from "./task.ts";
import { INT, task } from "./testing/builders.ts";

const base = (): TaskTemplate => clone(TaskTemplateSchema, task("t", { a: INT }, { o: INT }).template!);
const errorsOf = (t: TaskTemplate): CompileError[] => {
  const r = tryCompileTask(t);
  return r.ok ? [] : r.errors;
};
const describeErrors = (errs: CompileError[]) => errs.map((e) => `${e.code}|${e.nodeId}|${e.description}`);

describe("compileTask", () => {
  it("wraps a valid template unchanged", () => {
    const t = base();
    const compiled = compileTask(t);
    assert.ok(equals(CompiledTaskSchema, compiled, create(CompiledTaskSchema, { template: t })));
    assert.notEqual(compiled.template, t, "the input is not shared");
  });

  it("requires an id", () => {
    const t = base();
    t.id = undefined;
    assert.deepEqual(describeErrors(errorsOf(t)), ["ValueRequired|root|Value required [Id]."]);
  });

  it("requires an image", () => {
    const t = base();
    if (t.target.case === "container") t.target.value.image = "";
    assert.deepEqual(describeErrors(errorsOf(t)), ["ValueRequired|container|Value required [image]."]);
  });

  it("requires command or args when the interface has inputs or outputs", () => {
    const t = base();
    if (t.target.case === "container") t.target.value.args = [];
    assert.deepEqual(describeErrors(errorsOf(t)), ["ValueRequired|container|Value required [command]."]);
    t.interface = undefined;
    assert.deepEqual(errorsOf(t), []);
  });

  it("reports every unparseable resource quantity", () => {
    const t = base();
    if (t.target.case === "container") {
      t.target.value.resources = create(ResourcesSchema, {
        requests: [{ name: Resources_ResourceName.CPU, value: "1x" }],
        limits: [
          { name: Resources_ResourceName.MEMORY, value: "lots" },
          { name: Resources_ResourceName.GPU, value: "1" },
        ],
      });
    }
    assert.deepEqual(describeErrors(errorsOf(t)), [
      "UnrecognizedValue|resources.CPU|Unrecognized value [1x].",
      "UnrecognizedValue|resources.MEMORY|Unrecognized value [lots].",
    ]);
  });

  it("checks pod specs and container names", () => {
    const t = base();
    t.target = {
      case: "k8sPod",
      value: create(K8sPodSchema, { podSpec: { containers: [{ name: "Main_Container" }, { name: "ok" }] } }),
    };
    assert.deepEqual(describeErrors(errorsOf(t)), ["InvalidValue|root|Invalid value [k8s pod spec container name]."]);
    t.target = { case: "k8sPod", value: create(K8sPodSchema, { podSpec: { containers: "nope" } }) };
    assert.deepEqual(describeErrors(errorsOf(t)), ["InvalidValue|root|Invalid value [k8s pod spec]."]);
  });

  it("throws a CompilationError listing every problem", () => {
    const t = base();
    t.id = undefined;
    if (t.target.case === "container") t.target.value.image = "";
    assert.throws(
      () => compileTask(t),
      (e: unknown) => e instanceof CompilationError && e.errors.length === 2,
    );
  });
});

describe("k8s quantities", () => {
  for (const q of ["1", "100m", "1.5", "2Gi", "500Mi", "1e3", "1E-3", "+1", "0.5Ki", ".5"]) {
    it(`${q} parses`, () => assert.equal(isValidQuantity(q), true));
  }
  for (const q of ["", "1x", "Gi", "1.2.3", "1 Gi", "abc", "1ee3"]) {
    it(`${JSON.stringify(q)} does not parse`, () => assert.equal(isValidQuantity(q), false));
  }
});
