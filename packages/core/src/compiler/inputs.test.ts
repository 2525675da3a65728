import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema, LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { validateLaunchInputs } from "./inputs.ts";
import { INT, STR, iface, literalOf, unionOf, NONE } from "./testing/builders.ts";

const inputs = (literals: Record<string, Literal>) => create(LiteralMapSchema, { literals });
const i = (n: number) => literalOf({ case: "integer", value: BigInt(n) });
const render = (list: ReturnType<typeof validateLaunchInputs>) =>
  list.map((e) => `${e.code}|${e.nodeId}|${e.description}`);

describe("validateLaunchInputs", () => {
  const wfIface = iface({ a: INT, b: STR }, {});

  it("accepts complete, well-typed inputs", () => {
    assert.deepEqual(
      validateLaunchInputs(wfIface, inputs({ a: i(1), b: literalOf({ case: "stringValue", value: "x" }) })),
      [],
    );
  });

  it("requires every declared input, even optional ones (defaults are merged before)", () => {
    const optional = iface({ a: unionOf(INT, NONE) }, {});
    assert.deepEqual(render(validateLaunchInputs(optional, inputs({}))), [
      "ParameterNotBound|start-node|Parameter not bound [a].",
    ]);
  });

  it("reports unknown inputs, wrong types and missing inputs together", () => {
    const errs = render(
      validateLaunchInputs(wfIface, inputs({ a: literalOf({ case: "stringValue", value: "x" }), zzz: i(1) })),
    );
    assert.deepEqual(errs, [
      "MismatchingTypes|start-node|Variable [a] (type [simple:INTEGER]) doesn't match expected type [simple:STRING].",
      "ParameterNotBound|start-node|Parameter not bound [a].",
      "ParameterNotBound|start-node|Parameter not bound [b].",
      "VariableNameNotFound|start-node|Variable [zzz] not found on node [].",
    ]);
  });

  it("InvalidLiteralType for a value whose type cannot be known", () => {
    const unknown = create(LiteralSchema, { value: { case: "scalar", value: { value: { case: "blob", value: {} } } } });
    const errs = validateLaunchInputs(iface({ a: INT }, {}), inputs({ a: unknown }));
    assert.deepEqual(errs.map((e) => e.code).sort(), ["InvalidLiteralType", "ParameterNotBound"]);
  });

  it("ValueRequired when inputs are missing altogether", () => {
    assert.deepEqual(render(validateLaunchInputs(wfIface, undefined)), ["ValueRequired|root|Value required [inputs]."]);
    assert.deepEqual(validateLaunchInputs(iface({}, {}), undefined), []);
  });
});
