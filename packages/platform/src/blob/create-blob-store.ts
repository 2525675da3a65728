// Builds the configured blob store: a directory under dataDir (sandbox) or an S3 bucket. The S3 client (the AWS SDK)
// is imported only when the configuration names S3, so that a sandbox start does not load it.
import { underDataDir, type AloftConfig } from "@aloft/core";
import { invalidArgument } from "@aloft/core";
import type { BlobStore } from "@aloft/core";
import { LocalBlobStore, type LocalBlobStoreOptions } from "@aloft/core";
import type { S3BlobStoreOptions } from "./s3-blob-store.ts";

export interface CreateBlobStoreOptions {
  /** Local store only: signs URLs for the HTTP route that serves the blobs. */
  urlSigner?: LocalBlobStoreOptions["urlSigner"];
}

export async function createBlobStore(
  cfg: Pick<AloftConfig, "dataDir" | "storage">,
  options: CreateBlobStoreOptions = {},
): Promise<BlobStore> {
  const storage = cfg.storage;
  switch (storage.kind) {
    case "local": {
      const root = underDataDir(cfg as AloftConfig, storage.localRoot);
      return new LocalBlobStore(options.urlSigner ? { root, urlSigner: options.urlSigner } : { root });
    }
    case "s3": {
      const s3 = storage.s3;
      if (!storage.bucket)
        throw invalidArgument("config.invalid", "config storage.bucket: required when storage.kind is s3");
      if (Boolean(s3.accessKeyId) !== Boolean(s3.secretAccessKey)) {
        throw invalidArgument(
          "config.invalid",
          "config storage.s3: set both accessKeyId and secretAccessKey, or neither",
        );
      }
      const opts: S3BlobStoreOptions = { bucket: storage.bucket, region: s3.region, forcePathStyle: s3.forcePathStyle };
      if (s3.endpoint) opts.endpoint = s3.endpoint;
      if (s3.accessKeyId) opts.credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
      return openS3BlobStore(opts);
    }
    default:
      throw invalidArgument(
        "config.invalid",
        `config storage.kind: unknown kind ${JSON.stringify((storage as { kind: unknown }).kind)}`,
      );
  }
}

/** An S3 blob store; the AWS SDK is loaded by the first call. */
export async function openS3BlobStore(options: S3BlobStoreOptions): Promise<BlobStore> {
  const { S3BlobStore } = await import("./s3-blob-store.ts");
  return new S3BlobStore(options);
}
