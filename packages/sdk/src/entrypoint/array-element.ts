// A task of an array node (`b.map`) reads what upstream's array node hands every sub-node: the array node's own inputs
// file, with the full lists, and its index in the environment (`BATCH_JOB_ARRAY_INDEX_VAR_NAME` names the variable
// holding it, `BATCH_JOB_ARRAY_INDEX_OFFSET` is added), as flytekit's map tasks read it. The task then takes its
// element of every mapped input. The inputs file does not say which inputs are mapped and which bound, so the task's
// own types decide: an input whose literal nests one list deeper than the declared type is mapped. (A mapped input of
// a list type whose elements are all empty lists of lists cannot be told from a bound one; it is read as bound.)
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema, type Literal, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import type { TypeMap } from "../types/index.ts";

export const ARRAY_INDEX_VAR_NAME = "BATCH_JOB_ARRAY_INDEX_VAR_NAME";
export const ARRAY_INDEX_OFFSET = "BATCH_JOB_ARRAY_INDEX_OFFSET";

/** The index of this array sub-node, or undefined when the task does not run as one. */
export function arrayIndexOf(env: Record<string, string | undefined>): number | undefined {
  const name = env[ARRAY_INDEX_VAR_NAME];
  if (name === undefined || name === "") return undefined;
  const index = Number(env[ARRAY_INDEX_OFFSET] ?? "0") + Number(env[name] ?? "0");
  if (!Number.isInteger(index) || index < 0)
    throw new Error(`bad array index: ${ARRAY_INDEX_VAR_NAME}=${name}, ${name}=${env[name]}`);
  return index;
}

/** The inputs of array element `index`: element `index` of each mapped input, every other input as it is. */
export function arrayElementInputs(types: TypeMap, inputs: LiteralMap, index: number): LiteralMap {
  const literals: Record<string, Literal> = {};
  for (const [k, l] of Object.entries(inputs.literals)) {
    const t = types[k];
    if (t === undefined || l.value.case !== "collection" || literalDepth(l) <= typeDepth(t.literalType)) {
      literals[k] = l;
      continue;
    }
    const element = l.value.value.literals[index];
    if (element === undefined)
      throw new Error(`input ${k} has ${l.value.value.literals.length} elements, no element ${index}`);
    literals[k] = element;
  }
  return create(LiteralMapSchema, { literals });
}

function typeDepth(t: LiteralType | undefined): number {
  let d = 0;
  while (t?.type.case === "collectionType") {
    d++;
    t = t.type.value;
  }
  return d;
}

function literalDepth(l: Literal): number {
  if (l.value.case !== "collection") return 0;
  let inner = 0;
  for (const e of l.value.value.literals) inner = Math.max(inner, literalDepth(e));
  return 1 + inner;
}
