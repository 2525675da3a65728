// Test support: small compiled workflows built with the compiler's own test builders.
import type { Literal, LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { builders as b } from "@aloft/core/testing";
import { harness } from "@aloft/core/testing";

export { b };

export const intLit = (n: number | bigint): Literal => b.literalOf({ case: "integer", value: BigInt(n) });
export const strLit = (s: string): Literal => b.literalOf({ case: "stringValue", value: s });
export const intOf = (l: Literal | undefined): bigint => {
  if (
    l?.value.case === "scalar" &&
    l.value.value.value.case === "primitive" &&
    l.value.value.value.value.value.case === "integer"
  ) {
    return l.value.value.value.value.value.value;
  }
  throw new Error("not an integer literal");
};

/** Task `inc`: a:int → o:int; `add`: a,b → o. */
const incTask = b.task("inc", { a: b.INT }, { o: b.INT });
export const addTask = b.task("add", { a: b.INT, b: b.INT }, { o: b.INT });
const noopTask = b.task("noop", {}, {});
export const TASKS = [incTask, addTask, noopTask];
export const compiler = harness(TASKS);

/** Workflow `chain`: `n` inc tasks n0 → n1 → … (x → y = x + n). */
export const incChain = (n: number) =>
  compiler.ok(
    b.workflow(
      "chain",
      Array.from({ length: n }, (_, i) =>
        b.taskNode(`n${i}`, "inc", [b.bind("a", i === 0 ? b.promise("start-node", "x") : b.promise(`n${i - 1}`, "o"))]),
      ),
      { x: b.INT },
      { y: b.INT },
      [b.bind("y", b.promise(`n${n - 1}`, "o"))],
    ),
  );

export const incOutputs = (inputs: LiteralMap) => ({ o: intLit(intOf(inputs.literals["a"]) + 1n) });
export const addOutputs = (inputs: LiteralMap) => ({
  o: intLit(intOf(inputs.literals["a"]) + intOf(inputs.literals["b"])),
});
