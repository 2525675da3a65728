import { test } from "node:test";
import assert from "node:assert/strict";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { LiteralMapSchema, LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { AloftError } from "@aloft/core";
import { perRetryUniqueKey, renderLiteral, renderTemplates, type TemplateParams } from "./template.ts";
import { goDuration, goFloat, goTimestamp, parseGoDuration } from "./go-format.ts";

function params(
  over: Partial<TemplateParams> = {},
): TemplateParams & { taskTemplateCalls: number; inputReads: number } {
  const p = {
    inputsUri: "file:///d/n0/data/inputs.pb",
    inputPrefix: "file:///d/n0/data",
    outputPrefix: "file:///d/n0/data/0",
    rawOutputPrefix: "file:///raw/ab/exec-n0-0",
    checkpointPrefix: "file:///raw/ab/exec-n0-0/_flytecheckpoints",
    previousCheckpointPrefix: "",
    generatedName: "0exec-n0-0",
    namespace: "proj-dev",
    taskTemplateCalls: 0,
    inputReads: 0,
    async taskTemplatePath() {
      p.taskTemplateCalls++;
      return "file:///d/n0/data/task.pb";
    },
    async inputs() {
      p.inputReads++;
      return create(LiteralMapSchema, {
        literals: {
          n: lit({ case: "primitive", value: { value: { case: "integer", value: 42n } } }),
          s: lit({ case: "primitive", value: { value: { case: "stringValue", value: "a $& b" } } }),
          f: lit({ case: "primitive", value: { value: { case: "floatValue", value: 2.5 } } }),
          Big: lit({ case: "primitive", value: { value: { case: "floatValue", value: 1e6 } } }),
        },
      });
    },
    ...over,
  };
  return p;
}

function lit(scalar: unknown) {
  return create(LiteralSchema, { value: { case: "scalar", value: { value: scalar } } } as MessageInitShape<
    typeof LiteralSchema
  >);
}

test("every path variable, in both forms and any case", async () => {
  const p = params();
  const out = await renderTemplates(
    [
      "{{.input}}",
      "{{ .Input }}",
      "{{$input}}",
      "{{.inputPrefix}}",
      "{{ .OUTPUTPREFIX }}",
      "{{.rawOutputDataPrefix}}",
      "{{.checkpointOutputPrefix}}",
      "{{.prevCheckpointPrefix}}",
      "{{.perRetryUniqueKey}}",
      "{{.namespace}}",
      "--out={{ $outputPrefix }}/x",
      "{{.unknown}}",
    ],
    p,
  );
  assert.deepEqual(out, [
    "file:///d/n0/data/inputs.pb",
    "file:///d/n0/data/inputs.pb",
    "file:///d/n0/data/inputs.pb",
    "file:///d/n0/data",
    "file:///d/n0/data/0",
    "file:///raw/ab/exec-n0-0",
    "file:///raw/ab/exec-n0-0/_flytecheckpoints",
    '""',
    "aexec_n0_0",
    "proj-dev",
    "--out=file:///d/n0/data/0/x",
    "{{.unknown}}",
  ]);
  assert.equal(p.taskTemplateCalls, 0, "task.pb is only written when asked for");
  assert.equal(p.inputReads, 0, "inputs are only read when asked for");
});

test("previous checkpoint when there is one; task template path written lazily, once per use", async () => {
  const p = params({ previousCheckpointPrefix: "file:///raw/cd/exec-n0-0/_flytecheckpoints" });
  const out = await renderTemplates(
    ["{{.PrevCheckpointPrefix}}", "{{.taskTemplatePath}}", "{{ $TaskTemplatePath }}"],
    p,
  );
  assert.deepEqual(out, [
    "file:///raw/cd/exec-n0-0/_flytecheckpoints",
    "file:///d/n0/data/task.pb",
    "file:///d/n0/data/task.pb",
  ]);
  assert.ok(p.taskTemplateCalls >= 1);
});

test("{{.Inputs.x}} renders literal values Go's way; names are case-sensitive, the keyword is not", async () => {
  const p = params();
  const out = await renderTemplates(["{{.Inputs.n}}", "x={{ .inputs.s }}", "{{$Inputs.f}}", "{{.Inputs.Big}}"], p);
  assert.deepEqual(out, ["42", "x=a $& b", "2.5", "1e+06"]);
  assert.equal(p.inputReads, 1, "inputs read once for all arguments");
  await assert.rejects(renderTemplates(["{{.Inputs.missing}}"], params()), (e: unknown) => {
    assert.ok(e instanceof AloftError);
    assert.match(e.message, /requested input is not found \[missing\]/);
    return true;
  });
  await assert.rejects(renderTemplates(["{{.Inputs.N}}"], params()), /not found \[N\]/);
});

test("without inputs, {{.Inputs.x}} is left as written (upstream)", async () => {
  const out = await renderTemplates(["{{.Inputs.x}}"], params({ inputs: async () => undefined }));
  assert.deepEqual(out, ["{{.Inputs.x}}"]);
});

test("literal rendering: collections, blobs, datetimes, durations, booleans; maps are an error", () => {
  const blob = lit({ case: "blob", value: { uri: "file:///tmp/b.csv" } });
  const coll = create(LiteralSchema, {
    value: {
      case: "collection",
      value: {
        literals: [
          lit({ case: "primitive", value: { value: { case: "integer", value: 1n } } }),
          lit({ case: "primitive", value: { value: { case: "boolean", value: true } } }),
        ],
      },
    },
  });
  assert.equal(renderLiteral(blob), "file:///tmp/b.csv");
  assert.equal(renderLiteral(coll), "[1,true]");
  const dt = lit({
    case: "primitive",
    value: { value: { case: "datetime", value: { seconds: 1700000000n, nanos: 500000000 } } },
  });
  assert.equal(renderLiteral(dt), "2023-11-14T22:13:20.5Z");
  const dur = lit({ case: "primitive", value: { value: { case: "duration", value: { seconds: 3723n, nanos: 0 } } } });
  assert.equal(renderLiteral(dur), "1h2m3s");
  const map = create(LiteralSchema, { value: { case: "map", value: { literals: {} } } });
  assert.throws(() => renderLiteral(map), /unexpected literal type/);
});

test("Go formats", () => {
  assert.deepEqual([1, 2.5, 1e6, 123456, 1234567, 0.0001, 0.00001, -0, 1e21, 1.5e-7, NaN, -Infinity].map(goFloat), [
    "1",
    "2.5",
    "1e+06",
    "123456",
    "1.234567e+06",
    "0.0001",
    "1e-05",
    "-0",
    "1e+21",
    "1.5e-07",
    "NaN",
    "-Inf",
  ]);
  assert.deepEqual(
    [0n, 5n, 1500n, 1_500_000n, 1_000_000_000n, 61_500_000_000n, 7_384_000_000_000n, -2_000_000_000n].map(goDuration),
    ["0s", "5ns", "1.5µs", "1.5ms", "1s", "1m1.5s", "2h3m4s", "-2s"],
  );
  assert.equal(goTimestamp(0n, 0), "1970-01-01T00:00:00Z");
  assert.equal(goTimestamp(0n, 120), "1970-01-01T00:00:00.00000012Z");
  assert.equal(parseGoDuration("2h45m"), 9_900_000_000_000n);
  assert.equal(parseGoDuration("-1.5h"), -5_400_000_000_000n);
  assert.equal(parseGoDuration("300ms"), 300_000_000n);
  assert.equal(parseGoDuration("3"), undefined);
  assert.equal(perRetryUniqueKey("12-ab.c"), "aab_c"); // the leading non-letters "12-" become one "a"
});

test("msgpack binaries render as Go's %v of the decoded value", () => {
  const bin = (bytes: number[], tag = "msgpack") =>
    lit({ case: "binary", value: { value: new Uint8Array(bytes), tag } });
  // {"b": [1, -1, "x"], "a": 2.5, "c": nil, "d": true}  (keys sorted on print)
  const doc = [
    0x84, 0xa1, 0x62, 0x93, 0x01, 0xff, 0xa1, 0x78, 0xa1, 0x61, 0xcb, 0x40, 0x04, 0, 0, 0, 0, 0, 0, 0xa1, 0x63, 0xc0,
    0xa1, 0x64, 0xc3,
  ];
  assert.equal(renderLiteral(bin(doc)), "map[a:2.5 b:[1 -1 x] c:<nil> d:true]");
  assert.equal(renderLiteral(bin([0xcb, 0x41, 0x2e, 0x84, 0x80, 0, 0, 0, 0])), "1e+06", "a float64 prints as a float");
  assert.equal(renderLiteral(bin([0xce, 0x00, 0x0f, 0x42, 0x40])), "1000000", "an integer prints as an integer");
  assert.equal(renderLiteral(bin([0xca, 0x3d, 0xcc, 0xcc, 0xcd])), "0.1", "float32 shortest digits");
  assert.throws(() => renderLiteral(bin([0x01], "pickle")), /unsupported binary tag \[pickle\]/);
  assert.throws(() => renderLiteral(bin([0x92, 0x01])), /truncated/);
});
