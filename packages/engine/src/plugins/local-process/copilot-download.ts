// Raw-container inputs, done in-process before the task starts (what flytecopilot's `download` init container does,
// upstream flyteplugins/go/tasks/pluginmachinery/flytek8s/copilot.go): every input becomes a file named after its variable in a local directory — primitives as text, blobs
// as their bytes (multipart blobs as a directory), collections and maps as directories of numbered / keyed entries —
// plus `inputs.pb` (the literal map with blob URIs replaced by the local paths) and `inputs.json` or `inputs.yaml`
// per the declared format. Local paths are plain absolute paths: the task reads them with ordinary file APIs.
import { cp, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { clone, create, toBinary } from "@bufbuild/protobuf";
import {
  LiteralMapSchema,
  type Literal,
  type LiteralMap,
  type Primitive,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import { BlobType_BlobDimensionality } from "@aloft/idl/flyteidl/core/types_pb.js";
import { getMessage, listAll, type BlobStore } from "@aloft/core";
import { Code, AloftError } from "@aloft/core";
import { goDuration, goTimestamp } from "./go-format.ts";
import type { RawDataConfig } from "./task-spec.ts";
import { keyOfUri, locate } from "./store-paths.ts";

/** A value as it appears in inputs.json / inputs.yaml. bigint for 64-bit integers. */
export type Plain = null | boolean | number | bigint | string | Plain[] | { [k: string]: Plain };

export async function readInputs(store: BlobStore, inputsUri: string): Promise<LiteralMap> {
  try {
    return await getMessage(store, keyOfUri(store, inputsUri), LiteralMapSchema);
  } catch (e) {
    if (e instanceof AloftError && e.code === Code.NOT_FOUND) return create(LiteralMapSchema);
    throw e;
  }
}

export async function downloadInputs(
  store: BlobStore,
  inputsUri: string,
  dir: string,
  format: RawDataConfig["format"],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const inputs = clone(LiteralMapSchema, await readInputs(store, inputsUri));
  const values: { [k: string]: Plain } = {};
  for (const name of Object.keys(inputs.literals).sort()) {
    values[name] = await writeLiteral(store, inputs.literals[name]!, join(dir, name));
  }
  await writeFile(join(dir, "inputs.pb"), toBinary(LiteralMapSchema, inputs));
  if (format === "JSON") await writeFile(join(dir, "inputs.json"), toJson(values));
  if (format === "YAML") await writeFile(join(dir, "inputs.yaml"), toYaml(values));
}

/** Writes one literal at `path` and rewrites blob URIs in it (in place) to the local path. */
async function writeLiteral(store: BlobStore, lit: Literal, path: string): Promise<Plain> {
  const v = lit.value;
  if (v.case === "collection") {
    await mkdir(path, { recursive: true });
    const out: Plain[] = [];
    for (const [i, item] of v.value.literals.entries())
      out.push(await writeLiteral(store, item, join(path, String(i))));
    return out;
  }
  if (v.case === "map") {
    await mkdir(path, { recursive: true });
    const out: { [k: string]: Plain } = {};
    for (const k of Object.keys(v.value.literals).sort())
      out[k] = await writeLiteral(store, v.value.literals[k]!, join(path, k));
    return out;
  }
  if (v.case !== "scalar") throw new Error(`unsupported literal type [${v.case ?? "empty"}]`);
  const s = v.value.value;
  switch (s.case) {
    case "primitive": {
      const [text, plain] = primitiveText(s.value);
      await writeFile(path, text);
      return plain;
    }
    case "blob":
      await copyBlob(
        store,
        s.value.uri,
        path,
        s.value.metadata?.type?.dimensionality === BlobType_BlobDimensionality.MULTIPART,
      );
      s.value.uri = path;
      return path;
    case "schema":
      await copyBlob(store, s.value.uri, path, true);
      s.value.uri = path;
      return path;
    case "binary":
      await writeFile(path, s.value.value);
      return Buffer.from(s.value.value).toString("base64");
    case "error":
      await writeFile(path, s.value.message);
      return s.value.message;
    case "generic":
      await writeFile(path, JSON.stringify(s.value));
      return s.value as Plain;
    case "noneType":
      await writeFile(path, "null");
      return null;
    default:
      throw new Error(`unsupported scalar type [${s.case ?? "empty"}]`);
  }
}

function primitiveText(p: Primitive): [string, Plain] {
  switch (p.value.case) {
    case "stringValue":
      return [p.value.value, p.value.value];
    case "boolean":
      return [String(p.value.value), p.value.value];
    case "integer":
      return [p.value.value.toString(), p.value.value];
    case "floatValue":
      return [formatFloatF(p.value.value), p.value.value];
    case "datetime": {
      const t = goTimestamp(p.value.value.seconds, p.value.value.nanos);
      return [t, t];
    }
    case "duration": {
      const nanos = p.value.value.seconds * 1_000_000_000n + BigInt(p.value.value.nanos);
      return [goDuration(nanos), nanos];
    }
    default:
      return ["null", null];
  }
}

/** `strconv.FormatFloat(v, 'f', -1, 64)`: shortest digits, never an exponent. */
export function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  const [mantissa, expPart] = v.toExponential().split("e") as [string, string];
  const exp = Number(expPart);
  const neg = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  let out: string;
  if (exp >= digits.length - 1) out = digits + "0".repeat(exp - digits.length + 1);
  else if (exp >= 0) out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  else out = `0.${"0".repeat(-exp - 1)}${digits}`;
  return neg ? `-${out}` : out;
}

async function copyBlob(store: BlobStore, uri: string, path: string, multipart: boolean): Promise<void> {
  const where = locate(store, uri);
  if ("path" in where) {
    await mkdir(dirname(path), { recursive: true });
    await cp(where.path, path, { recursive: multipart });
    return;
  }
  const key = where.key;
  if (!multipart) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await store.get(key));
    return;
  }
  const prefix = key === "" || key.endsWith("/") ? key : `${key}/`;
  await mkdir(path, { recursive: true });
  for await (const entry of listAll(store, prefix)) {
    const target = join(path, ...entry.key.slice(prefix.length).split("/"));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await store.get(entry.key));
  }
}

/** JSON with 64-bit integers written as plain numbers, keys sorted (Go's encoding/json of a map). */
export function toJson(v: Plain): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return Number.isFinite(v) ? JSON.stringify(v) : "null";
  if (typeof v === "boolean" || typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(toJson).join(",")}]`;
  return `{${Object.keys(v)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${toJson(v[k]!)}`)
    .join(",")}}`;
}

/** Block-style YAML (strings double-quoted, which YAML reads as JSON strings). */
export function toYaml(v: Plain, indent = ""): string {
  if (
    v === null ||
    typeof v !== "object" ||
    (Array.isArray(v) && v.length === 0) ||
    (!Array.isArray(v) && Object.keys(v).length === 0)
  ) {
    return `${Array.isArray(v) ? "[]" : v !== null && typeof v === "object" ? "{}" : toJson(v)}\n`;
  }
  let out = "";
  if (Array.isArray(v)) {
    for (const item of v) out += `${indent}-${scalarOrNested(item, `${indent}  `)}`;
    return out;
  }
  for (const k of Object.keys(v).sort()) out += `${indent}${JSON.stringify(k)}:${scalarOrNested(v[k]!, `${indent}  `)}`;
  return out;
}

function scalarOrNested(v: Plain, indent: string): string {
  const nested = v !== null && typeof v === "object" && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
  return nested ? `\n${toYaml(v, indent)}` : ` ${toYaml(v)}`;
}
