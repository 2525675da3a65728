// @aloft/kube: the package's front door. A narrow port over the Kubernetes API (@kubernetes/client-node underneath),
// informers, a rate-limited work queue and Lease leader election. Everything not exported here is private.
export {
  isAlreadyExists,
  isConflict,
  isGone,
  isInvalid,
  isNotFound,
  KubeErrorId,
} from "./errors.ts";
export { Indexer } from "./indexer.ts";
export type { IndexFunc } from "./indexer.ts";
export { Informer } from "./informer.ts";
export type { InformerHandlers, InformerOptions } from "./informer.ts";
export { createKubeApi, loadKubeConfig } from "./kube-api.ts";
export type {
  DeleteOptions,
  KubeApi,
  KubeApiOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  Selector,
  WatchHandle,
  WatchOptions,
  WriteOptions,
} from "./kube-api.ts";
export { LeaderElector, releaseOnSignals } from "./leader-election.ts";
export type { LeaderElectionOptions } from "./leader-election.ts";
export {
  BucketRateLimiter,
  defaultControllerRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
} from "./rate-limiters.ts";
export type { RateLimiter } from "./rate-limiters.ts";
export { apiVersionOf, objectKey, resourcePath, resources, splitKey } from "./resources.ts";
export type { ResourceType } from "./resources.ts";
export type {
  KubeList,
  KubeObject,
  KubeStatus,
  ObjectMeta,
  OwnerReference,
  WatchEvent,
  WatchEventType,
} from "./types.ts";
export { WorkQueue } from "./work-queue.ts";
