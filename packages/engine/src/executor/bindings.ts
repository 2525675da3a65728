// Binding resolution (upstream flytepropeller/pkg/controller/nodes/resolve.go): collections and maps element-wise, scalars verbatim, promises
// from the producer's current-attempt `outputs.pb` (aliases, `[i].var`, attribute paths), offloaded literals read.
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  LiteralMapSchema,
  LiteralSchema,
  type Binding,
  type BindingData,
  type Literal,
  type LiteralMap,
} from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { OutputReference } from "@aloft/idl/flyteidl/core/types_pb.js";
import { outputsKey } from "@aloft/core";
import { AloftError, Code } from "@aloft/core";
import type { Scope } from "./context.ts";
import { applyAttrPath } from "./attr-path.ts";

/** A binding that cannot be resolved: the node fails at once, no retry (SYSTEM `BindingResolutionFailure`). */
export class BindingResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BindingResolutionError";
  }
}

export async function resolveBindings(scope: Scope, bindings: readonly Binding[]): Promise<LiteralMap> {
  const literals: Record<string, Literal> = {};
  for (const b of bindings) {
    if (!b.binding) throw new BindingResolutionError(`binding for ${b.var} is empty`);
    literals[b.var] = await resolveBindingData(scope, b.binding);
  }
  return create(LiteralMapSchema, { literals });
}

async function resolveBindingData(scope: Scope, bd: BindingData): Promise<Literal> {
  const v = bd.value;
  switch (v.case) {
    case "scalar":
      return create(LiteralSchema, { value: { case: "scalar", value: v.value } });
    case "collection": {
      const literals: Literal[] = [];
      for (const item of v.value.bindings) literals.push(await resolveBindingData(scope, item));
      return create(LiteralSchema, { value: { case: "collection", value: { literals } } });
    }
    case "map": {
      const literals: Record<string, Literal> = {};
      for (const [k, item] of Object.entries(v.value.bindings)) literals[k] = await resolveBindingData(scope, item);
      return create(LiteralSchema, { value: { case: "map", value: { literals } } });
    }
    case "promise":
      return resolvePromise(scope, v.value);
    case "offloadedMetadata":
      return readOffloaded(scope, v.value.uri);
    default:
      throw new BindingResolutionError("binding data has no value");
  }
}

async function resolvePromise(scope: Scope, ref: OutputReference): Promise<Literal> {
  const outputDir = scope.outputDirOf(ref.nodeId);
  if (outputDir === undefined) throw new BindingResolutionError(`upstream node ${ref.nodeId} not found`);
  const outputs = await readOutputs(scope, outputDir, ref.nodeId);
  let varName = ref.var;
  const producer = scope.nodes.get(ref.nodeId);
  const alias = producer?.outputAliases.find((a) => a.alias === varName);
  if (alias) varName = alias.var;
  let literal: Literal | undefined;
  const indexed = /^\[(\d+)\]\.(.+)$/.exec(varName);
  if (indexed && !(varName in outputs.literals)) {
    const coll = outputs.literals[indexed[2]!];
    literal = coll?.value.case === "collection" ? coll.value.value.literals[Number(indexed[1])] : undefined;
  } else {
    literal = outputs.literals[varName];
  }
  if (!literal) {
    throw new BindingResolutionError(`OutputsNotFound: output ${ref.var} of node ${ref.nodeId} not found`);
  }
  if (literal.value.case === "offloadedMetadata") literal = await readOffloaded(scope, literal.value.value.uri);
  if (ref.attrPath.length === 0) return literal;
  try {
    return await applyAttrPath(literal, ref.attrPath, (uri) => readOffloaded(scope, uri));
  } catch (e) {
    throw new BindingResolutionError(`PromiseAttributeResolveError: ${(e as Error).message}`);
  }
}

async function readOutputs(scope: Scope, outputDir: string, nodeId: string): Promise<LiteralMap> {
  const key = outputsKey(outputDir);
  const cached = scope.exec.outputsCache.get(key) as LiteralMap | undefined;
  if (cached) return cached;
  try {
    const bytes = await scope.exec.deps.blobs.get(key);
    const map = fromBinary(LiteralMapSchema, bytes);
    scope.exec.outputsCache.set(key, map);
    return map;
  } catch (e) {
    if (e instanceof AloftError && e.code === Code.NOT_FOUND) {
      throw new BindingResolutionError(`OutputsNotFound: outputs of node ${nodeId} not found at ${key}`);
    }
    throw e;
  }
}

async function readOffloaded(scope: Scope, uri: string): Promise<Literal> {
  const blobs = scope.exec.deps.blobs;
  try {
    return fromBinary(LiteralSchema, await blobs.get(blobs.keyOf(uri)));
  } catch (e) {
    throw new BindingResolutionError(`offloaded literal ${uri} could not be read: ${(e as Error).message}`);
  }
}
