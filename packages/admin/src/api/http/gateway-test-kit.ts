// Test support: the gateway over a real node:http server on port 0, with every method of the five services bound
// to small fakes that record what they received, and a raw HTTP client (exact paths, any method and headers).
import { createServer, request as httpRequest, Agent, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { create, type DescService, type Message } from "@bufbuild/protobuf";
import { AdminService } from "@aloft/idl/flyteidl/service/admin_pb.js";
import { SignalService } from "@aloft/idl/flyteidl/service/signal_pb.js";
import { DataProxyService } from "@aloft/idl/flyteidl/service/dataproxy_pb.js";
import { AuthMetadataService } from "@aloft/idl/flyteidl/service/auth_pb.js";
import { IdentityService } from "@aloft/idl/flyteidl/service/identity_pb.js";
import { ProjectSchema, type ProjectGetRequest } from "@aloft/idl/flyteidl/admin/project_pb.js";
import { UserInfoResponseSchema } from "@aloft/idl/flyteidl/service/identity_pb.js";
import { NamedEntitySchema, type NamedEntityGetRequest } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { CreateWorkflowFailureReasonSchema } from "@aloft/idl/flyteidl/admin/workflow_pb.js";
import { IdentifierSchema, ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { AloftError, Code, alreadyExists } from "@aloft/core";
import { silentLogger } from "@aloft/core";
import type { CallContext, ServiceBinding, UnaryHandler } from "../rpc.ts";
import { createHttpGateway, type HttpGateway, type HttpGatewayOptions } from "./gateway.ts";

export const SERVICES: DescService[] = [
  AdminService,
  SignalService,
  DataProxyService,
  AuthMetadataService,
  IdentityService,
];

export interface Call {
  rpc: string;
  req: Message;
  ctx: CallContext;
}

/** The fakes: every method answers an empty response, except these. */
function specialHandlers(calls: Call[]): Record<string, UnaryHandler> {
  return {
    GetProject: async (req, ctx) => {
      ctx.responseHeaders.set("x-trace", "t1");
      return create(ProjectSchema, { id: (req as ProjectGetRequest).id, name: "echo" });
    },
    GetNamedEntity: async (req) => {
      const r = req as NamedEntityGetRequest;
      return create(NamedEntitySchema, { resourceType: r.resourceType, ...(r.id ? { id: r.id } : {}) });
    },
    GetVersion: async () => {
      throw new Error("boom");
    },
    CreateWorkflow: async () => {
      const id = create(IdentifierSchema, {
        resourceType: ResourceType.WORKFLOW,
        project: "p",
        domain: "d",
        name: "n",
        version: "v",
      });
      throw alreadyExists("workflow.exists", "workflow with identical structure already exists", [
        {
          schema: CreateWorkflowFailureReasonSchema,
          value: create(CreateWorkflowFailureReasonSchema, {
            reason: { case: "existsIdenticalStructure", value: { id } },
          }),
        },
      ]);
    },
    UserInfo: async (_req, ctx) => {
      if (ctx.headers.get("x-test-user") !== "1")
        throw new AloftError(Code.UNAUTHENTICATED, "auth.expired", "token expired");
      return create(UserInfoResponseSchema, {
        subject: "sub-1",
        name: "Ada",
        additionalClaims: { email_verified: true, groups: ["a", "b"] },
      });
    },
    GetExecution: async (_req, ctx) => {
      if (ctx.headers.get("x-test-hang") !== "1") return create(AdminService.method.getExecution.output);
      // Waits for the client to go away.
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      calls.push({ rpc: "GetExecution:aborted", req: create(AdminService.method.getExecution.input), ctx });
      return create(AdminService.method.getExecution.output);
    },
  };
}

/** Methods deliberately left without a handler (→ UNIMPLEMENTED / 501). */
export const UNBOUND = new Set(["GetPublicClientConfig"]);

export function fakeBindings(calls: Call[]): ServiceBinding[] {
  const special = specialHandlers(calls);
  return SERVICES.map((service) => {
    const handlers: Record<string, UnaryHandler> = {};
    for (const m of service.methods) {
      if (UNBOUND.has(m.name)) continue;
      const inner: UnaryHandler = special[m.name] ?? (async () => create(m.output));
      handlers[m.name] = async (req, ctx) => {
        calls.push({ rpc: m.name, req, ctx });
        return inner(req, ctx);
      };
    }
    return { service, handlers };
  });
}

export interface TestServer {
  url: string;
  port: number;
  gateway: HttpGateway;
  calls: Call[];
  /** The last recorded call of `rpc`. */
  last(rpc: string): Call;
  request(options: RawRequest): Promise<RawResponse>;
  close(): Promise<void>;
}

export interface RawRequest {
  method?: string;
  /** Sent exactly as given (no normalisation). */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Uint8Array;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON when it is JSON, else undefined. */
  json: unknown;
}

export async function startTestServer(overrides: Partial<HttpGatewayOptions> = {}): Promise<TestServer> {
  const calls: Call[] = [];
  const gateway = createHttpGateway({
    bindings: fakeBindings(calls),
    middleware: [],
    logger: silentLogger(),
    cors: { allowCors: true, allowedOrigins: ["http://console.local"], allowedHeaders: ["flyte-authorization"] },
    ...overrides,
  });
  const server: Server = createServer((req, res) => {
    void gateway.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 8, noDelay: true });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    gateway,
    calls,
    last(rpc) {
      const found = calls.filter((c) => c.rpc === rpc).at(-1);
      if (!found) throw new Error(`no call of ${rpc}`);
      return found;
    },
    request: (options) => rawRequest(port, agent, options),
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function rawRequest(port: number, agent: Agent, options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body =
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? Buffer.from(options.body)
          : options.body;
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        agent,
        method: options.method ?? "GET",
        path: options.path,
        headers: { ...(body ? { "content-length": String(body.length) } : {}), ...(options.headers ?? {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const buf = Buffer.concat(chunks);
          let json: unknown;
          if ((res.headers["content-type"] ?? "").startsWith("application/json")) {
            try {
              json = JSON.parse(buf.toString("utf8"));
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: buf, json });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
