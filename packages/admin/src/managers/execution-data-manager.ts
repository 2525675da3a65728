// Execution data in the blob store (upstream flyteadmin/pkg/manager/impl/execution_manager.go, flyteadmin util/data.go and common/data_store.go): offloading
// literal maps (inputs, event outputs), reading them back for the Get*Data RPCs, UrlBlobs and flyte:// URLs.
import { create, toBinary } from "@bufbuild/protobuf";
import { FlyteURLsSchema, UrlBlobSchema, type FlyteURLs, type UrlBlob } from "@aloft/idl/flyteidl/admin/common_pb.js";
import type { LiteralMapBlob } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { NodeExecutionIdentifier, TaskExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import type { BlobStore } from "@aloft/core";
import { getMessage, putMessage } from "@aloft/core";
import type { Logger } from "@aloft/core";
import { defaultLiteralOffloadingConfig, offloadLargeLiterals, type LiteralOffloadingConfig } from "@aloft/core";
import type { Literal } from "@aloft/idl/flyteidl/core/literals_pb.js";
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
  return {
    maxSizeInBytes: DEFAULT_MAX_OUTPUT_BYTES,
    storeEventDataInline: false,
    signedUrls: { enabled: false, expiresInSeconds: 3600 },
  };
}

/** Reads and writes execution data; every Get*Data RPC goes through it. */
export class ExecutionData {
  constructor(
    readonly store: BlobStore,
    readonly options: RemoteDataOptions,
    private readonly logger?: Logger,
    readonly offloading: LiteralOffloadingConfig = defaultLiteralOffloadingConfig(),
  ) {}

  /**
   * Stores an execution's inputs and user inputs (`keys`, one attempt's objects). Literals above
   * `literalOffloading.minSizeInMb` are written once, next to them, and both maps and what is launched carry the
   * reference instead (upstream flytepropeller/pkg/controller/nodes/common/utils.go); when the two maps hold the same literals they are encoded once.
   */
  async offloadInputs(
    keys: { inputs: string; userInputs: string },
    inputs: LiteralMap,
    userInputs: LiteralMap,
  ): Promise<{ inputs: LiteralMap; userInputs: LiteralMap; inputsUri: string; userInputsUri: string }> {
    const dir = keys.inputs.slice(0, Math.max(0, keys.inputs.lastIndexOf("/")));
    const seen = new Map<Literal, Literal>();
    const small = await offloadLargeLiterals(this.store, inputs, dir, this.offloading, seen);
    const smallUser = await offloadLargeLiterals(this.store, userInputs, dir, this.offloading, seen);
    const bytes = toBinary(LiteralMapSchema, small);
    await this.store.put(keys.inputs, bytes, { contentType: "application/octet-stream" });
    const userBytes = sameLiterals(small, smallUser) ? bytes : toBinary(LiteralMapSchema, smallUser);
    await this.store.put(keys.userInputs, userBytes, { contentType: "application/octet-stream" });
    return {
      inputs: small,
      userInputs: smallUser,
      inputsUri: this.store.uri(keys.inputs),
      userInputsUri: this.store.uri(keys.userInputs),
    };
  }

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
    return this.fullAndBlob(uri);
  }

  /** Outputs from a closure's output result: inline data if under the limit, else read from the output URI. */
  async outputs(result: { case: string | undefined; value?: unknown }): Promise<{ full: LiteralMap; blob: UrlBlob }> {
    if (result.case === "outputData") {
      const data = result.value as LiteralMap;
      const small =
        this.options.maxSizeInBytes <= 0 || toBinary(LiteralMapSchema, data).byteLength < this.options.maxSizeInBytes;
      return { full: small ? data : create(LiteralMapSchema), blob: create(UrlBlobSchema) };
    }
    let uri = "";
    if (result.case === "outputUri") uri = result.value as string;
    else if (result.case === "outputs") {
      const blob = result.value as LiteralMapBlob;
      if (blob.data.case === "uri") uri = blob.data.value;
      else if (blob.data.case === "values") return { full: blob.data.value, blob: create(UrlBlobSchema) };
    }
    return this.fullAndBlob(uri);
  }

  /**
   * The UrlBlob (size always, a signed URL when signing is on) and the full map, which is read only when the object
   * is under `maxSizeInBytes` (0 = no limit). Deliberate difference: flyteadmin learns the size only while signing
   * and otherwise always inlines; reading a 10 MB map to answer one call held the event loop for seconds (issue 9
   * row 6), so the size is always looked up and a larger map is never decoded here.
   */
  private async fullAndBlob(uri: string): Promise<{ full: LiteralMap; blob: UrlBlob }> {
    const none = { full: create(LiteralMapSchema), blob: create(UrlBlobSchema) };
    if (uri === "") return none;
    let key: string;
    let size: number | undefined;
    try {
      key = this.store.keyOf(uri);
      size = (await this.store.head(key))?.size;
    } catch (err) {
      this.logger?.warn({ err, uri }, "failed to look up data");
      return none;
    }
    if (size === undefined) return none;
    const limit = this.options.maxSizeInBytes;
    const full = limit <= 0 || size < limit ? await this.read(uri) : create(LiteralMapSchema);
    return { full, blob: await this.urlBlob(key, size) };
  }

  private async urlBlob(key: string, size: number): Promise<UrlBlob> {
    if (!this.options.signedUrls.enabled) return create(UrlBlobSchema, { bytes: BigInt(size) });
    try {
      const url = await this.store.signedUrl(key, {
        method: "GET",
        expiresInSeconds: this.options.signedUrls.expiresInSeconds,
      });
      return create(UrlBlobSchema, { url, bytes: BigInt(size) });
    } catch (err) {
      this.logger?.warn({ err, key }, "failed to sign data URL");
      return create(UrlBlobSchema, { bytes: BigInt(size) });
    }
  }
}

/** Whether two maps hold the very same literal objects under the same names (then they encode alike). */
function sameLiterals(a: LiteralMap, b: LiteralMap): boolean {
  if (a === b) return true;
  const ka = Object.keys(a.literals);
  if (ka.length !== Object.keys(b.literals).length) return false;
  return ka.every((k) => a.literals[k] === b.literals[k]);
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
