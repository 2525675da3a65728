// Raw containers (data_config): copilot's download and upload done in-process around a real process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { LiteralMapSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { type TaskTemplateSchema, DataLoadingConfig_LiteralMapFormat } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { SimpleType, BlobType_BlobDimensionality } from "@aloft/idl/flyteidl/core/types_pb.js";
import { ErrorDocumentSchema, ContainerError_Kind } from "@aloft/idl/flyteidl/core/errors_pb.js";
import { drive, isTerminal, sandbox } from "./testing.ts";
import { literalForSimpleType } from "./copilot-upload.ts";
import { formatFloatF, toYaml } from "./copilot-download.ts";
import { rewriteDataPaths } from "./task-spec.ts";

const simple = (t: SimpleType) => ({ type: { type: { case: "simple" as const, value: t } } });
const blobVar = {
  type: { type: { case: "blob" as const, value: { format: "", dimensionality: BlobType_BlobDimensionality.SINGLE } } },
};
const prim = (value: unknown) => ({
  value: { case: "scalar", value: { value: { case: "primitive", value: { value } } } },
});

function rawTemplate(
  script: string,
  format = DataLoadingConfig_LiteralMapFormat.JSON,
): MessageInitShape<typeof TaskTemplateSchema> {
  return {
    type: "raw-container",
    interface: {
      inputs: {
        variables: {
          a: simple(SimpleType.FLOAT),
          n: simple(SimpleType.INTEGER),
          f: blobVar,
          words: { type: { type: { case: "collectionType", value: simple(SimpleType.STRING).type } } },
        },
      },
      outputs: {
        variables: {
          area: simple(SimpleType.FLOAT),
          metadata: simple(SimpleType.STRING),
          out: blobVar,
          ok: simple(SimpleType.BOOLEAN),
        },
      },
    },
    target: {
      case: "container",
      value: {
        image: "ghcr.io/flyteorg/rawcontainers-shell:v1",
        command: ["sh", "-c", script],
        dataConfig: { enabled: true, inputPath: "/var/inputs", outputPath: "/var/outputs", format },
      },
    },
  } as MessageInitShape<typeof TaskTemplateSchema>;
}

async function inputsFor(sb: Awaited<ReturnType<typeof sandbox>>) {
  await sb.store.put("data/f.txt", "blob-content");
  return {
    literals: {
      a: prim({ case: "floatValue", value: 1.5 }),
      n: prim({ case: "integer", value: 9007199254740993n }),
      f: {
        value: {
          case: "scalar",
          value: {
            value: {
              case: "blob",
              value: {
                uri: sb.store.uri("data/f.txt"),
                metadata: { type: { dimensionality: BlobType_BlobDimensionality.SINGLE } },
              },
            },
          },
        },
      },
      words: {
        value: {
          case: "collection",
          value: { literals: [prim({ case: "stringValue", value: "x" }), prim({ case: "stringValue", value: "y" })] },
        },
      },
    },
  } as MessageInitShape<typeof LiteralMapSchema>;
}

function value(l: Literal | undefined): unknown {
  if (l?.value.case !== "scalar") return undefined;
  const s = l.value.value.value;
  if (s.case === "primitive") return s.value.value.value;
  if (s.case === "blob") return s.value.uri;
  return undefined;
}

test("raw container round trip: inputs as files, outputs read back into outputs.pb (blob to the raw prefix)", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const script = [
    "set -e",
    "a=$(cat /var/inputs/a)",
    'test "$(cat /var/inputs/n)" = 9007199254740993',
    'test "$(cat /var/inputs/words/1)" = y',
    "cp /var/inputs/inputs.json /var/outputs/../inputs-copy.json",
    'echo "$a" > /var/outputs/area',
    'printf "  meta data\\n" > /var/outputs/metadata',
    "cp /var/inputs/f /var/outputs/out",
    "echo True > /var/outputs/ok.txt",
  ].join("\n");
  const ctx = await sb.context({ template: rawTemplate(script), inputs: await inputsFor(sb) });
  const done = await drive(sb.plugin(), ctx, isTerminal);
  assert.equal(done.status.phase, "Success", done.status.error?.message);

  const out = fromBinary(LiteralMapSchema, await sb.store.get(`${sb.store.keyOf(ctx.outputPrefix)}/outputs.pb`));
  assert.equal(value(out.literals["area"]), 1.5);
  assert.equal(value(out.literals["metadata"]), "meta data", "trimmed of spaces and newlines");
  assert.equal(value(out.literals["ok"]), true, "found as ok.txt");
  // A plain path, as flytekit tasks record theirs, so that a flytekit task downstream can read it.
  assert.equal(value(out.literals["out"]), `${ctx.rawOutputPrefix.slice("file://".length)}/out`);
  assert.equal(
    new TextDecoder().decode(await sb.store.get(sb.store.keyOf(`${ctx.rawOutputPrefix}/out`))),
    "blob-content",
  );

  const json = await readFile(join(sb.workDir, ctx.generatedName, "inputs-copy.json"), "utf8");
  const workIn = join(sb.workDir, ctx.generatedName, "inputs");
  assert.equal(json, `{"a":1.5,"f":${JSON.stringify(join(workIn, "f"))},"n":9007199254740993,"words":["x","y"]}`);
  const localPb = fromBinary(LiteralMapSchema, await readFile(join(workIn, "inputs.pb")));
  assert.equal(value(localPb.literals["f"]), join(workIn, "f"), "inputs.pb points blobs at the local files");

  const plugin = sb.plugin();
  await plugin.finalize(ctx, done.state);
  await plugin.finalize(ctx, done.state);
  await assert.rejects(readFile(join(workIn, "inputs.pb")), /ENOENT/, "finalize removes the work directory");
});

