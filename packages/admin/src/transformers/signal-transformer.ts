// Signal rows → flyteidl messages (flyteadmin transformers/signal.go). Type and value are stored as bytes.
import { create, fromBinary } from "@bufbuild/protobuf";
import { SignalSchema, type Signal } from "@aloft/idl/flyteidl/admin/signal_pb.js";
import { LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "@aloft/idl/flyteidl/core/types_pb.js";
import type { SignalRow } from "../repositories/signal-repo.ts";

export function toSignal(r: SignalRow): Signal {
  return create(SignalSchema, {
    id: { executionId: { project: r.project, domain: r.domain, name: r.name }, signalId: r.signalId },
    type: fromBinary(LiteralTypeSchema, r.type),
    ...(r.value ? { value: fromBinary(LiteralSchema, r.value) } : {}),
  });
}
