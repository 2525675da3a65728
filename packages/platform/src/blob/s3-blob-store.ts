// A blob store over one S3 bucket (AWS, MinIO, or s3rver in tests). URIs are s3://<bucket>/<key>, as
// flytekit and propeller write them.
import type { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { AloftError, Code, internal, invalidArgument, notFound } from "@aloft/core";
import {
  readAll,
  toUint8Array,
  validateKey,
  validateListOptions,
  validatePrefix,
  validateSignedUrlOptions,
  type BlobBody,
  type BlobHead,
  type BlobListPage,
  type BlobStore,
  type ListOptions,
  type PutOptions,
  type SignedUrlOptions,
} from "@aloft/core";

export interface S3BlobStoreOptions {
  bucket: string;
  /** Custom endpoint (MinIO, s3rver); empty or absent for AWS. */
  endpoint?: string;
  region?: string;
  /** Static credentials; absent → the SDK's default chain (env, profile, IRSA, instance metadata). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  forcePathStyle?: boolean;
  /** Use this client instead of building one (its settings then win over the ones above). */
  client?: S3Client;
}

export class S3BlobStore implements BlobStore {
  readonly scheme = "s3";
  readonly bucket: string;
  readonly client: S3Client;
  readonly #ownsClient: boolean;

  constructor(options: S3BlobStoreOptions) {
    if (!options.bucket || options.bucket.includes("/")) {
      throw invalidArgument("blob.invalid_bucket", `invalid S3 bucket name ${JSON.stringify(options.bucket)}`);
    }
    this.bucket = options.bucket;
    this.#ownsClient = options.client === undefined;
    this.client =
      options.client ??
      new S3Client({
        region: options.region || "us-east-1",
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        forcePathStyle: options.forcePathStyle ?? false,
        // S3-compatible servers (MinIO releases, s3rver) reject the SDK's default CRC32 trailers.
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      });
  }

  uri(key: string): string {
    validatePrefix(key);
    return `s3://${this.bucket}/${key}`;
  }

  keyOf(uri: string): string {
    const base = `s3://${this.bucket}`;
    if (typeof uri !== "string" || !uri.startsWith("s3://")) {
      throw invalidArgument("blob.foreign_uri", `${JSON.stringify(uri)} is not an s3:// URI`);
    }
    if (uri === base) return "";
    if (!uri.startsWith(`${base}/`))
      throw invalidArgument("blob.foreign_uri", `${uri} is not in bucket ${this.bucket}`);
    return validatePrefix(uri.slice(base.length + 1));
  }

  async put(key: string, body: BlobBody, opts: PutOptions = {}): Promise<void> {
    validateKey(key);
    let payload: Uint8Array | Readable;
    let length: number | undefined;
    if (typeof body === "string") payload = Buffer.from(body);
    else if (body instanceof Uint8Array) payload = body;
    else if (opts.contentLength !== undefined) {
      payload = body;
      length = opts.contentLength;
    } else {
      // PutObject needs a length up front; without one, buffer (multipart upload would need @aws-sdk/lib-storage).
      payload = await readAll(body);
    }
    await this.#send("put", key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: payload,
          ...(length !== undefined ? { ContentLength: length } : {}),
          ...(opts.contentType ? { ContentType: opts.contentType } : {}),
        }),
      ),
    );
  }

  async get(key: string): Promise<Uint8Array> {
    validateKey(key);
    const out = await this.#send("get", key, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
    );
    if (!out.Body) return new Uint8Array();
    return toUint8Array(await out.Body.transformToByteArray());
  }

  async getStream(key: string): Promise<Readable> {
    validateKey(key);
    const out = await this.#send("get", key, () =>
      this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })),
    );
    if (!out.Body) throw internal("blob.io", `get ${this.uri(key)}: empty response body`);
    // In Node the SDK's body is an http.IncomingMessage (a Readable) with mixins.
    return out.Body as unknown as Readable;
  }

  async head(key: string): Promise<BlobHead | undefined> {
    validateKey(key);
    try {
      const out = await this.#send("head", key, () =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })),
      );
      const head: BlobHead = { size: out.ContentLength ?? 0 };
      if (out.ETag) head.etag = out.ETag.replace(/^"|"$/g, "");
      if (out.LastModified) head.lastModified = out.LastModified;
      if (out.ContentType) head.contentType = out.ContentType;
      const md5 = out.Metadata?.["content-md5"];
      if (md5) head.contentMd5 = md5;
      return head;
    } catch (e) {
      if (e instanceof AloftError && e.code === Code.NOT_FOUND && e.id === "blob.not_found") return undefined;
      throw e;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    try {
      await this.#send("delete", key, () =>
        this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
      );
    } catch (e) {
      if (e instanceof AloftError && e.id === "blob.not_found") return;
      throw e;
    }
  }

  async list(prefix: string, opts?: ListOptions): Promise<BlobListPage> {
    validatePrefix(prefix);
    const { limit, startAfter } = validateListOptions(opts);
    // ListObjects (v1) with Marker: the same "keys after this one" semantics as v2's StartAfter, and it also works
    // on S3 emulators whose v2 continuation tokens are broken (s3rver encrypts them with DES, gone from OpenSSL 3).
    const out = await this.#send("list", prefix, () =>
      this.client.send(
        new ListObjectsCommand({
          Bucket: this.bucket,
          MaxKeys: limit,
          ...(prefix ? { Prefix: prefix } : {}),
          ...(startAfter !== undefined ? { Marker: startAfter } : {}),
        }),
      ),
    );
    const items = (out.Contents ?? []).flatMap((o) =>
      o.Key === undefined
        ? []
        : [{ key: o.Key, size: o.Size ?? 0, ...(o.LastModified ? { lastModified: o.LastModified } : {}) }],
    );
    const last = items[items.length - 1];
    return out.IsTruncated && last ? { items, next: last.key } : { items };
  }

  /**
   * A SigV4 presigned URL. For PUT the Content-MD5 (and any metadata) is a signed header: the uploader must send
   * exactly those headers, so the URL cannot be used for other content.
   */
  async signedUrl(key: string, opts: SignedUrlOptions): Promise<string> {
    validateKey(key);
    validateSignedUrlOptions(opts);
    if (opts.method === "GET") {
      return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
        expiresIn: opts.expiresInSeconds,
      });
    }
    const metadata = opts.metadata && Object.keys(opts.metadata).length > 0 ? opts.metadata : undefined;
    const command = new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ...(opts.contentMd5 ? { ContentMD5: opts.contentMd5 } : {}),
      ...(metadata ? { Metadata: metadata } : {}),
    });
    const signed = new Set<string>();
    if (opts.contentMd5) signed.add("content-md5");
    const unhoistable = new Set<string>(Object.keys(metadata ?? {}).map((k) => `x-amz-meta-${k.toLowerCase()}`));
    for (const h of unhoistable) signed.add(h);
    return getSignedUrl(this.client, command, {
      expiresIn: opts.expiresInSeconds,
      signableHeaders: signed,
      unhoistableHeaders: unhoistable,
    });
  }

  /** Releases the client's sockets when this store built the client. */
  async close(): Promise<void> {
    if (this.#ownsClient) this.client.destroy();
  }

  async #send<T>(op: string, key: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw this.#mapError(op, key, e);
    }
  }

  #mapError(op: string, key: string, e: unknown): AloftError {
    const where = `${op} ${op === "list" ? `s3://${this.bucket}/${key}` : this.uri(key)}`;
    if (e instanceof S3ServiceException) {
      const status = e.$metadata?.httpStatusCode;
      if (e.name === "NoSuchBucket") {
        return new AloftError(
          Code.FAILED_PRECONDITION,
          "blob.no_such_bucket",
          `${where}: bucket ${this.bucket} does not exist`,
          { cause: e },
        );
      }
      if (e.name === "NoSuchKey" || e.name === "NotFound" || status === 404) {
        return notFound("blob.not_found", `blob ${this.uri(key)} not found`);
      }
      if (status === 403 || e.name === "AccessDenied") {
        return new AloftError(Code.PERMISSION_DENIED, "blob.access_denied", `${where}: access denied`, { cause: e });
      }
      return internal("blob.io", `${where}: ${e.name}: ${e.message}`, e);
    }
    const code = (e as NodeJS.ErrnoException | undefined)?.code;
    if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "ETIMEDOUT" || code === "ENOTFOUND") {
      return new AloftError(Code.UNAVAILABLE, "blob.unavailable", `${where}: ${(e as Error).message}`, { cause: e });
    }
    return internal("blob.io", `${where}: ${(e as Error)?.message ?? String(e)}`, e);
  }
}
