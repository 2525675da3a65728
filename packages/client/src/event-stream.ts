// CreateEvents calls carried on admin's aloft.admin.v1.EventService/StreamEvents stream instead of one HTTP/2 stream
// each (packages/admin/src/api/grpc/event-stream.ts): per call, node:http2's stream setup, header blocks and trailers
// on both sides were most of a small batch's round trip. One stream is open at a time, for the headers it was opened
// with (a call whose authorization differs opens a new one), and is ended after IDLE_MS without a call in flight or
// ROTATE_MS after it opened (admin resets a stream whose request side stays open past its idle timeout), the calls in
// flight on it still answered. Each call writes its framed request and takes the next answer in order; its deadline
// is its own. A call that gets no answer — the stream failed, was reset or ended first — rejects with `NoAnswer`, and
// the caller sends it as an ordinary call (admin may then see it twice: only idempotent calls belong here, as events
// are). An admin without the RPC (UNIMPLEMENTED, or HTTP 404: an older version, or its fast path turned off) is not
// asked again, nor after MAX_FAILED_STREAMS streams in a row failed without answering anything.
import type http2 from "node:http2";
import { constants as h2 } from "node:http2";
import { fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Http2SessionManager } from "@connectrpc/connect-node";
import {
  type CreateEventsResponse,
  EventService,
  StreamEventsResponseSchema,
} from "@aloft/idl/aloft/admin/v1/event_service_pb.js";

const IDLE_MS = 250;
const ROTATE_MS = 60_000;
const MAX_FAILED_STREAMS = 3;

/** The call got no answer on the stream: send it on its own. */
export class NoAnswer extends Error {}

interface Waiting {
  resolve(res: CreateEventsResponse): void;
  reject(err: Error): void;
  settled: boolean;
  timer?: NodeJS.Timeout;
}

interface Open {
  stream: Promise<http2.ClientHttp2Stream>;
  key: string;
  openedAt: number;
  /** Calls written, in order, not yet answered. */
  waiting: Waiting[];
  answered: boolean;
  ended: boolean;
  idle?: NodeJS.Timeout;
}

export interface EventStream {
  /** Whether calls may go on the stream (false once admin showed it does not serve it). */
  readonly usable: boolean;
  /** One CreateEvents call: `framed` is its request envelope, `headers` its call headers. */
  call(
    headers: http2.OutgoingHttpHeaders,
    framed: Uint8Array,
    timeoutMs: number | undefined,
  ): Promise<CreateEventsResponse>;
}

/** The error a StreamEventsResponse's status stands for: what connect reads from a call's trailers. */
function errorOf(status: { code: number; message: string; details: { typeUrl: string; value: Uint8Array }[] }) {
  const err = new ConnectError(status.message, status.code as Code);
  err.details = status.details.map((d) => ({ type: d.typeUrl.slice(d.typeUrl.lastIndexOf("/") + 1), value: d.value }));
  return err;
}

/** StreamEvents on `sessions` (admin at `prefix`, the base URL's path). */
export function eventStream(sessions: Http2SessionManager, prefix: string, now: () => number = Date.now): EventStream {
  const path = `${prefix}/${EventService.typeName}/${EventService.method.streamEvents.name}`;
  let current: Open | undefined;
  let usable = true;
  let failedInARow = 0;

  const end = (o: Open) => {
    if (o.ended) return;
    o.ended = true;
    clearTimeout(o.idle);
    if (current === o) current = undefined;
    void o.stream.then(
      (s) => s.destroyed || s.end(),
      () => undefined,
    );
  };

  function open(headers: http2.OutgoingHttpHeaders, key: string): Open {
    const h: http2.OutgoingHttpHeaders = { ...headers };
    // Per call, not per stream: each call's deadline is its own, and admin gives each message a request id.
    delete h["grpc-timeout"];
    delete h["x-request-id"];
    const o: Open = {
      stream: sessions.request("POST", path, h, {}),
      key,
      openedAt: now(),
      waiting: [],
      answered: false,
      ended: false,
    };
    o.stream.then(
      (s) => watch(o, s),
      () => closed(o, undefined),
    );
    return o;
  }

  function closed(o: Open, status: number | undefined) {
    if (!o.ended) end(o);
    if (status === Code.Unimplemented) usable = false;
    if (o.answered) failedInARow = 0;
    else if (o.waiting.length > 0 && ++failedInARow >= MAX_FAILED_STREAMS) usable = false;
    for (const w of o.waiting.splice(0)) settle(w, undefined, new NoAnswer("the event stream closed"));
  }

  function watch(o: Open, s: http2.ClientHttp2Stream) {
    let status: number | undefined;
    let buffered: Buffer = Buffer.alloc(0);
    let broken = false;
    s.on("response", (h) => {
      if (h["grpc-status"] !== undefined) status = Number(h["grpc-status"]);
      if (h[":status"] !== 200) broken = true;
      // No such path: an admin from before StreamEvents.
      if (h[":status"] === 404) status = Code.Unimplemented;
    });
    s.on("trailers", (t) => {
      if (t["grpc-status"] !== undefined) status = Number(t["grpc-status"]);
    });
    s.on("data", (chunk: Buffer) => {
      sessions.notifyResponseByteRead(s);
      if (broken) return;
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
        const len = buffered.readUInt32BE(1);
        const flags = buffered[0];
        const data = buffered.subarray(5, 5 + len);
        buffered = buffered.subarray(5 + len);
        const w = o.waiting.shift();
        if (!w || flags !== 0) {
          broken = true;
          s.close(h2.NGHTTP2_CANCEL);
          return;
        }
        o.answered = true;
        answer(w, data);
      }
      if (o.waiting.length === 0 && !o.ended) {
        clearTimeout(o.idle);
        o.idle = setTimeout(() => end(o), IDLE_MS);
        o.idle.unref();
      }
    });
    s.on("error", () => {});
    s.on("close", () => closed(o, status));
  }

  function answer(w: Waiting, data: Uint8Array) {
    let res: CreateEventsResponse | undefined;
    let err: Error | undefined;
    try {
      const msg = fromBinary(StreamEventsResponseSchema, data);
      if (msg.result.case === "response") res = msg.result.value;
      else if (msg.result.case === "error") err = errorOf(msg.result.value);
      else err = new NoAnswer("an empty answer");
    } catch {
      err = new NoAnswer("an unreadable answer");
    }
    settle(w, res, err);
  }

  function settle(w: Waiting, res: CreateEventsResponse | undefined, err: Error | undefined) {
    if (w.settled) return;
    w.settled = true;
    clearTimeout(w.timer);
    if (err) w.reject(err);
    else w.resolve(res!);
  }

  return {
    get usable() {
      return usable;
    },
    call(headers, framed, timeoutMs) {
      const key = String(headers.authorization ?? "");
      if (current && (current.key !== key || now() - current.openedAt > ROTATE_MS)) end(current);
      const o = (current ??= open(headers, key));
      clearTimeout(o.idle);
      return new Promise<CreateEventsResponse>((resolve, reject) => {
        const w: Waiting = { resolve, reject, settled: false };
        o.waiting.push(w);
        if (timeoutMs !== undefined) {
          w.timer = setTimeout(
            () => settle(w, undefined, new ConnectError("the operation timed out", Code.DeadlineExceeded)),
            timeoutMs,
          );
        }
        o.stream.then(
          (s) => {
            if (s.destroyed || s.writableEnded) settle(w, undefined, new NoAnswer("the event stream ended"));
            else s.write(framed);
          },
          () => undefined,
        );
      });
    },
  };
}
