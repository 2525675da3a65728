// CreateExecution requests with huge inputs, read without decoding the huge part on the event loop (issue 9 row 6;
// core/literals/large-inputs.ts). Installed only when literal offloading is on: an input of at least minSizeInMb
// arrives at the manager as an `offloaded_metadata` reference, already validated, typed and stored.
import type { Message } from "@bufbuild/protobuf";
import { ExecutionCreateRequestSchema, type ExecutionCreateRequest } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { BlobStore } from "@aloft/core";
import { cutLargeMapEntries, cutLiteralsDir, offloadCutLiterals } from "@aloft/core";
import type { LiteralOffloadingConfig } from "@aloft/core";

/** Reads one request message from its bytes; `parse` is the transport's ordinary decoder. */
export type RequestReader = (bytes: Uint8Array, parse: (b: Uint8Array) => Message) => Promise<Message>;

/** Field number of ExecutionCreateRequest.inputs. */
const INPUTS_FIELD = 5;

/** Readers by request message type name, for the gRPC server's `requestReaders`. */
export function largeInputReaders(
  store: BlobStore,
  config: LiteralOffloadingConfig,
): ReadonlyMap<string, RequestReader> {
  const minBytes = Math.max(1, Math.floor(config.minSizeInMb * 1024 * 1024));
  const read: RequestReader = async (bytes, parse) => {
    const cut = bytes.length >= minBytes ? cutLargeMapEntries(bytes, INPUTS_FIELD, minBytes) : undefined;
    if (!cut) return parse(bytes);
    const req = parse(cut.rest) as ExecutionCreateRequest;
    req.inputs = await offloadCutLiterals(
      store,
      cutLiteralsDir(req.project, req.domain),
      req.inputs,
      cut.large,
      config,
    );
    return req;
  };
  return new Map([[ExecutionCreateRequestSchema.typeName, read]]);
}
