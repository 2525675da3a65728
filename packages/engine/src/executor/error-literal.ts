// The `err` input of a failure node (`resolve.go` ResolveErrorInputLiteralData): a union holding an Error scalar.
import { create } from "@bufbuild/protobuf";
import { LiteralSchema, type Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import type { StatusError } from "./status.ts";

export function errorLiteral(err: StatusError, failedNodeId: string): Literal {
  const type = create(LiteralTypeSchema, {
    type: { case: "simple", value: SimpleType.ERROR },
    structure: { tag: "FlyteError" },
  });
  const value = create(LiteralSchema, {
    value: { case: "scalar", value: { value: { case: "error", value: { failedNodeId, message: err.message } } } },
  });
  return create(LiteralSchema, {
    value: { case: "scalar", value: { value: { case: "union", value: { value, type } } } },
  });
}
