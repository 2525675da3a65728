// `createAloftClient`: one object for AdminService (its methods directly), SignalService, DataProxyService,
// datacatalog.DataCatalog (which admin serves too; the engine's task cache uses it) and Aloft's EventService, over
// gRPC (h2c or TLS) or the HTTP gateway, with retries, deadlines, request ids, auth, pagination and watch helpers.
// Create it once and reuse it (it pools its connection); `close()` when done.
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";
import { DataProxyService } from "@aloft/idl/flyteidl/service/dataproxy_pb.js";
import { DataCatalog } from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import { EventService } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { endpointUrl, type EndpointOptions, type TlsOptions } from "./endpoint.ts";
import { createHttpGatewayTransport, type HttpEncoding } from "./http-transport.ts";
import {
  listAll,
  type AdminClient,
  type ListAllOptions,
  type ListItem,
  type ListRequest,
  type PaginatedMethod,
} from "./pagination.ts";
import { resilientTransport, type CallPolicy } from "./resilient-transport.ts";
import { fastUnaryTransport } from "./fast-unary-transport.ts";
import { discoverAuth } from "./auth-discovery.ts";
import { clientCredentials, tokenSourceAuth, type ClientCredentialsOptions } from "./client-credentials.ts";
import { watchExecution, type ExecutionId, type WatchOptions } from "./watch.ts";
import type { Execution } from "@aloft/idl/flyteidl/admin/execution_pb.js";

export type { AdminClient } from "./pagination.ts";

export interface AloftClientOptions extends Partial<EndpointOptions>, CallPolicy {
  tls?: TlsOptions;
  /** HTTP gateway only: binary protobuf (default) or JSON bodies. */
  encoding?: HttpEncoding;
  /** Use this transport instead of building one from the endpoint (tests, custom channels). Still wrapped. */
  transport?: Transport;
  /**
   * OAuth2 client credentials: a token is fetched (token endpoint discovered through admin's AuthMetadataService unless
   * given), sent on every call, and renewed before it expires or when admin answers UNAUTHENTICATED. Replaces `auth`.
   */
  clientCredentials?: Omit<ClientCredentialsOptions, "discover">;
}

export interface AloftClient extends AdminClient {
  readonly admin: AdminClient;
  readonly signals: Client<typeof SignalService>;
  readonly dataProxy: Client<typeof DataProxyService>;
  readonly dataCatalog: Client<typeof DataCatalog>;
  /** Aloft's own aloft.admin.v1.EventService (execution events in batches, for a split-mode engine). */
  readonly events: Client<typeof EventService>;
  /** The base URL calls go to ("" for an injected transport). */
  readonly baseUrl: string;
  /** What every call of this client goes through (retries, deadline, request id, auth): for calls built by hand. */
  readonly transport: Transport;
  listAll<M extends PaginatedMethod>(
    method: M,
    request: ListRequest<M>,
    options?: ListAllOptions,
  ): AsyncGenerator<ListItem<M>, void, undefined>;
  watchExecution(id: ExecutionId, options?: WatchOptions): Promise<Execution>;
  /** Closes pooled connections (safe to repeat). */
  close(): void;
}

export const DEFAULT_ENDPOINT = "localhost:8089";

function buildTransport(o: AloftClientOptions): { transport: Transport; baseUrl: string; close: () => void } {
  if (o.transport) return { transport: o.transport, baseUrl: "", close: () => {} };
  const protocol = o.protocol ?? "grpc";
  const baseUrl = endpointUrl({ endpoint: o.endpoint ?? DEFAULT_ENDPOINT, insecure: o.insecure ?? false, protocol });
  if (protocol === "http") {
    const t = createHttpGatewayTransport({ baseUrl, encoding: o.encoding, tls: o.tls });
    return { transport: t, baseUrl, close: () => t.close() };
  }
  const tls = o.tls;
  const nodeOptions = baseUrl.startsWith("https:")
    ? {
        ca: tls?.ca,
        cert: tls?.cert,
        key: tls?.key,
        rejectUnauthorized: !tls?.insecureSkipVerify,
        servername: tls?.serverName,
      }
    : {};
  const sessionManager = new Http2SessionManager(baseUrl, {}, nodeOptions);
  // The engine's batched events on the fast path (fast-unary-transport.ts): per request, connect-node's client cost
  // more CPU than admin's whole fast path. Idempotent (events are), as the fast path requires.
  const transport = fastUnaryTransport(
    createGrpcTransport({ baseUrl, sessionManager }),
    sessionManager,
    baseUrl,
    new Set([EventService.typeName]),
  );
  return { transport, baseUrl, close: () => sessionManager.abort() };
}

export function createAloftClient(options: AloftClientOptions = {}): AloftClient {
  const built = buildTransport(options);
  let policy: CallPolicy = options;
  if (options.clientCredentials) {
    const source = clientCredentials({ ...options.clientCredentials, discover: discoverAuth(built.transport) });
    policy = { ...options, auth: tokenSourceAuth(source), onUnauthenticated: () => source.invalidate() };
  }
  const transport = resilientTransport(built.transport, policy);
  const admin = createClient(AdminService, transport);
  return Object.assign(Object.create(null) as object, admin, {
    admin,
    signals: createClient(SignalService, transport),
    dataProxy: createClient(DataProxyService, transport),
    dataCatalog: createClient(DataCatalog, transport),
    events: createClient(EventService, transport),
    baseUrl: built.baseUrl,
    transport,
    listAll: <M extends PaginatedMethod>(method: M, request: ListRequest<M>, o?: ListAllOptions) =>
      listAll(admin, method, request, o),
    watchExecution: (id: ExecutionId, o?: WatchOptions) => watchExecution(admin, id, o),
    close: built.close,
  }) as AloftClient;
}
