// Offloaded data: files, directories and structured datasets (a file of rows). Values are references by URI; a task
// that returns a local path (no scheme) has it uploaded under its raw output prefix by the entrypoint.
import { BlobType_BlobDimensionality } from "@aloft/idl/flyteidl/core/types_pb.js";
import {
  badValue,
  literalType,
  mismatch,
  scalarLiteral,
  scalarOf,
  type Type,
  type TypeMap,
  type ValuesOf,
} from "./type.ts";

export interface FileRef {
  /** A URI (file://, s3://, mem://) or, for a value a task returns, a local path to upload. */
  uri: string;
}

export type DirectoryRef = FileRef;

/** A structured dataset stored as a file of rows (JSON lines). `Row` types what readRows returns. */
export interface DatasetRef<Row> extends FileRef {
  /** Phantom: the row type. */
  readonly __row?: Row;
}

function blobType(name: string, format: string, dim: BlobType_BlobDimensionality): Type<FileRef> {
  return {
    name,
    literalType: literalType({ type: { case: "blob", value: { format, dimensionality: dim } } }),
    toLiteral(v) {
      if (!v || typeof v.uri !== "string" || v.uri === "") throw badValue(name, v);
      return scalarLiteral({
        value: { case: "blob", value: { uri: v.uri, metadata: { type: { format, dimensionality: dim } } } },
      });
    },
    fromLiteral(l) {
      const s = scalarOf(l, name);
      if (s.value.case !== "blob") throw mismatch(name, l);
      return { uri: s.value.value.uri };
    },
  };
}

/**
 * A single file (blob SINGLE), valued as `{ uri }`; `format` (e.g. "csv") is checked by the compiler when both sides
 * declare one. A task may return a local path: the entrypoint uploads it under the raw output prefix.
 * @example
 * ```ts
 * task({ inputs: { csv: t.file("csv") }, outputs: { report: t.file() } }, async ({ csv }, ctx) => ({
 *   report: await ctx.writeFile("report.txt", `read ${csv.uri}`),
 * }));
 * ```
 */
export function file(format = ""): Type<FileRef> {
  return blobType(format ? `file<${format}>` : "file", format, BlobType_BlobDimensionality.SINGLE);
}

/**
 * A directory (blob MULTIPART), valued as `{ uri }`; a task may return a local directory to upload.
 * @example
 * ```ts
 * task({ inputs: {}, outputs: { out: t.directory() } }, async () => ({ out: { uri: "/tmp/work/results" } }));
 * ```
 */
export function directory(format = ""): Type<DirectoryRef> {
  return blobType(format ? `directory<${format}>` : "directory", format, BlobType_BlobDimensionality.MULTIPART);
}

export const DATASET_FORMAT = "jsonl";

/**
 * A structured dataset whose columns are `columns` (format `jsonl`: one JSON object per line); rows are read and
 * written with `ctx.readRows` / `ctx.writeRows`.
 * @example
 * ```ts
 * const Points = t.dataset({ x: t.float(), y: t.float() });
 * task({ inputs: { pts: Points }, outputs: { n: t.int() } }, async ({ pts }, ctx) => ({ n: (await ctx.readRows(pts)).length }));
 * ```
 */
export function dataset<const C extends TypeMap>(columns: C): Type<DatasetRef<ValuesOf<C>>> & { columns: C } {
  const name = `dataset{${Object.keys(columns).join(",")}}`;
  const sdType = {
    format: DATASET_FORMAT,
    columns: Object.entries(columns).map(([n, t]) => ({ name: n, literalType: t.literalType })),
  };
  return {
    name,
    columns,
    literalType: literalType({ type: { case: "structuredDatasetType", value: sdType } }),
    toLiteral(v) {
      if (!v || typeof v.uri !== "string" || v.uri === "") throw badValue(name, v);
      return scalarLiteral({
        value: { case: "structuredDataset", value: { uri: v.uri, metadata: { structuredDatasetType: sdType } } },
      });
    },
    fromLiteral(l) {
      const s = scalarOf(l, name);
      if (s.value.case !== "structuredDataset") throw mismatch(name, l);
      return { uri: s.value.value.uri };
    },
  };
}
