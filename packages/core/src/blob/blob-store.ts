// The blob store port: metadata (inputs.pb, outputs.pb, closures) and raw data live behind it, in a local
// directory (the sandbox) or an S3 bucket. Callers speak in keys ("metadata/admin/p/d/wf/v1"); URIs
// (file:///abs/path/key, s3://bucket/key) are what goes on the wire and into flyteidl messages.
import type { Readable } from "node:stream";
import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { internal, invalidArgument } from "../errors.ts";

export type BlobBody = Uint8Array | string | Readable;

export interface PutOptions {
  contentType?: string;
  /** Byte length of a stream body when known; lets S3 stream it instead of buffering it first. */
  contentLength?: number;
}

export interface BlobHead {
  size: number;
  etag?: string;
  lastModified?: Date;
  contentType?: string;
  /** Base64 MD5 recorded as `content-md5` object metadata at upload (S3 only, when the uploader sent it). */
  contentMd5?: string;
}

export interface BlobEntry {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface ListOptions {
  /** Page size; at most 1000 (S3's own cap). Default 1000. */
  limit?: number;
  /** Return keys strictly after this one (the `next` of the previous page). */
  startAfter?: string;
}

export interface BlobListPage {
  /** Keys in ascending byte order. */
  items: BlobEntry[];
  /** Present when more keys may follow: pass it as `startAfter` to get the next page. */
  next?: string;
}

export interface SignedUrlOptions {
  method: "GET" | "PUT";
  expiresInSeconds: number;
  /** PUT only: base64 MD5 the upload must carry as Content-MD5 (the data proxy binds it). */
  contentMd5?: string;
  /**
   * PUT only: object metadata the upload must carry as `x-amz-meta-<name>` headers (S3 stores it and `head`
   * returns it; the local store accepts and ignores the headers).
   */
  metadata?: Record<string, string>;
}

export interface BlobStore {
  /** "file" or "s3". */
  readonly scheme: string;
  /** The URI of a key or a key prefix (a trailing "/" is kept). */
  uri(key: string): string;
  /** The key of a URI of this store; INVALID_ARGUMENT for a foreign or malformed URI. */
  keyOf(uri: string): string;
  put(key: string, body: BlobBody, opts?: PutOptions): Promise<void>;
  /** The whole object; NOT_FOUND when absent. */
  get(key: string): Promise<Uint8Array>;
  /** The object as a stream; NOT_FOUND (raised before the stream is returned) when absent. */
  getStream(key: string): Promise<Readable>;
  /** undefined when absent. */
  head(key: string): Promise<BlobHead | undefined>;
  exists(key: string): Promise<boolean>;
  /** Idempotent: deleting an absent key succeeds. */
  delete(key: string): Promise<void>;
  /** Keys starting with `prefix` (a plain string prefix, not only whole segments), one page at a time. */
  list(prefix: string, opts?: ListOptions): Promise<BlobListPage>;
  /** A URL that lets a client without credentials GET or PUT the object until it expires. */
  signedUrl(key: string, opts: SignedUrlOptions): Promise<string>;
  /** Releases connections; the store is unusable afterwards. */
  close(): Promise<void>;
}

export const MAX_LIST_LIMIT = 1000;
const MAX_KEY_BYTES = 1024;

/**
 * A key is a relative, "/"-separated path: non-empty segments, none "." or "..", no backslash, no control
 * characters, at most 1024 UTF-8 bytes (S3's limit). The same rule on every store keeps keys portable.
 */
export function validateKey(key: string): string {
  if (typeof key !== "string" || key === "") throw badKey(key, "must not be empty");
  checkCommon(key);
  if (key.endsWith("/")) throw badKey(key, "must not end with /");
  for (const seg of key.split("/")) checkSegment(key, seg);
  return key;
}

/** A prefix for list/uri: "" or a key, optionally ending with "/"; the last partial segment is free text. */
export function validatePrefix(prefix: string): string {
  if (typeof prefix !== "string") throw badKey(String(prefix), "must be a string");
  if (prefix === "") return prefix;
  checkCommon(prefix);
  const segments = prefix.split("/");
  segments.pop(); // the last (possibly partial or empty) segment only filters by string prefix
  for (const seg of segments) checkSegment(prefix, seg);
  return prefix;
}

function checkCommon(key: string) {
  if (key.startsWith("/")) throw badKey(key, "must be relative (no leading /)");
  if (key.includes("\\")) throw badKey(key, "must not contain a backslash");
  if (/[\u0000-\u001f\u007f]/.test(key)) throw badKey(key, "must not contain control characters");
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw badKey(key, `must be at most ${MAX_KEY_BYTES} bytes`);
}

function checkSegment(key: string, seg: string) {
  if (seg === "") throw badKey(key, "must not contain empty segments (//)");
  if (seg === "." || seg === "..") throw badKey(key, `must not contain a "${seg}" segment`);
}

function badKey(key: string, reason: string) {
  return invalidArgument("blob.invalid_key", `invalid blob key ${JSON.stringify(key)}: ${reason}`);
}

export function validateListOptions(opts: ListOptions | undefined): { limit: number; startAfter?: string } {
  const limit = opts?.limit ?? MAX_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw invalidArgument(
      "blob.invalid_limit",
      `list limit must be an integer in [1, ${MAX_LIST_LIMIT}], got ${limit}`,
    );
  }
  return opts?.startAfter === undefined || opts.startAfter === "" ? { limit } : { limit, startAfter: opts.startAfter };
}

export function validateSignedUrlOptions(opts: SignedUrlOptions): void {
  if (opts.method !== "GET" && opts.method !== "PUT") {
    throw invalidArgument("blob.invalid_method", `signed URL method must be GET or PUT, got ${String(opts.method)}`);
  }
  if (!Number.isInteger(opts.expiresInSeconds) || opts.expiresInSeconds < 1 || opts.expiresInSeconds > 7 * 24 * 3600) {
    throw invalidArgument(
      "blob.invalid_expiry",
      `signed URL expiry must be 1 s to 7 days, got ${opts.expiresInSeconds}`,
    );
  }
}

/** Byte order comparison (S3 lists keys in UTF-8 byte order, which differs from JS string order). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Every key under `prefix`, page after page. */
export async function* listAll(store: BlobStore, prefix: string, pageSize = MAX_LIST_LIMIT): AsyncIterable<BlobEntry> {
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.list(
      prefix,
      startAfter === undefined ? { limit: pageSize } : { limit: pageSize, startAfter },
    );
    yield* page.items;
    if (page.next === undefined) return;
    startAfter = page.next;
  }
}

export async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
  return toUint8Array(Buffer.concat(chunks));
}

/** A plain Uint8Array view (Buffers compare unequal to Uint8Arrays under deepStrictEqual). */
export function toUint8Array(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Writes a protobuf message in binary form (what flytekit and propeller read). */
export async function putMessage<Desc extends DescMessage>(
  store: BlobStore,
  key: string,
  schema: Desc,
  message: MessageShape<Desc>,
): Promise<void> {
  await store.put(key, toBinary(schema, message), { contentType: "application/octet-stream" });
}

/** Reads a protobuf message; NOT_FOUND when absent, INTERNAL when the bytes do not decode. */
export async function getMessage<Desc extends DescMessage>(
  store: BlobStore,
  key: string,
  schema: Desc,
): Promise<MessageShape<Desc>> {
  const bytes = await store.get(key);
  try {
    return fromBinary(schema, bytes);
  } catch (e) {
    throw internal(
      "blob.corrupt_message",
      `blob ${store.uri(key)} is not a valid ${schema.typeName}: ${(e as Error).message}`,
      e,
    );
  }
}
