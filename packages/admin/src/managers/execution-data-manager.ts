// Execution data in the blob store (spec §6.3–§6.6, flyteadmin util/data.go and common/data_store.go): offloading
// literal maps (inputs, event outputs), reading them back for the Get*Data RPCs, UrlBlobs and flyte:// URLs.
import { create, toBinary } from "@bufbuild/protobuf";
import { FlyteURLsSchema, UrlBlobSchema, type FlyteURLs, type UrlBlob } from "@aloft/idl/flyteidl/admin/common_pb.js";
import type { LiteralMapBlob } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { NodeExecutionIdentifier, TaskExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { BlobStore } from "@aloft/core/blob/blob-store.ts";
import { getMessage, putMessage } from "@aloft/core/blob/blob-store.ts";
import type { Logger } from "@aloft/core/logger.ts";
import { DEFAULT_MAX_OUTPUT_BYTES } from "../validation/event-validator.ts";

/** flyteadmin `remoteData`: the event output limit, the inline-event-data policy and signed URLs. */
export interface RemoteDataOptions {
  /** Outputs above this size are refused in events (RESOURCE_EXHAUSTED) and not inlined in Get*Data; 0 = no limit. */
  maxSizeInBytes: number;
  /** `inlineEventDataPolicy`: false (Offload, the default) writes event `output_data` to the blob store. */
  storeEventDataInline: boolean;
  signedUrls: { enabled: boolean; expiresInSeconds: number };
}

export function defaultRemoteDataOptions(): RemoteDataOptions {
  return { maxSizeInBytes: DEFAULT_MAX_OUTPUT_BYTES, storeEventDataInline: false, signedUrls: { enabled: false, expiresInSeconds: 3600 } };
}

/** Reads and writes execution data; every Get*Data RPC goes through it. */
export class ExecutionData {
  constructor(
    readonly store: BlobStore,
    readonly options: RemoteDataOptions,
    private readonly logger?: Logger,
  ) {}

  /** Writes a literal map under `key` and returns its URI. */
  async offload(key: string, map: LiteralMap): Promise<string> {
    await putMessage(this.store, key, LiteralMapSchema, map);
    return this.store.uri(key);
  }

  /** A literal map by URI that must be there (an execution's stored inputs); NOT_FOUND or the read error otherwise. */
  async readRequired(uri: string): Promise<LiteralMap> {
    return getMessage(this.store, this.store.keyOf(uri), LiteralMapSchema);
  }

  /** Deletes an object written by `offload` (best effort: a leftover object is garbage, never wrong data). */
  async remove(key: string): Promise<void> {
    try {
      await this.store.delete(key);
    } catch (err) {
      this.logger?.warn({ err, key }, "failed to delete an unreferenced object");
    }
  }

  /** A literal map by URI; a missing, foreign or unreadable object reads as an empty map (upstream swallows these). */
  async read(uri: string): Promise<LiteralMap> {
    if (uri === "") return create(LiteralMapSchema);
    try {
      return await getMessage(this.store, this.store.keyOf(uri), LiteralMapSchema);
    } catch (err) {
      this.logger?.warn({ err, uri }, "failed to read literal map");
      return create(LiteralMapSchema);
    }
  }

  /** `full_inputs` and the `inputs` UrlBlob of a Get*Data response. */
  async inputs(uri: string): Promise<{ full: LiteralMap; blob: UrlBlob }> {
    return { full: await this.readIfSmall(uri), blob: await this.urlBlob(uri) };
  }

  /** Outputs from a closure's output result: inline data if under the limit, else read from the output URI. */
  async outputs(result: { case: string | undefined; value?: unknown }): Promise<{ full: LiteralMap; blob: UrlBlob }> {
    if (result.case === "outputData") {
      const data = result.value as LiteralMap;
      const small = this.options.maxSizeInBytes <= 0 || toBinary(LiteralMapSchema, data).byteLength < this.options.maxSizeInBytes;
      return { full: small ? data : create(LiteralMapSchema), blob: create(UrlBlobSchema) };
    }
    let uri = "";
    if (result.case === "outputUri") uri = result.value as string;
    else if (result.case === "outputs") {
      const blob = result.value as LiteralMapBlob;
      if (blob.data.case === "uri") uri = blob.data.value;
      else if (blob.data.case === "values") return { full: blob.data.value, blob: create(UrlBlobSchema) };
    }
    if (uri === "") return { full: create(LiteralMapSchema), blob: create(UrlBlobSchema) };
    return { full: await this.readIfSmall(uri), blob: await this.urlBlob(uri) };
  }

  /** Full data is fetched when signed URLs are off, the limit is 0, or the object is under the limit. */
  private async readIfSmall(uri: string): Promise<LiteralMap> {
    if (uri === "") return create(LiteralMapSchema);
    if (this.options.signedUrls.enabled && this.options.maxSizeInBytes > 0) {
      try {
        const head = await this.store.head(this.store.keyOf(uri));
        if (head && head.size >= this.options.maxSizeInBytes) return create(LiteralMapSchema);
      } catch {
        return create(LiteralMapSchema);
      }
    }
    return this.read(uri);
  }

  private async urlBlob(uri: string): Promise<UrlBlob> {
    if (!this.options.signedUrls.enabled || uri === "") return create(UrlBlobSchema);
    try {
      const key = this.store.keyOf(uri);
      const head = await this.store.head(key);
      const url = await this.store.signedUrl(key, { method: "GET", expiresInSeconds: this.options.signedUrls.expiresInSeconds });
      return create(UrlBlobSchema, { url, bytes: BigInt(head?.size ?? 0) });
    } catch (err) {
      this.logger?.warn({ err, uri }, "failed to sign data URL");
      return create(UrlBlobSchema);
    }
  }
}

/** `flyte://v1/<p>/<d>/<exec>/<node>/{i,o,d}` (deck only when the node has one). */
export function nodeFlyteUrls(id: NodeExecutionIdentifier, deck: boolean): FlyteURLs {
  const e = id.executionId;
  const base = `flyte://v1/${e?.project ?? ""}/${e?.domain ?? ""}/${e?.name ?? ""}/${id.nodeId}`;
  return create(FlyteURLsSchema, { inputs: `${base}/i`, outputs: `${base}/o`, deck: deck ? `${base}/d` : "" });
}

/** `flyte://v1/<p>/<d>/<exec>/<node>/<attempt>/{i,o}`. */
export function taskFlyteUrls(id: TaskExecutionIdentifier): FlyteURLs {
  const n = id.nodeExecutionId;
  const e = n?.executionId;
  const base = `flyte://v1/${e?.project ?? ""}/${e?.domain ?? ""}/${e?.name ?? ""}/${n?.nodeId ?? ""}/${id.retryAttempt}`;
  return create(FlyteURLsSchema, { inputs: `${base}/i`, outputs: `${base}/o` });
}
