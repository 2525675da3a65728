// An independent gRPC client (@grpc/grpc-js + @grpc/proto-loader reading the .proto files) to prove wire
// compatibility with something that is not our own protobuf stack.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const protoRoot = fileURLToPath(new URL("../../idl/.protos", import.meta.url));

export type GrpcJsClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

export function loadPackage(files: string[]) {
  const def = protoLoader.loadSync(
    files.map((f) => join(protoRoot, f)),
    { includeDirs: [protoRoot], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true },
  );
  return grpc.loadPackageDefinition(def) as Record<string, unknown>;
}

function lookup(pkg: Record<string, unknown>, path: string): grpc.ServiceClientConstructor {
  let cur: unknown = pkg;
  for (const seg of path.split(".")) cur = (cur as Record<string, unknown>)[seg];
  return cur as grpc.ServiceClientConstructor;
}

export function adminClient(address: string, options: grpc.ChannelOptions = {}): GrpcJsClient {
  const pkg = loadPackage(["flyteidl/service/admin.proto"]);
  const Ctor = lookup(pkg, "flyteidl.service.AdminService");
  return new Ctor(address, grpc.credentials.createInsecure(), options) as unknown as GrpcJsClient;
}

export function healthClient(address: string): GrpcJsClient {
  const pkg = loadPackage(["grpc/health/v1/health.proto"]);
  const Ctor = lookup(pkg, "grpc.health.v1.Health");
  return new Ctor(address, grpc.credentials.createInsecure()) as unknown as GrpcJsClient;
}

/** Calls a unary method and resolves with the response, or rejects with the ServiceError (code, details). */
export function unary<T = Record<string, unknown>>(
  client: GrpcJsClient,
  method: string,
  req: object,
  metadata?: grpc.Metadata,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const fn = client[method];
    if (typeof fn !== "function") throw new Error(`no method ${method}`);
    fn.call(client, req, metadata ?? new grpc.Metadata(), (err: grpc.ServiceError | null, res: T) =>
      err ? reject(err) : resolve(res),
    );
  });
}

export { grpc };
