// The engine's ports over the network to a remote admin (`aloft engine`), every one on one `@aloft/client`: one HTTP/2
// session for AdminService, SignalService and DataCatalog, a deadline per call, retries with backoff on UNAVAILABLE /
// RESOURCE_EXHAUSTED, a request id per call (the same for its retries) and idempotent creates. Admin's status codes and
// EventFailureReason details come back as AloftError, so the engine treats a remote admin exactly as an in-process one:
// an admin still unreachable after the retries is an outage the engine waits out and replays (its events are
// idempotent), never a task failure (issue 9 row 9).
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { EventFailureReasonSchema } from "@aloft/idl/flyteidl/admin/event_pb.js";
import { InactiveProjectSchema } from "@aloft/idl/flyteidl/admin/project_pb.js";
import type { ScheduledLaunch } from "@aloft/admin";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { AloftError, Code, type ErrorDetail } from "@aloft/core";
import { createAloftClient, type AloftClient, type AloftClientOptions } from "@aloft/client";
import { batchingEventSink } from "./remote-events.ts";
import type { CatalogPort, ChildExecutionPort, EventSink, RecoveryPort, SignalPort } from "@aloft/engine";

/**
 * The one ConnectError → AloftError mapping: same code, admin's message, the EventFailureReason details the engine's
 * idempotency rules read (ALREADY_EXISTS, "already in a terminal state"), and InactiveProject (the scheduler skips
 * those launches). Anything else passes through unchanged.
 */
export function aloftErrorOf(err: unknown): unknown {
  if (!(err instanceof ConnectError)) return err;
  const details: ErrorDetail[] = [
    ...err.findDetails(EventFailureReasonSchema).map((value) => ({ schema: EventFailureReasonSchema, value })),
    ...err.findDetails(InactiveProjectSchema).map((value) => ({ schema: InactiveProjectSchema, value })),
  ];
  const code = err.code in Code ? (err.code as unknown as Code) : Code.UNKNOWN;
  return new AloftError(code, `remote.${ConnectCode[err.code] ?? "Unknown"}`, err.rawMessage, { cause: err, details });
}

/** Runs a remote call, turning its ConnectError into the AloftError an in-process call would have thrown. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw aloftErrorOf(err);
  }
}

/**
 * Per call, retries included: as propeller's admin client (15 s per attempt, a few attempts). Past it the call fails
 * DEADLINE_EXCEEDED, which the engine counts as an outage like UNAVAILABLE.
 */
export const REMOTE_CALL_TIMEOUT_MS = 30_000;

export interface RemoteAdmin {
  client: AloftClient;
  sink: EventSink;
  children: ChildExecutionPort;
  recovery: RecoveryPort;
  catalog: CatalogPort;
  signals: SignalPort;
  /** Closes the session (after the engine stopped). */
  close(): void;
}

/** Every port the engine needs from an admin at `baseUrl` (`http://host:port`), over one client. */
export function remoteAdmin(
  baseUrl: string,
  options: Omit<AloftClientOptions, "endpoint" | "protocol"> = {},
): RemoteAdmin {
  const client = createAloftClient({
    endpoint: baseUrl,
    protocol: "grpc",
    timeoutMs: REMOTE_CALL_TIMEOUT_MS,
    ...options,
  });
  return {
    client,
    sink: remoteEventSink(client),
    children: remoteChildExecutions(client),
    recovery: remoteRecovery(client),
    catalog: remoteCatalog(client),
    signals: remoteSignals(client),
    close: () => client.close(),
  };
}

/**
 * Execution events in batches to admin's aloft.admin.v1.EventService/CreateEvents (remote-events.ts), or to
 * CreateWorkflowEvent / CreateNodeEvent / CreateTaskEvent one by one when admin does not serve it.
 */
export function remoteEventSink(client: AloftClient): EventSink {
  return batchingEventSink(client, aloftErrorOf);
}

/** Launch-plan nodes: child executions created, read and terminated through admin. */
export function remoteChildExecutions(client: AloftClient): ChildExecutionPort {
  const admin = client.admin;
  return {
    createExecution: async (req) => {
      await call(() => admin.createExecution(req));
    },
    getExecution: (id) => call(() => admin.getExecution({ id })),
    getOutputs: async (id) =>
      (await call(() => admin.getExecutionData({ id }))).fullOutputs ?? create(LiteralMapSchema),
    terminateExecution: async (id, cause) => {
      await call(() => admin.terminateExecution({ id, cause }));
    },
  };
}

/** Recovery executions: the original's node executions read from admin. */
export function remoteRecovery(client: AloftClient): RecoveryPort {
  const admin = client.admin;
  return {
    getNodeExecution: (id) => call(() => admin.getNodeExecution({ id })),
    getNodeExecutionData: (id) => call(() => admin.getNodeExecutionData({ id })),
  };
}

/** Task caching: admin's datacatalog.DataCatalog service. */
export function remoteCatalog(client: AloftClient): CatalogPort {
  const catalog = client.dataCatalog;
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

/** Approve and signal gates: admin's SignalService. */
export function remoteSignals(client: AloftClient): SignalPort {
  const signals = client.signals;
  return { getOrCreateSignal: (req) => call(() => signals.getOrCreateSignal(req)) };
}

/** `aloft scheduler`: launches through admin's CreateExecution over gRPC, as upstream's flytescheduler does. */
export function remoteScheduledLaunch(client: AloftClient): ScheduledLaunch {
  return async (req) => {
    await call(() => client.admin.createExecution(req));
  };
}
