// The catalog key of a cacheable task execution (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go; upstream datacatalog `transformer.go`,
// pluginmachinery `catalog/hashing.go`): the dataset is the task at a cache version and interface signature, the
// artifact tag the hash of the input values. Byte-for-byte what upstream computes, so caches are shared.
import { clone, create } from "@bufbuild/protobuf";
import type { Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import {
  TypedInterfaceSchema,
  VariableMapSchema,
  type TypedInterface,
  type VariableMap,
} from "@aloft/idl/flyteidl/core/interface_pb.js";
import {
  LiteralMapSchema,
  LiteralSchema,
  type Literal,
  type LiteralMap,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { TaskTemplate } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import type { LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { DatasetIDSchema, type DatasetID } from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import { invalidArgument } from "@aloft/core";
import { protoHash, rawUrlBase64 } from "./objecthash.ts";

const TASK_NAMESPACE = "flyte_task";
const CACHED_TASK_TAG = "flyte_cached";
const MAX_PARAM_HASH_LENGTH = 8;
const CACHE_KEY_METADATA = "cache-key-metadata";

/** What identifies a cached execution of a task (upstream `catalog.Key`). */
export interface CatalogKey {
  taskId: Identifier;
  cacheVersion: string;
  cacheIgnoreInputVars: readonly string[];
  /** The task interface with type metadata stripped (upstream flytepropeller/pkg/compiler/transformers/k8s/*.go), as the compiler hands it to the engine upstream. */
  iface: TypedInterface;
  inputs: LiteralMap;
}

export function catalogKeyOf(template: TaskTemplate, inputs: LiteralMap): CatalogKey {
  return {
    taskId: template.id!,
    cacheVersion: template.metadata?.discoveryVersion ?? "",
    cacheIgnoreInputVars: template.metadata?.cacheIgnoreInputVars ?? [],
    iface: stripInterface(template.interface),
    inputs,
  };
}

/** upstream `StripTypeMetadata`, in place: metadata always, annotations unless they carry `cache-key-metadata`; recursively. */
function stripType(t: LiteralType): LiteralType {
  t.metadata = undefined;
  if (t.annotation && !(CACHE_KEY_METADATA in (t.annotation.annotations ?? {}))) t.annotation = undefined;
  if (t.structure) {
    for (const k of Object.keys(t.structure.dataclassType)) stripType(t.structure.dataclassType[k]!);
  }
  switch (t.type.case) {
    case "unionType":
      t.type.value.variants.forEach(stripType);
      break;
    case "mapValueType":
    case "collectionType":
      stripType(t.type.value);
      break;
    case "structuredDatasetType":
      for (const c of t.type.value.columns) if (c.literalType) stripType(c.literalType);
      break;
    default:
      break;
  }
  return t;
}

/** A stripped copy of a task interface: variable descriptions and type metadata removed (upstream flytepropeller/pkg/compiler/transformers/k8s/*.go). */
export function stripInterface(iface: TypedInterface | undefined): TypedInterface {
  const out = iface ? clone(TypedInterfaceSchema, iface) : create(TypedInterfaceSchema, {});
  for (const m of [out.inputs, out.outputs]) {
    for (const v of Object.values(m?.variables ?? {})) {
      v.description = "";
      if (v.type) stripType(v.type);
    }
  }
  return out;
}

const variableMapHash = (m: VariableMap | undefined): string => {
  const hashed = m && Object.keys(m.variables).length > 0 ? m : create(VariableMapSchema, {});
  return rawUrlBase64(protoHash(VariableMapSchema, hashed)).slice(0, MAX_PARAM_HASH_LENGTH);
};

/** `<trimmed cache version>-<inputs signature>-<outputs signature>`; an empty cache version is an error. */
export function datasetVersion(iface: TypedInterface, cacheVersion: string): string {
  const version = cacheVersion.replace(/^ +| +$/g, "");
  if (version.length === 0) {
    throw invalidArgument("engine.cache.empty_version", `task cannot have an empty discoveryVersion ${cacheVersion}`);
  }
  return `${version}-${variableMapHash(iface.inputs)}-${variableMapHash(iface.outputs)}`;
}

export function datasetIdOf(key: CatalogKey): DatasetID {
  return create(DatasetIDSchema, {
    project: key.taskId.project,
    domain: key.taskId.domain,
    name: `${TASK_NAMESPACE}-${key.taskId.name}`,
    version: datasetVersion(key.iface, key.cacheVersion),
  });
}

/** A literal whose `hash` is set is represented by that hash alone, inside collections and maps too. */
function hashify(l: Literal): Literal {
  if (l.hash !== "") return create(LiteralSchema, { hash: l.hash });
  if (l.value.case === "collection") {
    return create(LiteralSchema, {
      value: { case: "collection", value: { literals: l.value.value.literals.map(hashify) } },
    });
  }
  if (l.value.case === "map") {
    const literals = Object.fromEntries(Object.entries(l.value.value.literals).map(([k, v]) => [k, hashify(v)]));
    return create(LiteralSchema, { value: { case: "map", value: { literals } } });
  }
  return l;
}

/** upstream `HashLiteralMap`: base64url(objecthash) of the inputs without ignored variables, hashified. */
export function hashLiteralMap(inputs: LiteralMap | undefined, ignore: readonly string[] = []): string {
  const literals: Record<string, Literal> = {};
  for (const [name, l] of Object.entries(inputs?.literals ?? {})) {
    if (!ignore.includes(name)) literals[name] = hashify(l);
  }
  return rawUrlBase64(protoHash(LiteralMapSchema, create(LiteralMapSchema, { literals })));
}

export const artifactTagOf = (key: CatalogKey): string =>
  `${CACHED_TASK_TAG}-${hashLiteralMap(key.inputs, key.cacheIgnoreInputVars)}`;
