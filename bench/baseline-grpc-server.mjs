// The baseline for the gRPC benchmark: a bare node:http2 (h2c) server that answers every unary gRPC call with a
// fixed, pre-framed message and grpc-status 0 — the transport cost with no routing, decoding or handler at all.
import http2 from "node:http2";

const body = Buffer.from(process.argv[2] ?? "", "base64");
const frame = Buffer.alloc(5 + body.length);
frame.writeUInt32BE(body.length, 1);
body.copy(frame, 5);
const server = http2.createServer();
server.on("connection", (socket) => socket.setNoDelay(true));
server.on("stream", (stream) => {
  stream.on("data", () => {});
  stream.on("end", () => {
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(frame);
  });
});
server.listen(0, "127.0.0.1", () => process.stdout.write(`port ${server.address().port}\n`));
