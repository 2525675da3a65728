// A blob store in memory, for unit tests of code that needs one (managers, handlers). Same contract as the
// real stores; URIs are mem://<container>/<key>. Not for anything a task process must read.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import { invalidArgument, notFound, unimplemented } from "../errors.ts";
import {
  compareKeys,
  readAll,
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
} from "./blob-store.ts";

interface StoredObject {
  bytes: Uint8Array;
  lastModified: Date;
  contentType?: string;
}

export class MemoryBlobStore implements BlobStore {
  readonly scheme = "mem";
  readonly container: string;
  readonly #objects = new Map<string, StoredObject>();
  readonly #clock: Clock;

  constructor(options: { container?: string; clock?: Clock } = {}) {
    this.container = options.container ?? "test";
    this.#clock = options.clock ?? systemClock;
  }

  uri(key: string): string {
    validatePrefix(key);
    return `mem://${this.container}/${key}`;
  }

  keyOf(uri: string): string {
    const base = `mem://${this.container}`;
    if (typeof uri !== "string" || !(uri === base || uri.startsWith(`${base}/`))) {
      throw invalidArgument("blob.foreign_uri", `${JSON.stringify(uri)} is not a URI of ${base}`);
    }
    return validatePrefix(uri.slice(base.length + 1));
  }

  async put(key: string, body: BlobBody, opts: PutOptions = {}): Promise<void> {
    validateKey(key);
    const bytes =
      typeof body === "string"
        ? new Uint8Array(Buffer.from(body))
        : body instanceof Uint8Array
          ? body.slice()
          : await readAll(body);
    const obj: StoredObject = { bytes, lastModified: this.#clock.now() };
    if (opts.contentType) obj.contentType = opts.contentType;
    this.#objects.set(key, obj);
  }

  async get(key: string): Promise<Uint8Array> {
    return this.#get(key).bytes.slice();
  }

  async getStream(key: string): Promise<Readable> {
    return Readable.from([Buffer.from(this.#get(key).bytes)]);
  }

  async head(key: string): Promise<BlobHead | undefined> {
    validateKey(key);
    const obj = this.#objects.get(key);
    if (!obj) return undefined;
    const head: BlobHead = {
      size: obj.bytes.length,
      etag: createHash("md5").update(obj.bytes).digest("hex"),
      lastModified: obj.lastModified,
    };
    if (obj.contentType) head.contentType = obj.contentType;
    return head;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    this.#objects.delete(key);
  }

  async list(prefix: string, opts?: ListOptions): Promise<BlobListPage> {
    validatePrefix(prefix);
    const { limit, startAfter } = validateListOptions(opts);
    const keys = [...this.#objects.keys()]
      .filter((k) => k.startsWith(prefix) && (startAfter === undefined || compareKeys(k, startAfter) > 0))
      .sort(compareKeys);
    const items = keys.slice(0, limit).map((key) => {
      const obj = this.#objects.get(key)!;
      return { key, size: obj.bytes.length, lastModified: obj.lastModified };
    });
    return keys.length > limit ? { items, next: items[items.length - 1]!.key } : { items };
  }

  async signedUrl(key: string, opts: SignedUrlOptions): Promise<string> {
    validateKey(key);
    validateSignedUrlOptions(opts);
    throw unimplemented("blob.signed_url_unsupported", "the in-memory blob store cannot sign URLs");
  }

  async close(): Promise<void> {}

  #get(key: string): StoredObject {
    validateKey(key);
    const obj = this.#objects.get(key);
    if (!obj) throw notFound("blob.not_found", `blob ${this.uri(key)} not found`);
    return obj;
  }
}
