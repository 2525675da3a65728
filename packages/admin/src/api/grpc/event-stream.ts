// aloft.admin.v1.EventService/StreamEvents served on a raw HTTP/2 stream: CreateEvents calls on one long-lived
// stream. A split-mode engine's sink sends small batches one round trip after another (its writers await each
// event), and per unary call node:http2 opens a stream and writes a header block and trailers on both sides — measured
// at ≈ 190–330 µs of a ≈ 600–700 µs round trip with 4 events, against ≈ 35–45 µs for a message on an open stream
// (docs/performance.md). Each request message goes to CreateEvents' own resolved handler (its middleware:
// authentication, authorization, event guard) with the stream's headers, exactly as a CreateEvents call with those
// headers, and is answered by one StreamEventsResponse in request order: the call's response, or the status the call
// would have failed with. Requests in flight together are handled concurrently, as CreateEvents calls in flight
// together are (the sink never has two requests in flight whose events must apply in order). At most MAX_PENDING
// requests are handled at once per stream; reading pauses beyond, so HTTP/2 flow control holds the client back. The
// stream ends with an error status only when its framing is broken (an incomplete or compressed envelope, a message
// over the size limit); the client re-sends the requests it has no answer for.
import type http2 from "node:http2";
import { constants as http2constants } from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code as ConnectCode, ConnectError } from "@connectrpc/connect";
import { EventService, StreamEventsResponseSchema } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import { StatusSchema, type Status } from "@aloft/idl/google/rpc/status_pb.js";
import type { CreateEventsResponse } from "@aloft/idl/aloft/admin/v1/event_service_pb.js";
import {
  decodeAndHandle,
  FastCall,
  frame,
  trailerRecord,
  type FastPathOptions,
  type FastUnaryMethod,
} from "./unary-fast-path.ts";

export const STREAM_EVENTS_PATH = `/${EventService.typeName}/${EventService.method.streamEvents.name}`;
export const CREATE_EVENTS_PATH = `/${EventService.typeName}/${EventService.method.createEvents.name}`;

/** Requests handled at once on one stream. */
const MAX_PENDING = 16;

/** The google.rpc.Status a call's error is sent as in trailers (code after fixStatus, message, details). */
function statusOf(err: ConnectError, opts: FastPathOptions): Status {
  const trailers = trailerRecord(err, opts.fixStatus);
  return create(StatusSchema, {
    code: Number(trailers["grpc-status"]),
    message: err.rawMessage,
    details: err.details.map((d) =>
      "desc" in d
        ? { typeUrl: `type.googleapis.com/${d.desc.typeName}`, value: toBinary(d.desc, create(d.desc, d.value)) }
        : { typeUrl: `type.googleapis.com/${d.type}`, value: d.value },
    ),
  });
}

/** Handles one request message as a CreateEvents call; never throws. */
async function handle(
  data: Uint8Array,
  m: FastUnaryMethod,
  call: FastCall,
  opts: FastPathOptions,
): Promise<Uint8Array> {
  let result: { case: "response"; value: CreateEventsResponse } | { case: "error"; value: Status };
  try {
    result = {
      case: "response",
      value: (await decodeAndHandle(data, m, call, opts, "StreamEvents")) as CreateEventsResponse,
    };
  } catch (err) {
    const ce =
      err instanceof ConnectError
        ? err
        : new ConnectError("internal error", ConnectCode.Internal, undefined, undefined, err);
    result = { case: "error", value: statusOf(ce, opts) };
  }
  return frame(toBinary(StreamEventsResponseSchema, create(StreamEventsResponseSchema, { result })), 0);
}

/** Serves one StreamEvents stream; `m` is CreateEvents' fast-path method (its handler with the middleware). */
export function serveEventStream(
  stream: http2.ServerHttp2Stream,
  headers: http2.IncomingHttpHeaders,
  m: FastUnaryMethod,
  opts: FastPathOptions,
): void {
  const peer = stream.session?.socket?.remoteAddress ?? "";
  /** Answers in request order; `bytes` once handled. */
  const answers: Array<{ call: FastCall; bytes?: Uint8Array }> = [];
  let buffered: Buffer = Buffer.alloc(0);
  let inputEnded = false;
  let failure: ConnectError | undefined;
  let ended = false;

  stream.on("error", () => {});
  stream.once("close", () => {
    for (const a of answers) a.call.abort(new ConnectError("operation was aborted", ConnectCode.Canceled));
  });
  stream.respond({ ":status": 200, "content-type": "application/grpc+proto" }, { waitForTrailers: true });
  stream.once("wantTrailers", () => {
    try {
      stream.sendTrailers(trailerRecord(failure, opts.fixStatus));
    } catch {
      // Reset by the client meanwhile.
    }
    // Failed while the client still sends: once the status is out, tell it to stop (RST_STREAM NO_ERROR after a
    // complete response, RFC 9113 §8.1), or the stream would stay half open.
    if (failure && !stream.readableEnded)
      setImmediate(() => stream.destroyed || stream.close(http2constants.NGHTTP2_NO_ERROR));
  });

  const end = () => {
    if (ended || stream.destroyed) return;
    ended = true;
    stream.end();
  };
  const fail = (err: ConnectError) => {
    failure ??= err;
    answers.length = 0;
    stream.off("data", onData);
    end();
  };
  /** Writes the answers ready at the head, ends once the client has and all are written, paces reading. */
  const flush = () => {
    while (answers[0]?.bytes) stream.write(answers.shift()!.bytes!);
    if (failure) return;
    if (inputEnded && answers.length === 0) end();
    else if (answers.length >= MAX_PENDING || stream.writableNeedDrain) stream.pause();
    else stream.resume();
  };
  stream.on("drain", flush);

  const onData = (chunk: Buffer) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 5) {
      const len = buffered.readUInt32BE(1);
      if (len > opts.maxMessageBytes) {
        return fail(
          new ConnectError(
            `grpc: received message larger than max (${len} vs. ${opts.maxMessageBytes})`,
            ConnectCode.ResourceExhausted,
          ),
        );
      }
      if (buffered[0] !== 0) {
        return fail(
          new ConnectError("received compressed envelope, but do not know how to decompress", ConnectCode.Internal),
        );
      }
      if (buffered.length < 5 + len) break;
      const data = buffered.subarray(5, 5 + len);
      buffered = buffered.subarray(5 + len);
      const answer: { call: FastCall; bytes?: Uint8Array } = { call: new FastCall(headers, peer) };
      answers.push(answer);
      void handle(data, m, answer.call, opts).then((bytes) => {
        answer.bytes = bytes;
        flush();
      });
    }
    flush();
  };
  stream.on("data", onData);
  stream.once("end", () => {
    inputEnded = true;
    if (buffered.length > 0) fail(new ConnectError("protocol error: incomplete envelope", ConnectCode.InvalidArgument));
    else flush();
  });
}
