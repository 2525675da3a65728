// Reading a request body with a size cap. Over the cap the rest is drained and discarded (the connection stays
// usable) and the call fails with RESOURCE_EXHAUSTED, as a gRPC server refuses an oversized message; a client
// that goes away mid-body fails the call with CANCELLED.
import type { IncomingMessage } from "node:http";
import { AloftError, Code } from "@aloft/core/errors.ts";

export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (req.destroyed) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (tooLarge) {
        reject(new AloftError(Code.RESOURCE_EXHAUSTED, "http.body_too_large", `request body larger than the limit of ${maxBytes} bytes`));
      } else {
        resolve(Buffer.concat(chunks));
      }
    };
    const onAbort = () => {
      cleanup();
      reject(aborted());
    };
    const onClose = () => {
      if (!req.complete) onAbort();
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAbort);
    req.on("close", onClose);
  });
}

const aborted = () => new AloftError(Code.CANCELLED, "http.aborted", "the client closed the connection before sending the whole request");

/** Discards a body nobody reads (GET), so keep-alive connections stay in sync. */
export function discardBody(req: IncomingMessage): void {
  if (!req.readableEnded) req.resume();
}
