// flyteidl.service.DataProxyService (upstream flyteadmin/dataproxy/service.go, flyteadmin/pkg/config/config.go, upstream flyteadmin/dataproxy): signed upload locations for
// fast registration and `pyflyte run --remote`, signed downloads (deprecated CreateDownloadLocation, deck links) and
// GetData, which resolves flyte://v1/... URLs to the inputs and outputs of node and task executions.
import { createHash } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { durationMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Duration } from "@bufbuild/protobuf/wkt";
import type { NodeExecutionIdentifier, TaskExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import {
  NodeExecutionIdentifierSchema,
  WorkflowExecutionIdentifierSchema,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  NodeExecutionGetDataRequestSchema,
  NodeExecutionGetRequestSchema,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import {
  TaskExecutionGetDataRequestSchema,
  TaskExecutionListRequestSchema,
  type TaskExecutionList,
} from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import {
  ArtifactType,
  CreateDownloadLinkResponseSchema,
  CreateDownloadLocationResponseSchema,
  CreateUploadLocationResponseSchema,
  GetDataResponseSchema,
  PreSignedURLsSchema,
  type CreateDownloadLinkRequest,
  type CreateDownloadLinkResponse,
  type CreateDownloadLocationRequest,
  type CreateDownloadLocationResponse,
  type CreateUploadLocationRequest,
  type CreateUploadLocationResponse,
  type GetDataRequest,
  type GetDataResponse,
} from "@aloft/idl/flyteidl/service/dataproxy_pb.js";
import type { BlobStore } from "@aloft/core";
import { base32 } from "@aloft/core";
import { uploadKey } from "@aloft/core";
import type { Clock } from "@aloft/core";
import { AloftError, Code, alreadyExists, internal, invalidArgument, notFound } from "@aloft/core";
import { randomString } from "@aloft/core";
import type { NodeExecutionManager } from "./node-execution-manager.ts";
import type { TaskExecutionManager } from "./task-execution-manager.ts";
import { parseFlyteUrl } from "./flyte-url.ts";

export interface DataProxyOptions {
  upload: { maxExpiresInSeconds: number; defaultFileNameLength: number; storagePrefix: string };
  download: { maxExpiresInSeconds: number };
}

export interface DataProxyManagerDeps {
  store: BlobStore;
  options: DataProxyOptions;
  clock: Clock;
  nodeExecutions: Pick<NodeExecutionManager, "get" | "getData">;
  taskExecutions: Pick<TaskExecutionManager, "list" | "getData">;
}

/** Upstream's random file names come from k8s.io/apimachinery rand.String: lower-case consonants and digits. */
const FILENAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

export class DataProxyManager {
  constructor(private readonly deps: DataProxyManagerDeps) {}

  async createUploadLocation(req: CreateUploadLocationRequest): Promise<CreateUploadLocationResponse> {
    const { store, options } = this.deps;
    if (req.project === "" || req.domain === "")
      throw invalidArgument("dataproxy.missing_scope", "project and domain are required parameters");
    if (req.filenameRoot === "" && req.contentMd5.length === 0) {
      throw invalidArgument("dataproxy.missing_root", "content_md5 or filename_root is a required parameter");
    }
    if (req.contentMd5.length !== 0 && req.contentMd5.length !== 16) {
      throw invalidArgument(
        "dataproxy.invalid_md5",
        `content_md5 must be the 16 bytes of an MD5 digest, got ${req.contentMd5.length}`,
      );
    }
    for (const [field, value] of [
      ["filename", req.filename],
      ["filename_root", req.filenameRoot],
    ] as const) {
      if (value.includes("/") || value === "." || value === "..") {
        throw invalidArgument(
          "dataproxy.invalid_name",
          `${field} must be a single path segment, got ${JSON.stringify(value)}`,
        );
      }
    }
    const md5 = Buffer.from(req.contentMd5);
    const md5Base64 = md5.toString("base64");
    const common = {
      storagePrefix: options.upload.storagePrefix,
      org: req.org,
      project: req.project,
      domain: req.domain,
    };

    // A caller-chosen full name is deterministic: an object already there may only be rewritten with the same content.
    if (req.filename !== "" && req.filenameRoot !== "") {
      const key = uploadKey({ ...common, root: req.filenameRoot, filename: req.filename });
      const head = await store.head(key);
      if (head !== undefined && !(md5.length > 0 && (await this.sameContent(key, head, md5)))) {
        throw alreadyExists(
          "dataproxy.upload_exists",
          `file already exists at location [${store.uri(key)}], specify a matching hash if you wish to rewrite`,
        );
      }
    }

    const expiresIn = this.expiry(req.expiresIn, options.upload.maxExpiresInSeconds, "upload");
    const filename =
      req.filename !== "" ? req.filename : randomString(options.upload.defaultFileNameLength, FILENAME_ALPHABET);
    const root = req.filenameRoot !== "" ? req.filenameRoot : base32(md5);
    const key = uploadKey({ ...common, root, filename });
    const metadata = req.addContentMd5Metadata && md5.length > 0 ? { "content-md5": md5Base64 } : undefined;
    const signedUrl = await store.signedUrl(key, {
      method: "PUT",
      expiresInSeconds: expiresIn,
      ...(md5.length > 0 ? { contentMd5: md5Base64 } : {}),
      ...(metadata ? { metadata } : {}),
    });
    const headers: Record<string, string> = {};
    if (md5.length > 0) headers["Content-MD5"] = md5Base64;
    for (const [k, v] of Object.entries(metadata ?? {})) headers[`x-amz-meta-${k}`] = v;
    return create(CreateUploadLocationResponseSchema, {
      signedUrl,
      nativeUrl: store.uri(key),
      expiresAt: this.expiresAt(expiresIn),
      headers,
    });
  }

  async createDownloadLocation(req: CreateDownloadLocationRequest): Promise<CreateDownloadLocationResponse> {
    const expiresIn = this.expiry(req.expiresIn, this.deps.options.download.maxExpiresInSeconds, "download");
    const key = this.keyOfNativeUrl(req.nativeUrl);
    const signedUrl = await this.deps.store.signedUrl(key, { method: "GET", expiresInSeconds: expiresIn });
    return create(CreateDownloadLocationResponseSchema, { signedUrl, expiresAt: this.expiresAt(expiresIn) });
  }

  async createDownloadLink(req: CreateDownloadLinkRequest): Promise<CreateDownloadLinkResponse> {
    const expiresIn = this.expiry(req.expiresIn, this.deps.options.download.maxExpiresInSeconds, "download");
    if (req.artifactType === ArtifactType.UNDEFINED) {
      throw invalidArgument(
        "dataproxy.invalid_artifact",
        `error while validating request. Error: invalid artifact type [ARTIFACT_TYPE_UNDEFINED]`,
      );
    }
    if (req.source.case !== "nodeExecutionId") {
      throw invalidArgument(
        "dataproxy.missing_source",
        "error while validating request. Error: source is required. Provided nil",
      );
    }
    const id = req.source.value;
    let deckUri: string;
    try {
      const node = await this.deps.nodeExecutions.get(create(NodeExecutionGetRequestSchema, { id }));
      deckUri = node.closure?.deckUri ?? "";
    } catch (e) {
      if (e instanceof AloftError && (e.code === Code.NOT_FOUND || e.code === Code.INVALID_ARGUMENT)) {
        throw invalidArgument(
          "dataproxy.node_not_found",
          `failed to find node execution [${describeNode(id)}]. Error: ${e.message}`,
        );
      }
      throw e;
    }
    if (deckUri === "")
      throw notFound("dataproxy.no_deck", `no deckUrl found for node execution [${describeNode(id)}]`);
    const key = this.keyOfNativeUrl(deckUri);
    if (!(await this.deps.store.exists(key))) {
      throw notFound(
        "dataproxy.object_not_found",
        `URL [${deckUri}] does not exist yet. Please try again later. If you are using the real-time deck, this could be because the 'persist' function has not been called yet.`,
      );
    }
    const url = await this.deps.store.signedUrl(key, { method: "GET", expiresInSeconds: expiresIn });
    const expiresAt = this.expiresAt(expiresIn);
    return create(CreateDownloadLinkResponseSchema, {
      signedUrl: [url],
      expiresAt,
      preSignedUrls: create(PreSignedURLsSchema, { signedUrl: [url], expiresAt }),
    });
  }

  async getData(req: GetDataRequest): Promise<GetDataResponse> {
    if (req.flyteUrl === "") {
      throw invalidArgument(
        "dataproxy.invalid_flyte_url",
        "failed to validate resolve artifact request. Error: source is required. Provided empty string",
      );
    }
    if (!req.flyteUrl.startsWith("flyte://")) {
      throw invalidArgument(
        "dataproxy.invalid_flyte_url",
        "failed to validate resolve artifact request. Error: request does not start with the correct prefix",
      );
    }
    const url = parseFlyteUrl(req.flyteUrl);
    const nodeId = create(NodeExecutionIdentifierSchema, {
      executionId: create(WorkflowExecutionIdentifierSchema, {
        project: url.project,
        domain: url.domain,
        name: url.execution,
      }),
      nodeId: url.nodeId,
    });
    if (url.attempt === undefined) {
      if (url.ioType === "d") {
        const link = await this.createDownloadLink({
          $typeName: "flyteidl.service.CreateDownloadLinkRequest",
          artifactType: ArtifactType.DECK,
          source: { case: "nodeExecutionId", value: nodeId },
        });
        return create(GetDataResponseSchema, { data: { case: "preSignedUrls", value: link.preSignedUrls! } });
      }
      const data = await this.deps.nodeExecutions.getData(create(NodeExecutionGetDataRequestSchema, { id: nodeId }));
      const map = url.ioType === "i" ? data.fullInputs : data.fullOutputs;
      return pick(map, url.literalName, `node execution [${describeNode(nodeId)}]`);
    }
    if (url.ioType === "d") {
      throw invalidArgument(
        "dataproxy.deck_with_attempt",
        "deck type cannot be specified with a retry attempt, just use the node instead",
      );
    }
    const taskExecId = await this.taskExecutionId(nodeId, url.attempt);
    const data = await this.deps.taskExecutions.getData(create(TaskExecutionGetDataRequestSchema, { id: taskExecId }));
    const map = url.ioType === "i" ? data.fullInputs : data.fullOutputs;
    return pick(map, url.literalName, `task execution [${describeNode(nodeId)} attempt ${url.attempt}]`);
  }

  /** The task id is not in a flyte:// URL: the node's attempt with that retry number supplies it. */
  private async taskExecutionId(nodeId: NodeExecutionIdentifier, attempt: number): Promise<TaskExecutionIdentifier> {
    let list: TaskExecutionList;
    try {
      list = await this.deps.taskExecutions.list(
        create(TaskExecutionListRequestSchema, {
          nodeExecutionId: nodeId,
          limit: 1,
          filters: `eq(retry_attempt,${attempt})`,
        }),
      );
    } catch (e) {
      throw invalidArgument(
        "dataproxy.task_not_found",
        `failed to list task executions [${describeNode(nodeId)}]. Error: ${(e as Error).message}`,
      );
    }
    const first = list.taskExecutions[0];
    if (!first?.id)
      throw invalidArgument("dataproxy.task_not_found", `no task executions were listed [${describeNode(nodeId)}]`);
    return first.id;
  }

  /** Whether the object at `key` holds content with this MD5: recorded metadata, an MD5 ETag, or (local store) its bytes. */
  private async sameContent(key: string, head: { etag?: string; contentMd5?: string }, md5: Buffer): Promise<boolean> {
    const b64 = md5.toString("base64");
    if (head.contentMd5) return head.contentMd5 === b64;
    if (head.etag) return [md5.toString("hex"), base32(md5), b64].includes(head.etag);
    const hash = createHash("md5");
    for await (const chunk of await this.deps.store.getStream(key)) hash.update(chunk as Buffer);
    return hash.digest().equals(md5);
  }

  private keyOfNativeUrl(nativeUrl: string): string {
    if (nativeUrl === "")
      throw invalidArgument("dataproxy.invalid_native_url", "error while validating request: native_url is required");
    try {
      return this.deps.store.keyOf(nativeUrl);
    } catch (e) {
      throw invalidArgument("dataproxy.invalid_native_url", `error while validating request: ${(e as Error).message}`);
    }
  }

  /** Requested lifetime in whole seconds (default and ceiling: the configured maximum). */
  private expiry(d: Duration | undefined, maxSeconds: number, what: string): number {
    if (d === undefined) return maxSeconds;
    const ms = durationMs(d);
    if (
      !Number.isFinite(ms) ||
      d.nanos < -999_999_999 ||
      d.nanos > 999_999_999 ||
      (d.seconds > 0n && d.nanos < 0) ||
      (d.seconds < 0n && d.nanos > 0)
    ) {
      throw invalidArgument("dataproxy.invalid_expiry", `expiresIn [${d.seconds}s ${d.nanos}ns] is invalid`);
    }
    if (ms < 0)
      throw invalidArgument(
        "dataproxy.invalid_expiry",
        `expiresIn is invalid. Error: input duration [${ms / 1000}s] should not less than 0`,
      );
    if (ms > maxSeconds * 1000) {
      throw invalidArgument(
        "dataproxy.invalid_expiry",
        `expiresIn [${ms / 1000}s] cannot exceed max allowed expiration [${maxSeconds}s] for a ${what} URL`,
      );
    }
    // A zero duration is taken as "the default", since a URL that is already expired is of no use.
    return ms === 0 ? maxSeconds : Math.max(1, Math.ceil(ms / 1000));
  }

  private expiresAt(seconds: number) {
    return timestampFromDate(new Date(this.deps.clock.now().getTime() + seconds * 1000));
  }
}

function pick(map: LiteralMap | undefined, name: string | undefined, where: string): GetDataResponse {
  if (map === undefined) throw internal("dataproxy.no_data", `no data for ${where}`);
  if (name === undefined) return create(GetDataResponseSchema, { data: { case: "literalMap", value: map } });
  const literal = map.literals[name];
  if (literal === undefined)
    throw invalidArgument("dataproxy.literal_not_found", `name [${name}] not found in ${where}`);
  return create(GetDataResponseSchema, { data: { case: "literal", value: literal } });
}

function describeNode(id: NodeExecutionIdentifier): string {
  const e = id.executionId;
  return `${e?.project ?? ""}/${e?.domain ?? ""}/${e?.name ?? ""}/${id.nodeId}`;
}
