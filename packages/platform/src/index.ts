// @aloft/platform: the package's front door. Everything not exported here is private to the package.
// Heavy dependencies load on first use only: the AWS SDK (createBlobStore for S3, openS3BlobStore) and OpenTelemetry
// (createTracing with an endpoint). Nothing here may import them statically.
export { createBlobStore, openS3BlobStore } from "./blob/create-blob-store.ts";
export { createTracing } from "./tracing.ts";
export { createMetrics, createSchedulerMetrics } from "./prom-metrics.ts";
export type { PromMetrics } from "./prom-metrics.ts";
export type { S3BlobStoreOptions } from "./blob/s3-blob-store.ts";
