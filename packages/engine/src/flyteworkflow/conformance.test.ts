// Conformance against upstream's FlyteWorkflow resources for the flytesnacks fixtures
// (`/work/shared/fixtures/flytesnacks/k8s/*_wf_crd.json`, written by flytepropeller v1.16.5's compiler test): each
// compiled golden (`compiled/*_wf.json`) goes through `buildFlyteWorkflow` with the inputs and execution id that
// upstream's test used, and the result must equal upstream's resource field by field.
//
// The comparison is byte for byte too (after collapsing whitespace, as upstream's own golden test does).
// Normalisations: none. Upstream's test calls only `BuildFlyteWorkflow` (no admin preparation), so the resources
// carry no timestamps (`acceptedAt` is admin's), the execution name is the fixed "name" we pass too, and map key
// order is not compared (JSON objects are compared as values; upstream's Go encoder sorts map keys, as ours does).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { fixturesDir } from "@aloft/core/testing";
import { CompiledWorkflowClosureSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { TypedInterface } from "@aloft/idl/flyteidl/core/interface_pb.js";
import {
  LiteralMapSchema,
  LiteralSchema,
  type Literal,
  type LiteralMap,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SimpleType, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { buildFlyteWorkflow, serializeFlyteWorkflow } from "./build.ts";

const dir = fixturesDir();

/** coreutils `MustMakeDefaultLiteralForType` for the types the fixtures declare, with upstream's test overrides. */
function defaultLiteral(t: LiteralType | undefined): Literal {
  const scalar = (value: JsonValue) => fromJson(LiteralSchema, { scalar: value });
  switch (t?.type.case) {
    case "simple":
      switch (t.type.value) {
        case SimpleType.INTEGER:
          return scalar({ primitive: { integer: "0" } });
        case SimpleType.FLOAT:
          return scalar({ primitive: { floatValue: 0 } });
        case SimpleType.STRING:
          return scalar({ primitive: { stringValue: "" } });
        case SimpleType.BOOLEAN:
          return scalar({ primitive: { boolean: false } });
        case SimpleType.DATETIME: // upstream's test: time.UnixMicro(10)
          return scalar({ primitive: { datetime: "1970-01-01T00:00:00.000010Z" } });
        case SimpleType.STRUCT:
          return scalar({ generic: {} });
        default:
          throw new Error(`no default literal for simple type ${t.type.value}`);
      }
    case "blob":
      return scalar({ blob: { metadata: { type: { format: t.type.value.format } }, uri: "/tmp/somepath" } });
    case "collectionType":
      return create(LiteralSchema, {
        value: { case: "collection", value: { literals: [defaultLiteral(t.type.value)] } },
      });
    case "enumType":
      return scalar({ primitive: { stringValue: t.type.value.values[0] ?? "" } });
    case "structuredDatasetType": // upstream's test: a dataset carrying only its type
      return scalar({ structuredDataset: { metadata: { structuredDatasetType: { format: t.type.value.format } } } });
    default:
      throw new Error(`no default literal for type ${t?.type.case}`);
  }
}

/** upstream's `makeDefaultInputs`. */
function defaultInputs(iface: TypedInterface | undefined): LiteralMap | undefined {
  if (!iface?.inputs) return undefined;
  const literals: Record<string, Literal> = {};
  for (const [name, v] of Object.entries(iface.inputs.variables)) literals[name] = defaultLiteral(v.type);
  return create(LiteralMapSchema, { literals });
}

function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (out.length >= 15) return;
  if (
    typeof a !== "object" ||
    typeof b !== "object" ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  ) {
    if (JSON.stringify(a) !== JSON.stringify(b))
      out.push(`${path}: ours=${JSON.stringify(a)} upstream=${JSON.stringify(b)}`);
    return;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
}

describe("FlyteWorkflow conformance (flytesnacks)", { skip: dir === undefined && "fixtures not found" }, () => {
  const crds = dir
    ? readdirSync(join(dir, "k8s"))
        .filter((f) => f.endsWith("_wf_crd.json"))
        .sort()
    : [];

  it("covers every upstream resource", () => {
    assert.equal(crds.length, 43);
  });

  for (const file of crds) {
    it(file, () => {
      const base = file.replace(/_crd\.json$/, ".json");
      const closure = fromJson(
        CompiledWorkflowClosureSchema,
        JSON.parse(readFileSync(join(dir!, "compiled", base), "utf8")) as JsonValue,
      );
      const upstream = JSON.parse(readFileSync(join(dir!, "k8s", file), "utf8")) as unknown;
      const inputs = defaultInputs(closure.primary?.template?.interface);
      const ours = buildFlyteWorkflow(
        closure,
        inputs,
        { project: "hello", domain: "domain", name: "name" },
        "namespace",
      );
      const problems: string[] = [];
      diff(JSON.parse(JSON.stringify(ours)), upstream, "$", problems);
      assert.deepEqual(problems, []);
      const text = readFileSync(join(dir!, "k8s", file), "utf8")
        .replace(/\s+/g, " ")
        .trim();
      assert.equal(serializeFlyteWorkflow(ours), text);
    });
  }
});
