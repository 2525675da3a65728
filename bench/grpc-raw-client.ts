// A minimal unary gRPC client on node:http2 for load generation: pre-encoded request bytes, one HTTP/2 session,
// no protobuf work on the client side — so that the load generator costs as little CPU as possible and the
// figures reflect the server. Checks grpc-status and returns the (unframed) response message.
import http2 from "node:http2";
import net from "node:net";

export interface RawGrpcClient {
  unary(path: string, request: Uint8Array): Promise<Buffer>;
  close(): void;
}

export function frame(message: Uint8Array): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

export function rawGrpcClient(baseUrl: string): RawGrpcClient {
  const { hostname, port } = new URL(baseUrl);
  const session = http2.connect(baseUrl, {
    createConnection: () => net.connect({ host: hostname, port: Number(port), noDelay: true }),
  });
  session.on("error", () => {});
  return {
    unary(path, request) {
      return new Promise((resolve, reject) => {
        const stream = session.request({
          ":method": "POST",
          ":path": path,
          "content-type": "application/grpc",
          te: "trailers",
        });
        const chunks: Buffer[] = [];
        let status: string | undefined;
        let message: string | undefined;
        stream.on("response", (headers) => {
          // Trailers-only responses carry the status in the headers.
          if (headers["grpc-status"] !== undefined) {
            status = String(headers["grpc-status"]);
            message = headers["grpc-message"] as string | undefined;
          }
        });
        stream.on("trailers", (trailers) => {
          status = String(trailers["grpc-status"]);
          message = trailers["grpc-message"] as string | undefined;
        });
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("error", reject);
        stream.on("close", () => {
          if (status !== "0") return reject(new Error(`grpc-status ${status}: ${message ?? ""}`));
          const buf = Buffer.concat(chunks);
          resolve(buf.subarray(5));
        });
        stream.end(frame(request));
      });
    },
    close: () => session.close(),
  };
}
