// A node's cache status as node events report it (task_node_metadata: cache_status, catalog_key, reservation_status).
import { fromJson, toJson, type JsonObject } from "@bufbuild/protobuf";
import {
  CatalogCacheStatus,
  CatalogMetadataSchema,
  CatalogReservation_Status,
  type CatalogMetadata,
} from "@aloft/idl/flyteidl/core/catalog_pb.js";
import type { TaskNodeMetadata } from "@aloft/idl/flyteidl/event/event_pb.js";
import type { NodeCacheStatus } from "../executor/status.ts";

type CacheFields = Pick<TaskNodeMetadata, "cacheStatus"> &
  Partial<Pick<TaskNodeMetadata, "catalogKey" | "reservationStatus">>;

/** The task_node_metadata fields of a node event; no cache status → CACHE_DISABLED. */
export function cacheEventFields(c: NodeCacheStatus | undefined): CacheFields {
  if (!c) return { cacheStatus: CatalogCacheStatus.CACHE_DISABLED };
  const out: CacheFields = { cacheStatus: CatalogCacheStatus[`CACHE_${c.status}`] };
  if (c.key) out.catalogKey = fromJson(CatalogMetadataSchema, c.key as JsonObject);
  if (c.reservation) out.reservationStatus = CatalogReservation_Status[`RESERVATION_${c.reservation}`];
  return out;
}

export const catalogKeyJson = (md: CatalogMetadata): Record<string, unknown> =>
  toJson(CatalogMetadataSchema, md) as Record<string, unknown>;
