// Gate nodes (upstream flytepropeller/pkg/controller/nodes/gate/handler.go): sleep until the duration has passed since the node started; approve and signal gates ask admin's
// SignalService on every visit and pass once the signal is set. No abort or finalize work; bounded only by timeouts.
import { create } from "@bufbuild/protobuf";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { SignalGetOrCreateRequestSchema } from "@aloft/idl/flyteidl/admin/signal_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema, SimpleType, type LiteralType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { putMessage } from "@aloft/core";
import { inputsKey, outputsKey } from "@aloft/core";
import { statusError } from "../executor/status.ts";
import type { NodeContext, NodeHandler, Transition } from "./handler.ts";
import { copyBlob } from "./start-end.ts";

const BOOLEAN = create(LiteralTypeSchema, { type: { case: "simple", value: SimpleType.BOOLEAN } });

async function signalValue(n: NodeContext, signalId: string, type: LiteralType | undefined) {
  const port = n.exec.deps.signals;
  if (!port) return undefined;
  const signal = await port.getOrCreateSignal(
    create(SignalGetOrCreateRequestSchema, {
      id: { executionId: n.exec.executionId, signalId },
      ...(type ? { type } : {}),
    }),
  );
  return signal.value;
}

export const gateHandler: NodeHandler = {
  finalizeRequired: false,

  async handle(n: NodeContext): Promise<Transition> {
    const t = n.node.target;
    if (t.case !== "gateNode")
      return { phase: "Failed", error: statusError("SYSTEM", "IllegalStateError", "not a gate node") };
    const c = t.value.condition;
    if (c.case === "sleep") {
      const started = n.status.lastAttemptStartedAt ?? n.exec.now();
      const wait = c.value.duration ? durationMs(c.value.duration) : 0;
      if (n.exec.now() - started < wait) return { phase: "Running" };
      await putMessage(n.exec.deps.blobs, outputsKey(n.outputDir()), LiteralMapSchema, create(LiteralMapSchema));
      return { phase: "Success" };
    }
    if (c.case !== "approve" && c.case !== "signal") {
      return { phase: "Failed", error: statusError("USER", "BadSpecificationError", "gate node without a condition") };
    }
    if (!n.exec.deps.signals) {
      return {
        phase: "Failed",
        error: statusError("SYSTEM", "UnsupportedNodeKind", "signals are not available to this engine"),
      };
    }
    if (c.case === "approve") {
      const v = await signalValue(n, c.value.signalId, BOOLEAN);
      if (!v || v.value.case === undefined) return { phase: "Running" };
      const p =
        v.value.case === "scalar" && v.value.value.value.case === "primitive"
          ? v.value.value.value.value.value
          : undefined;
      if (p?.case !== "boolean")
        return {
          phase: "Failed",
          error: statusError("UNKNOWN", "InvalidSignalValue", "approval signal is not a boolean"),
        };
      if (!p.value)
        return {
          phase: "Failed",
          error: statusError("USER", "ReceivedRejectSignal", `approval ${c.value.signalId} rejected`),
        };
      await copyBlob(n, inputsKey(n.dataDir), outputsKey(n.outputDir()));
      return { phase: "Success" };
    }
    const v = await signalValue(n, c.value.signalId, c.value.type);
    if (!v || v.value.case === undefined) return { phase: "Running" };
    await putMessage(
      n.exec.deps.blobs,
      outputsKey(n.outputDir()),
      LiteralMapSchema,
      create(LiteralMapSchema, { literals: { [c.value.outputVariableName]: v } }),
    );
    return { phase: "Success" };
  },

  abort: async () => undefined,
  finalize: async () => undefined,
};
