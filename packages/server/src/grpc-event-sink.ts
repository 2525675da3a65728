// The engine's EventSink over gRPC to a remote admin (`aloft engine`): admin's status codes and details come back as
// AloftError, so the engine handles a remote admin exactly like an in-process one.
import { Code as ConnectCode, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { EventFailureReasonSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import { AloftError, Code, type ErrorDetail } from "@aloft/core/errors.ts";
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { CatalogPort, ChildExecutionPort, EventSink, RecoveryPort, SignalPort } from "@aloft/engine/ports.ts";
import { DataCatalog } from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import { SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";

export function toAloftErrorFromConnect(err: unknown): unknown {
  if (!(err instanceof ConnectError)) return err;
  const details: ErrorDetail[] = err.findDetails(EventFailureReasonSchema).map((value) => ({ schema: EventFailureReasonSchema, value }));
  return new AloftError(err.code as unknown as Code, `remote.${ConnectCode[err.code]}`, err.rawMessage, { cause: err, details });
}

/** Runs a remote call, turning its ConnectError into the AloftError an in-process call would have thrown. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAloftErrorFromConnect(err);
  }
}

export function grpcEventSink(baseUrl: string, client?: Client<typeof AdminService>): EventSink {
  const admin = client ?? createClient(AdminService, createGrpcTransport({ baseUrl }));
  return {
    workflowEvent: async (req) => void (await call(() => admin.createWorkflowEvent(req))),
    nodeEvent: async (req) => void (await call(() => admin.createNodeEvent(req))),
    taskEvent: async (req) => void (await call(() => admin.createTaskEvent(req))),
  };
}

/** Launch-plan nodes for an engine apart from admin: child executions over gRPC, errors as AloftError. */
export function grpcChildExecutions(baseUrl: string, client?: Client<typeof AdminService>): ChildExecutionPort {
  const admin = client ?? createClient(AdminService, createGrpcTransport({ baseUrl }));
  return {
    createExecution: async (req) => {
      await call(() => admin.createExecution(req));
    },
    getExecution: (id) => call(() => admin.getExecution({ id })),
    getOutputs: async (id) => (await call(() => admin.getExecutionData({ id }))).fullOutputs ?? create(LiteralMapSchema),
    terminateExecution: async (id, cause) => {
      await call(() => admin.terminateExecution({ id, cause }));
    },
  };
}

/** Recovery executions for an engine apart from admin: the original's node executions over gRPC, errors as AloftError. */
export function grpcRecovery(baseUrl: string, client?: Client<typeof AdminService>): RecoveryPort {
  const admin = client ?? createClient(AdminService, createGrpcTransport({ baseUrl }));
  return {
    getNodeExecution: (id) => call(() => admin.getNodeExecution({ id })),
    getNodeExecutionData: (id) => call(() => admin.getNodeExecutionData({ id })),
  };
}

/** Task caching for an engine apart from admin: admin's datacatalog.DataCatalog service over gRPC, errors as AloftError. */
export function grpcCatalog(baseUrl: string, client?: Client<typeof DataCatalog>): CatalogPort {
  const catalog = client ?? createClient(DataCatalog, createGrpcTransport({ baseUrl }));
  return {
    createDataset: (req) => call(() => catalog.createDataset(req)),
    getDataset: (req) => call(() => catalog.getDataset(req)),
    createArtifact: (req) => call(() => catalog.createArtifact(req)),
    getArtifact: (req) => call(() => catalog.getArtifact(req)),
    addTag: (req) => call(() => catalog.addTag(req)),
    updateArtifact: (req) => call(() => catalog.updateArtifact(req)),
    getOrExtendReservation: (req) => call(() => catalog.getOrExtendReservation(req)),
    releaseReservation: (req) => call(() => catalog.releaseReservation(req)),
  };
}

/** Approve and signal gates for an engine apart from admin: admin's SignalService over gRPC, errors as AloftError. */
export function grpcSignals(baseUrl: string, client?: Client<typeof SignalService>): SignalPort {
  const signals = client ?? createClient(SignalService, createGrpcTransport({ baseUrl }));
  return { getOrCreateSignal: (req) => call(() => signals.getOrCreateSignal(req)) };
}
