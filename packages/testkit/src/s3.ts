// An S3 server for tests: s3rver on 127.0.0.1, a free port, a fresh temp directory and one bucket.
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AloftConfig } from "@aloft/core";

/** s3rver accepts this key pair (its built-in dummy account) and checks signatures against it. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface TestS3 {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  bucket: string;
  /** A `storage` config section pointing at this server (path-style, static credentials). */
  config: AloftConfig["storage"];
  close(): Promise<void>;
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (options: Record<string, unknown>) => S3rverInstance;

export async function startS3(options: { bucket?: string } = {}): Promise<TestS3> {
  const bucket = options.bucket ?? "aloft-test";
  const directory = await mkdtemp(join(tmpdir(), "aloft-s3rver-"));
  // s3rver ships no type declarations; a non-literal specifier keeps the compiler from looking for them.
  const specifier: string = "s3rver";
  const mod = (await import(specifier)) as { default: S3rverCtor };
  const server = new mod.default({
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
    // Keys like "bucket.s3.amazonaws.com" must not be taken for virtual-host buckets.
    vhostBuckets: false,
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (e) {
    await rm(directory, { recursive: true, force: true });
    throw e;
  }
  const endpoint = `http://127.0.0.1:${address.port}`;
  let closed = false;
  return {
    endpoint,
    bucket,
    config: {
      kind: "s3",
      localRoot: "blobs",
      bucket,
      s3: { endpoint, region: "us-east-1", ...S3RVER_CREDENTIALS, forcePathStyle: true },
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await server.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

/**
 * A real S3-compatible service for the same tests, when one is available: ALOFT_TEST_S3_ENDPOINT (e.g. a MinIO at
 * http://127.0.0.1:9000), ALOFT_TEST_S3_ACCESS_KEY_ID, ALOFT_TEST_S3_SECRET_ACCESS_KEY, ALOFT_TEST_S3_REGION
 * (default us-east-1). A fresh bucket is created per call and emptied and removed by close(). undefined when unset.
 */
export async function startExternalS3(): Promise<TestS3 | undefined> {
  const endpoint = process.env.ALOFT_TEST_S3_ENDPOINT;
  if (!endpoint) return undefined;
  const { S3Client, CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command } =
    await import("@aws-sdk/client-s3");
  const credentials = {
    accessKeyId: process.env.ALOFT_TEST_S3_ACCESS_KEY_ID ?? "",
    secretAccessKey: process.env.ALOFT_TEST_S3_SECRET_ACCESS_KEY ?? "",
  };
  const region = process.env.ALOFT_TEST_S3_REGION ?? "us-east-1";
  const client = new S3Client({ endpoint, region, credentials, forcePathStyle: true });
  const bucket = `aloft-test-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  let closed = false;
  return {
    endpoint,
    bucket,
    config: { kind: "s3", localRoot: "blobs", bucket, s3: { endpoint, region, ...credentials, forcePathStyle: true } },
    async close() {
      if (closed) return;
      closed = true;
      try {
        for (;;) {
          const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
          const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
          if (keys.length === 0) break;
          await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
        }
        await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      } finally {
        client.destroy();
      }
    },
  };
}