test("raw container: _ERROR and unparsable outputs fail the attempt and write error.pb as copilot does", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const plugin = sb.plugin();
  const errored = await sb.context({
    nodeId: "e",
    template: rawTemplate("echo 'bad input' > /var/outputs/_ERROR"),
    inputs: await inputsFor(sb),
  });
  const r = await drive(plugin, errored, isTerminal);
  assert.equal(r.status.phase, "RetryableFailure");
  assert.equal(r.status.error?.code, "OutputUploadFailed");
  assert.match(r.status.error?.message ?? "", /^User Error: bad input/);
  const doc = fromBinary(ErrorDocumentSchema, await sb.store.get(`${sb.store.keyOf(errored.outputPrefix)}/error.pb`));
  assert.equal(doc.error?.code, "OutputUploadFailed");
  assert.equal(doc.error?.kind, ContainerError_Kind.RECOVERABLE);

  const garbled = await sb.context({
    nodeId: "g",
    template: rawTemplate("echo pi > /var/outputs/area"),
    inputs: await inputsFor(sb),
  });
  const g = await drive(plugin, garbled, isTerminal);
  assert.equal(g.status.phase, "RetryableFailure");
  assert.match(g.status.error?.message ?? "", /failed to parse Float value|file not found/);
});

test("raw container: YAML and PROTO formats", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  const plugin = sb.plugin();
  const script =
    "set -e; cp /var/inputs/inputs.* /var/outputs/..; echo 1 > /var/outputs/area; echo m > /var/outputs/metadata; echo 0 > /var/outputs/ok; echo x > /var/outputs/out";
  for (const [format, node] of [
    [DataLoadingConfig_LiteralMapFormat.YAML, "y"],
    [DataLoadingConfig_LiteralMapFormat.PROTO, "p"],
  ] as const) {
    const ctx = await sb.context({ nodeId: node, template: rawTemplate(script, format), inputs: await inputsFor(sb) });
    const done = await drive(plugin, ctx, isTerminal);
    assert.equal(done.status.phase, "Success", done.status.error?.message);
    const dir = join(sb.workDir, ctx.generatedName);
    if (format === DataLoadingConfig_LiteralMapFormat.YAML) {
      assert.match(
        await readFile(join(dir, "inputs.yaml"), "utf8"),
        /^"a": 1\.5\n"f": ".*"\n"n": 9007199254740993\n"words":\n {2}- "x"\n {2}- "y"\n$/,
      );
    } else {
      await assert.rejects(readFile(join(dir, "inputs.json")), /ENOENT/);
      await readFile(join(dir, "inputs.pb"));
    }
  }
});

test("copilot helpers: simple-type parsing, float text, YAML, path rewriting", () => {
  assert.equal(value(literalForSimpleType(SimpleType.INTEGER, " 42\n")), 42n);
  assert.throws(() => literalForSimpleType(SimpleType.INTEGER, "4.2"), /failed to parse integer/);
  assert.equal(value(literalForSimpleType(SimpleType.BOOLEAN, "F")), false);
  const dur = literalForSimpleType(SimpleType.DURATION, "1m30s");
  assert.equal(
    dur.value.case === "scalar" &&
      dur.value.value.value.case === "primitive" &&
      dur.value.value.value.value.value.case === "duration"
      ? dur.value.value.value.value.value.value.seconds
      : -1n,
    90n,
  );
  const dt = literalForSimpleType(SimpleType.DATETIME, "2024-01-02T03:04:05.25+01:00");
  assert.ok(
    dt.value.case === "scalar" &&
      dt.value.value.value.case === "primitive" &&
      dt.value.value.value.value.value.case === "datetime",
  );
  assert.equal(dt.value.value.value.value.value.value.seconds, BigInt(Date.UTC(2024, 0, 2, 2, 4, 5) / 1000));
  assert.equal(dt.value.value.value.value.value.value.nanos, 250_000_000);
  assert.throws(() => literalForSimpleType(SimpleType.DATETIME, "yesterday"), /RFC3339/);
  const generic = literalForSimpleType(SimpleType.STRUCT, '{"k": [1, "a"]}');
  assert.ok(generic.value.case === "scalar" && generic.value.value.value.case === "generic");
  assert.deepEqual(generic.value.value.value.value, { k: [1, "a"] });
  assert.deepEqual([1e21, 1.5e-7, 123.25, -0.5, 100].map(formatFloatF), [
    "1000000000000000000000",
    "0.00000015",
    "123.25",
    "-0.5",
    "100",
  ]);
  assert.equal(toYaml({ m: { b: [], c: null }, z: "q" }), '"m":\n  "b": []\n  "c": null\n"z": "q"\n');
  assert.deepEqual(
    rewriteDataPaths(
      ["/var/inputs", "cat /var/inputs/a >/var/outputs/b", "/var/inputsx", "/x/var/inputs", "--in=/var/inputs/"],
      [
        ["/var/inputs", "/tmp/in"],
        ["/var/outputs/", "/tmp/out"],
      ],
    ),
    ["/tmp/in", "cat /tmp/in/a >/tmp/out/b", "/var/inputsx", "/x/var/inputs", "--in=/tmp/in/"],
  );
});

