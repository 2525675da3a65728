// flyteidl.service.SignalService (approve and signal gate nodes): GetOrCreateSignal for the engine, ListSignals and
// SetSignal for users. The HTTP gateway routes (GET /api/v1/signals/..., POST /api/v1/signals) come from the descriptors.
import { SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";
import type { SignalManager } from "../managers/signal-manager.ts";
import { bind, type ServiceBinding } from "./rpc.ts";

export function signalServiceBinding(m: SignalManager): ServiceBinding {
  return bind(SignalService, {
    getOrCreateSignal: (req) => m.getOrCreate(req),
    listSignals: (req) => m.list(req),
    setSignal: (req) => m.set(req),
  });
}
