import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { AloftError, Code } from "../errors.ts";
import {
  CompilationError,
  CompileErrors,
  compileErrors as E,
  compileErrorsToAloftError,
  formatCompileError,
  formatCompileErrors,
} from "./errors.ts";

describe("CompileErrors", () => {
  it("child scopes report to their parents; a sibling scope stays clean", () => {
    const root = CompileErrors.root();
    const a = root.newScope();
    const b = root.newScope();
    const a1 = a.newScope();
    a1.collect(E.valueRequired("n1", "x"));
    assert.equal(a1.hasErrors(), true);
    assert.equal(a.hasErrors(), true);
    assert.equal(root.hasErrors(), true);
    assert.equal(b.hasErrors(), false);
  });

  it("is a set: the same error collected twice is listed once", () => {
    const root = CompileErrors.root();
    root.newScope().collect(E.parameterNotBound("n1", "a"));
    root.newScope().collect(E.parameterNotBound("n1", "a"));
    assert.equal(root.list().length, 1);
  });

  it("lists by code, then by rendered text", () => {
    const root = CompileErrors.root();
    root.collect(E.parameterNotBound("n2", "b"), E.cycleDetected("start-node", "x"), E.parameterNotBound("n1", "a"));
    assert.deepEqual(
      root.list().map((e) => `${e.code}/${e.nodeId}`),
      ["CycleDetected/start-node", "ParameterNotBound/n1", "ParameterNotBound/n2"],
    );
  });
});

describe("rendering", () => {
  it("formats one error as upstream does", () => {
    assert.equal(
      formatCompileError(E.variableNameNotFound("n0", "n0", "x")),
      "Code: VariableNameNotFound, Node Id: n0, Description: Variable [x] not found on node [n0].",
    );
  });

  it("formats the collection with a header and tab-indented lines", () => {
    const text = formatCompileErrors([E.noNodesFound("wf"), E.valueRequired("n", "p")]);
    assert.equal(
      text,
      "Collected Errors: 2\n" +
        "\tError 0: Code: NoNodesFound, Node Id: wf, Description: Can't find any nodes in workflow [wf].\n" +
        "\tError 1: Code: ValueRequired, Node Id: n, Description: Value required [p].\n",
    );
  });

  it("keeps upstream's exact wording of the trickier messages", () => {
    assert.equal(
      E.mismatchingVariables("n1", "a.o0", "simple:INTEGER", "b.x", "simple:STRING").description,
      "The output variable 'a.o0' has type [simple:INTEGER], but it's assigned to the input variable 'b.x' which has type type [simple:STRING].",
    );
    assert.equal(
      E.illegalEnumValue("n1", "color", "pink", ["red", "green"]).description,
      "Input [color] on node [n1] is an Enum and expects value to be one of [[red green]].  Received [pink]",
    );
  });
});

describe("API edge", () => {
  it("turns the list into INVALID_ARGUMENT carrying every error", () => {
    const errors = [E.noNodesFound("wf"), E.parameterNotBound("n1", "a")];
    const e = compileErrorsToAloftError(errors, "failed to compile workflow for [wf] with err: ");
    assert.ok(e instanceof AloftError);
    assert.equal(e.code, Code.INVALID_ARGUMENT);
    assert.equal(e.id, "compiler.compilation_failed");
    assert.match(e.message, /^failed to compile workflow for \[wf\] with err: Collected Errors: 2\n/);
    assert.match(e.message, /Parameter not bound \[a\]/);
  });

  it("CompilationError carries the typed list", () => {
    const e = new CompilationError([E.noNodesFound("wf")]);
    assert.equal(e.errors[0]?.code, "NoNodesFound");
    assert.match(e.message, /Collected Errors: 1/);
  });
});
