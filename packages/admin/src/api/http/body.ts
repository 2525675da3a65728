// Reading a request body with a size cap. A body over the cap is refused as soon as that is known — from
// Content-Length before a byte is read, or at the chunk that crosses it — with RESOURCE_EXHAUSTED (413 on the
// gateway), answered at once; nothing more is kept: the rest of the upload is discarded as it arrives (closing the
// connection instead would make the client's kernel drop the unread answer on a reset). A client that goes away
// mid-body fails the call with CANCELLED.
import type { IncomingMessage } from "node:http";
import { AloftError, Code, messageTooLarge } from "@aloft/core";

/** The gateway's default when no limit is configured: grpc-go's (and so flyteadmin's) 4 MiB receive limit. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(refuse(req, maxBytes));
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (req.destroyed) return Promise.reject(aborted());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAbort);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        chunks.length = 0;
        reject(refuse(req, maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
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

/** Discards the rest of the body from now on and returns the error to answer with. */
function refuse(req: IncomingMessage, maxBytes: number): AloftError {
  req.resume();
  return messageTooLarge(maxBytes);
}

const aborted = () =>
  new AloftError(Code.CANCELLED, "http.aborted", "the client closed the connection before sending the whole request");

/** Discards a body nobody reads (GET), so keep-alive connections stay in sync. */
export function discardBody(req: IncomingMessage): void {
  if (!req.readableEnded) req.resume();
}
