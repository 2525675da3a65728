// The Kubernetes and Go encodings the resource carries, against values upstream's libraries produce.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { create, equals } from "@bufbuild/protobuf";
import { SecurityContextSchema } from "@aloft/idl/flyteidl/core/security_pb.js";
import { K8sPodSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { fromGoJson, goCamelCase, toGoJson } from "./go-json.ts";
import {
  canonicalQuantity,
  fnv1a32,
  goDuration,
  metav1Time,
  parseGoDuration,
  sanitizeLabelValue,
} from "./k8s-values.ts";

describe("resource quantities (apimachinery Quantity.String)", () => {
  const cases: [string, string][] = [
    ["500Mi", "500Mi"],
    ["1024Mi", "1Gi"],
    ["1536Mi", "1536Mi"],
    ["0.5", "500m"],
    ["1500", "1500"],
    ["2000", "2k"],
    ["1.5Gi", "1536Mi"],
    ["0.5Ki", "512"],
    ["100m", "100m"],
    ["1e3", "1e3"],
    ["1.5e3", "1500"],
    ["0.0000000001", "1n"],
    ["0", "0"],
    ["0Gi", "0"],
    ["-2", "-2"],
    ["12.0", "12"],
  ];
  for (const [input, want] of cases) it(`${input} → ${want}`, () => assert.equal(canonicalQuantity(input), want));
  it("rejects what ParseQuantity rejects", () => {
    for (const bad of ["", "abc", "1Zi", "1.2.3", "1 Gi"]) assert.throws(() => canonicalQuantity(bad), /quantit/);
  });
});

describe("Go durations (metav1.Duration)", () => {
  const cases: [bigint, string][] = [
    [0n, "0s"],
    [1_200_000_000_000n, "20m0s"],
    [2_400_000_000_000n, "40m0s"],
    [3_600_000_000_000n, "1h0m0s"],
    [1_500_000_000n, "1.5s"],
    [90_500_000_000n, "1m30.5s"],
    [500_000_000n, "500ms"],
    [1_500n, "1.5µs"],
    [7n, "7ns"],
    [-60_000_000_000n, "-1m0s"],
  ];
  for (const [nanos, text] of cases) {
    it(`${nanos}ns ↔ ${text}`, () => {
      assert.equal(goDuration(nanos), text);
      assert.equal(parseGoDuration(text), nanos);
    });
  }
  it("parses the usual hand-written forms and rejects garbage", () => {
    assert.equal(parseGoDuration("1h30m"), 5_400_000_000_000n);
    assert.equal(parseGoDuration("250us"), 250_000n);
    assert.throws(() => parseGoDuration("ten minutes"), /invalid duration/);
  });
});

describe("labels, names and times", () => {
  it('shard key: FNV-1a 32 of the execution name, as upstream\'s fixtures ("name" → 6)', () => {
    assert.equal(fnv1a32("name") % 32, 6);
    assert.equal(fnv1a32(""), 0x811c9dc5);
  });
  it("workflow-name label: DNS-1123 sanitised, 63 at most", () => {
    assert.equal(
      sanitizeLabelValue("core.control_flow.map_task.my_map_workflow"),
      "core-control-flow-map-task-my-map-workflow",
    );
    assert.equal(sanitizeLabelValue("__My..Workflow__"), "my-workflow");
    assert.equal(sanitizeLabelValue("a".repeat(70)).length, 63);
  });
  it("metav1.Time: RFC 3339, UTC, whole seconds", () => {
    assert.equal(metav1Time(Date.UTC(2026, 11, 4, 20, 1, 2, 999)), "2026-12-04T20:01:02Z");
  });
  it("Go identifiers of proto names (protogen GoCamelCase)", () => {
    assert.equal(goCamelCase("k8s_service_account"), "K8SServiceAccount");
    assert.equal(goCamelCase("bool_value"), "BoolValue");
    assert.equal(goCamelCase("kind"), "Kind");
    assert.equal(goCamelCase("_x"), "XX");
  });
});

describe("Go JSON of protobuf-go structs", () => {
  it("writes proto field names with omitempty and reads them back", () => {
    const sc = create(SecurityContextSchema, {
      runAs: { k8sServiceAccount: "sa", executionIdentity: "me" },
      secrets: [{ group: "g", key: "k", mountRequirement: 2 }],
    });
    const json = toGoJson(SecurityContextSchema, sc);
    assert.deepEqual(json, {
      run_as: { k8s_service_account: "sa", execution_identity: "me" },
      secrets: [{ group: "g", key: "k", mount_requirement: 2 }],
    });
    assert.ok(equals(SecurityContextSchema, fromGoJson(SecurityContextSchema, json), sc));
  });
  it("writes a oneof as its Go wrapper struct, null when unset", () => {
    const pod = create(K8sPodSchema, { podSpec: { n: 1.5, s: "x", l: [true, null], o: {} } });
    const json = toGoJson(K8sPodSchema, pod);
    assert.deepEqual(json, {
      pod_spec: {
        fields: {
          l: { Kind: { ListValue: { values: [{ Kind: { BoolValue: true } }, { Kind: { NullValue: 0 } }] } } },
          n: { Kind: { NumberValue: 1.5 } },
          o: { Kind: { StructValue: {} } },
          s: { Kind: { StringValue: "x" } },
        },
      },
    });
    assert.ok(equals(K8sPodSchema, fromGoJson(K8sPodSchema, json), pod));
    assert.throws(() => fromGoJson(K8sPodSchema, { nope: 1 }), /unknown field nope/);
  });
});
