// Raw-container outputs, done in-process after the task exits 0 (what flytecopilot's `sidecar` uploader does, spec
// upstream flyteplugins/go/tasks/pluginmachinery/flytek8s/copilot.go): a `_ERROR` file in the output directory is a user error; otherwise each declared output is read from the
// file named after it (or `<name>.<ext>`) — simple types parsed from at most 1 KiB of text, blobs uploaded to
// `<rawOutputPrefix>/<name>` (a directory becomes a multipart blob) — and `outputs.pb` is written to the output
// prefix. Any failure writes `error.pb` (code OutputUploadFailed, recoverable), as copilot does.
import { readFile, readdir, stat } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";
import { create, type JsonObject } from "@bufbuild/protobuf";
import { TimestampSchema, DurationSchema } from "@bufbuild/protobuf/wkt";
import { LiteralMapSchema, type Literal, LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { BlobType_BlobDimensionality, SimpleType, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import type { VariableMap } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { ContainerError_Kind, ErrorDocumentSchema } from "@aloft/idl/flyteidl/core/errors_pb.js";
import { putMessage, type BlobStore } from "@aloft/core";
import { joinKey } from "@aloft/core";
import { resourceExhausted } from "@aloft/core";
import { hostPath, keyOfUri } from "./store-paths.ts";
import { parseGoBool, parseGoDuration, parseGoFloat, parseGoInt } from "./go-format.ts";

const MAX_PRIMITIVE_SIZE = 1024;
export const ERROR_FILE = "_ERROR";
const OUTPUT_UPLOAD_FAILED = "OutputUploadFailed";

interface UploadTarget {
  store: BlobStore;
  outputPrefix: string;
  rawOutputPrefix: string;
}

/** Assembles outputs.pb; on failure writes error.pb and returns its message. */
export async function uploadOutputs(
  t: UploadTarget,
  outputs: VariableMap | undefined,
  dir: string,
): Promise<{ error?: string }> {
  try {
    await upload(t, outputs, dir);
    return {};
  } catch (e) {
    // A full disk is not the task's failure: the round is replayed and the outputs collected again (they stay in the
    // work directory until the attempt is finalized).
    if (resourceExhausted(e) !== undefined) throw resourceExhausted(e, "collecting the task's outputs");
    const message = (e as Error).message;
    const doc = create(ErrorDocumentSchema, {
      error: { code: OUTPUT_UPLOAD_FAILED, message, kind: ContainerError_Kind.RECOVERABLE },
    });
    await putMessage(t.store, joinKey(keyOfUri(t.store, t.outputPrefix), "error.pb"), ErrorDocumentSchema, doc);
    return { error: message };
  }
}

async function upload(t: UploadTarget, outputs: VariableMap | undefined, dir: string): Promise<void> {
  const errInfo = await stat(join(dir, ERROR_FILE)).catch(() => undefined);
  if (errInfo !== undefined) {
    if (errInfo.isDirectory()) throw new Error("error file is a directory");
    if (errInfo.size > 1024 * 1024) throw new Error(`error file too large ${errInfo.size}`);
    throw new Error(`User Error: ${await readFile(join(dir, ERROR_FILE), "utf8")}`);
  }
  const map = create(LiteralMapSchema);
  for (const [name, variable] of Object.entries(outputs?.variables ?? {})) {
    const type = variable.type;
    const path = join(dir, name);
    if (type?.type.case === "blob") {
      map.literals[name] = await uploadBlob(t, path, joinKey(keyOfUri(t.store, t.rawOutputPrefix), name));
    } else if (type?.type.case === "simple") {
      map.literals[name] = await readSimple(type.type.value, path);
    } else {
      throw new Error(`currently CoPilot uploader does not support [${describe(type)}], system error`);
    }
  }
  await putMessage(t.store, joinKey(keyOfUri(t.store, t.outputPrefix), "outputs.pb"), LiteralMapSchema, map);
}

function describe(type: LiteralType | undefined): string {
  return type?.type.case ?? "no type";
}

/** The file for an output: `<dir>/<name>`, else the first `<dir>/<name>.<ext>` (copilot's IsFileReadable). */
async function findOutput(path: string): Promise<{ path: string; dir: boolean; size: number }> {
  const info = await stat(path).catch(() => undefined);
  if (info !== undefined) return { path, dir: info.isDirectory(), size: info.size };
  const entries = await readdir(dirname(path)).catch(() => [] as string[]);
  const alt = entries.sort().find((e) => e.startsWith(`${basename(path)}.`));
  if (alt !== undefined) {
    const p = join(dirname(path), alt);
    const i = await stat(p);
    return { path: p, dir: i.isDirectory(), size: i.size };
  }
  throw new Error(`file not found at path [${path}]`);
}

async function uploadBlob(t: UploadTarget, local: string, key: string): Promise<Literal> {
  const found = await findOutput(local);
  if (found.dir) {
    // Nested directories keep their relative paths (copilot flattens them to the file name).
    for (const file of await walkFiles(found.path)) {
      await t.store.put(joinKey(key, ...relative(found.path, file).split("/")), await readFile(file));
    }
  } else {
    await t.store.put(key, await readFile(found.path));
  }
  const dimensionality = found.dir ? BlobType_BlobDimensionality.MULTIPART : BlobType_BlobDimensionality.SINGLE;
  return create(LiteralSchema, {
    value: {
      case: "scalar",
      value: {
        value: {
          case: "blob",
          value: { uri: hostPath(t.store.uri(key)), metadata: { type: { format: "", dimensionality } } },
        },
      },
    },
  });
}

async function walkFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walkFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

async function readSimple(t: SimpleType, path: string): Promise<Literal> {
  const found = await findOutput(path);
  if (found.dir) throw new Error(`expected file for type [${SimpleType[t]}], found dir at path [${path}]`);
  if (found.size > MAX_PRIMITIVE_SIZE) {
    throw new Error(`maximum allowed filesize is [${MAX_PRIMITIVE_SIZE}], but found [${found.size}]`);
  }
  return literalForSimpleType(t, await readFile(found.path, "utf8"));
}

/** coreutils.MakeLiteralForSimpleType: the text trimmed of spaces, tabs and newlines, then parsed for the type. */
export function literalForSimpleType(t: SimpleType, raw: string): Literal {
  const s = raw.replace(/^[ \n\t]+|[ \n\t]+$/g, "");
  const scalar = (value: unknown) => create(LiteralSchema, { value: { case: "scalar", value: { value } } } as never);
  const primitive = (value: unknown) => scalar({ case: "primitive", value: { value } });
  switch (t) {
    case SimpleType.STRUCT: {
      let doc: unknown;
      try {
        doc = JSON.parse(s);
      } catch (e) {
        throw new Error(`failed to load generic type as json.: ${(e as Error).message}`);
      }
      if (typeof doc !== "object" || doc === null || Array.isArray(doc))
        throw new Error("failed to load generic type as json.: not an object");
      return scalar({ case: "generic", value: doc as JsonObject });
    }
    case SimpleType.BINARY:
      return scalar({ case: "binary", value: { value: new TextEncoder().encode(s), tag: "" } });
    case SimpleType.ERROR:
      return scalar({ case: "error", value: { message: s } });
    case SimpleType.NONE:
      return scalar({ case: "noneType", value: {} });
    case SimpleType.INTEGER: {
      const v = parseGoInt(s);
      if (v === undefined) throw new Error(`failed to parse integer value: ${JSON.stringify(s)}`);
      return primitive({ case: "integer", value: v });
    }
    case SimpleType.FLOAT: {
      const v = parseGoFloat(s);
      if (v === undefined) throw new Error(`failed to parse Float value: ${JSON.stringify(s)}`);
      return primitive({ case: "floatValue", value: v });
    }
    case SimpleType.BOOLEAN: {
      const v = parseGoBool(s);
      if (v === undefined) throw new Error(`failed to parse Bool value: ${JSON.stringify(s)}`);
      return primitive({ case: "boolean", value: v });
    }
    case SimpleType.STRING:
      return primitive({ case: "stringValue", value: s });
    case SimpleType.DURATION: {
      const n = parseGoDuration(s);
      if (n === undefined) throw new Error("failed to parse Duration, valid formats: e.g. 300ms, -1.5h, 2h45m");
      const seconds = n / 1_000_000_000n;
      return primitive({
        case: "duration",
        value: create(DurationSchema, { seconds, nanos: Number(n % 1_000_000_000n) }),
      });
    }
    case SimpleType.DATETIME: {
      const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) ? Date.parse(s) : NaN;
      if (Number.isNaN(ms)) throw new Error("failed to parse Datetime in RFC3339 format");
      const frac = /\.(\d+)/.exec(s)?.[1] ?? "";
      const nanos = Number(frac.padEnd(9, "0").slice(0, 9));
      const seconds = BigInt(Math.floor(ms / 1000));
      return primitive({ case: "datetime", value: create(TimestampSchema, { seconds, nanos }) });
    }
    default:
      throw new Error(`unsupported type ${SimpleType[t] ?? t}`);
  }
}
