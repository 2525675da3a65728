// Promises: typed references to a node's output (or a workflow input), and what a node input may be bound to.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { BindingDataSchema, type BindingData } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { invalidArgument } from "@aloft/core";
import type { Type, TypeMap, ValueOf } from "../types/type.ts";

export const START_NODE = "start-node";

/**
 * The output `varName` of node `nodeId` (`start-node` for workflow inputs), optionally an attribute path into it: a
 * typed promise of a value that exists only at execution time. Bind it to another node's input.
 * @example
 * ```ts
 * const r = b.call(add, { a: x, b: 1 });   // r.sum: Ref<number>
 * b.call(toText, { a: r.sum });
 * ```
 */
export class Ref<T> {
  /** Phantom, for type checking: a Ref<string> is not a Ref<number>. */
  declare readonly __t: T;
  constructor(
    readonly nodeId: string,
    readonly varName: string,
    readonly type: Type<T>,
    readonly attrPath: readonly (string | number)[] = [],
  ) {}

  /**
   * A field of a record output (flyteidl attribute path).
   * @example
   * ```ts
   * b.call(useError, { e: trained.model.field("error") });
   * ```
   */
  field<K extends keyof T & string>(name: K): Ref<T[K]> {
    const fields = (this.type as { fields?: Record<string, Type<unknown>> }).fields;
    const ft = fields?.[name];
    if (!ft) throw invalidArgument("sdk.no_such_field", `${this.type.name} has no field ${name}`);
    return new Ref<T[K]>(this.nodeId, this.varName, ft as Type<T[K]>, [...this.attrPath, name]);
  }

  /**
   * Element `i` of a list output.
   * @example
   * ```ts
   * b.call(useFirst, { x: listed.values.at(0) });
   * ```
   */
  at(this: Ref<readonly unknown[]>, i: number): Ref<T extends readonly (infer E)[] ? E : never> {
    const el = (this.type as { element?: Type<unknown> }).element;
    if (!el) throw invalidArgument("sdk.not_a_list", `${this.type.name} is not a list`);
    return new Ref(this.nodeId, this.varName, el as Type<T extends readonly (infer E)[] ? E : never>, [
      ...this.attrPath,
      i,
    ]);
  }
}

/** A value, a promise of one, or (for lists) a list mixing both. */
export type Bindable<T> = T | Ref<T> | (T extends readonly (infer E)[] ? readonly Bindable<E>[] : never);

/** Bindings for an interface side: `{ a: Type<number> }` → `{ a: number | Ref<number> }`. */
export type BindingsOf<M extends TypeMap> = { [K in keyof M]: Bindable<ValueOf<M[K]>> };

/** Promises for an interface side: `{ b: Type<string> }` → `{ b: Ref<string> }`. */
export type RefsOf<M extends TypeMap> = { [K in keyof M]: Ref<ValueOf<M[K]>> };

/** flyteidl BindingData of a bindable value of type `type`. */
export function bindingData<T>(type: Type<T>, value: Bindable<T>, where: string): BindingData {
  return create(BindingDataSchema, bindingInit(type, value, where));
}

function bindingInit(type: Type<any>, value: unknown, where: string): MessageInitShape<typeof BindingDataSchema> {
  if (value instanceof Ref) {
    return {
      value: {
        case: "promise",
        value: {
          nodeId: value.nodeId,
          var: value.varName,
          attrPath: value.attrPath.map((p) => ({
            value: typeof p === "number" ? { case: "intValue", value: p } : { case: "stringValue", value: p },
          })),
        },
      },
    };
  }
  const element = (type as { element?: Type<unknown> }).element;
  if (element && Array.isArray(value) && value.some((v) => containsRef(v))) {
    return {
      value: {
        case: "collection",
        value: { bindings: value.map((v, i) => bindingInit(element, v, `${where}[${i}]`)) },
      },
    };
  }
  const lit = (() => {
    try {
      return type.toLiteral(value);
    } catch (e) {
      throw invalidArgument("sdk.bad_binding", `${where}: ${(e as Error).message}`);
    }
  })();
  return literalToBinding(lit);
}

function containsRef(v: unknown): boolean {
  return v instanceof Ref || (Array.isArray(v) && v.some(containsRef));
}

function literalToBinding(lit: ReturnType<Type<unknown>["toLiteral"]>): MessageInitShape<typeof BindingDataSchema> {
  switch (lit.value.case) {
    case "scalar":
      return { value: { case: "scalar", value: lit.value.value } };
    case "collection":
      return { value: { case: "collection", value: { bindings: lit.value.value.literals.map(literalToBinding) } } };
    case "map": {
      const bindings: Record<string, MessageInitShape<typeof BindingDataSchema>> = {};
      for (const [k, v] of Object.entries(lit.value.value.literals)) bindings[k] = literalToBinding(v);
      return { value: { case: "map", value: { bindings } } };
    }
    default:
      throw invalidArgument("sdk.bad_binding", `cannot bind a ${lit.value.case ?? "empty"} literal`);
  }
}
