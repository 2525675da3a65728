// @aloft/platform: the package's front door. Everything not exported here is private to the package.
export { createBlobStore } from "./blob/create-blob-store.ts";
export { createTracing } from "./otel-tracing.ts";
export { createMetrics, createSchedulerMetrics } from "./prom-metrics.ts";
export type { PromMetrics } from "./prom-metrics.ts";
export { S3BlobStore } from "./blob/s3-blob-store.ts";
export type { S3BlobStoreOptions } from "./blob/s3-blob-store.ts";