test("the flytesnacks shell raw container (ellipse-area-metadata-shell) runs from a script in the working directory", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  // The image's script, reproduced for the host: reads a and b from $1, writes area and metadata to $2.
  const script = join(sb.root, "calculate-ellipse-area.sh");
  await writeFile(
    script,
    '#!/bin/sh\nawk -v a="$(cat "$1/a")" -v b="$(cat "$1/b")" \'BEGIN { print 3.141592653589793 * a * b }\' > "$2/area"\necho "[from shell rawcontainer]" > "$2/metadata"\n',
    { mode: 0o755 },
  );
  // As registered (fixture 004): command with the data paths as separate arguments, default JSON format.
  const template = {
    id: { resourceType: 1, name: "ellipse-area-metadata-shell" },
    type: "raw-container",
    metadata: { runtime: { type: 1, version: "0.32.6", flavor: "python" }, retries: {} },
    interface: {
      inputs: { variables: { a: simple(SimpleType.FLOAT), b: simple(SimpleType.FLOAT) } },
      outputs: { variables: { area: simple(SimpleType.FLOAT), metadata: simple(SimpleType.STRING) } },
    },
    target: {
      case: "container",
      value: {
        image: "ghcr.io/flyteorg/rawcontainers-shell:v1",
        command: ["./calculate-ellipse-area.sh", "/var/inputs", "/var/outputs"],
        config: [{ key: "testKey1", value: "testValue1" }],
        dataConfig: { enabled: true, inputPath: "/var/inputs", outputPath: "/var/outputs" },
      },
    },
  } as MessageInitShape<typeof TaskTemplateSchema>;
  const inputs = {
    literals: { a: prim({ case: "floatValue", value: 2 }), b: prim({ case: "floatValue", value: 3 }) },
  } as MessageInitShape<typeof LiteralMapSchema>;
  const ctx = await sb.context({ template, inputs });
  const done = await drive(sb.plugin({ cwd: sb.root }), ctx, isTerminal);
  assert.equal(done.status.phase, "Success", done.status.error?.message);
  const out = fromBinary(LiteralMapSchema, await sb.store.get(`${sb.store.keyOf(ctx.outputPrefix)}/outputs.pb`));
  assert.ok(Math.abs((value(out.literals["area"]) as number) - 6 * Math.PI) < 1e-4);
  assert.equal(value(out.literals["metadata"]), "[from shell rawcontainer]");
});

test("raw container inputs: multipart blobs from the store and files outside it (plain paths, file:// URIs)", async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  await sb.store.put("data/dir/part-0", "p0");
  await sb.store.put("data/dir/sub/part-1", "p1");
  const outside = join(sb.root, "outside.txt");
  await writeFile(outside, "from-disk");
  const blob = (uri: string, dimensionality: BlobType_BlobDimensionality) => ({
    value: {
      case: "scalar",
      value: { value: { case: "blob", value: { uri, metadata: { type: { dimensionality } } } } },
    },
  });
  const template = rawTemplate(
    "set -e; cat /var/inputs/d/part-0 /var/inputs/d/sub/part-1 /var/inputs/p /var/inputs/u > /var/outputs/metadata; echo 1 > /var/outputs/area; echo 1 > /var/outputs/ok; echo x > /var/outputs/out",
  );
  const tpl = template as { interface: { inputs: { variables: Record<string, unknown> } } };
  tpl.interface.inputs.variables = { d: blobVar, p: blobVar, u: blobVar };
  const inputs = {
    literals: {
      d: blob(sb.store.uri("data/dir"), BlobType_BlobDimensionality.MULTIPART),
      p: blob(outside, BlobType_BlobDimensionality.SINGLE),
      u: blob(`file://${outside}`, BlobType_BlobDimensionality.SINGLE),
    },
  } as MessageInitShape<typeof LiteralMapSchema>;
  const ctx = await sb.context({ template, inputs });
  const done = await drive(sb.plugin(), ctx, isTerminal);
  assert.equal(done.status.phase, "Success", done.status.error?.message);
  const out = fromBinary(LiteralMapSchema, await sb.store.get(`${sb.store.keyOf(ctx.outputPrefix)}/outputs.pb`));
  assert.equal(value(out.literals["metadata"]), "p0p1from-diskfrom-disk");
});
