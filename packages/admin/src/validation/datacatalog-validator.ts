// Request validation of the data catalog, with upstream datacatalog's messages (`missing %s`, its field names).
import { invalidArgument, missing } from "@aloft/core";
import {
  PaginationOptions_SortKey,
  PaginationOptions_SortOrder,
  type Artifact,
  type ArtifactData,
  type DatasetID,
  type Partition,
  type PaginationOptions,
  type ReservationID,
  type SinglePropertyFilter,
  type Tag,
} from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";

/** Asserts every string field of the dataset id upstream requires (org and UUID are optional). */
export function validateDatasetId(id: DatasetID | undefined): asserts id is DatasetID {
  if (!id) throw missing("dataset");
  if (id.project === "") throw missing("project");
  if (id.domain === "") throw missing("domain");
  if (id.name === "") throw missing("name");
  if (id.version === "") throw missing("version");
}

export function validateUniquePartitionKeys(keys: readonly string[]): void {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  if ([...counts.values()].some((n) => n > 1)) {
    const occurrences = [...counts].map(([k, n]) => `${k}:${n}`).join(" ");
    throw invalidArgument(
      "datacatalog.invalid_partition_keys",
      `invalid value for partitionKey, value:[Keys are not unique, occurrence count: map[${occurrences}]]`,
    );
  }
}

export function validateArtifact(
  artifact: Artifact | undefined,
): asserts artifact is Artifact & { dataset: DatasetID } {
  if (!artifact) throw missing("artifact");
  validateDatasetId(artifact.dataset);
  if (artifact.id === "") throw missing("artifactID");
  validateArtifactData(artifact.data);
}

/** At least one ArtifactData, names unique (upstream's rows are keyed by name; a repeat would collide). */
export function validateArtifactData(data: readonly ArtifactData[]): void {
  if (data.length === 0) throw missing("artifactData");
  const names = new Set<string>();
  for (const d of data) {
    if (names.has(d.name))
      throw invalidArgument(
        "datacatalog.duplicate_artifact_data",
        `invalid value for artifactData, value:[duplicate name ${d.name}]`,
      );
    names.add(d.name);
  }
}

/** The artifact's partitions must assign exactly the dataset's partition keys, each with a value. */
export function validatePartitions(datasetKeys: readonly string[], partitions: readonly Partition[]): void {
  if (datasetKeys.length !== partitions.length) {
    throw invalidArgument(
      "datacatalog.partition_mismatch",
      `Partition key mismatch, dataset keys: [${datasetKeys.join(" ")}], artifact Partitions: [${partitions.map((p) => `key:"${p.key}" value:"${p.value}"`).join(" ")}]`,
    );
  }
  const wanted = new Set(datasetKeys);
  const seen = new Set<string>();
  partitions.forEach((p, i) => {
    if (p.key === "") throw missing(`partitionKey[${i}]`);
    if (p.value === "") throw missing(`partitionValue[${i}]`);
    if (!wanted.has(p.key) || seen.has(p.key)) {
      throw invalidArgument(
        "datacatalog.partition_mismatch",
        `Artifact partition assignment does not match dataset partition keys: [${datasetKeys.join(" ")}]`,
      );
    }
    seen.add(p.key);
  });
}

/** GetArtifact / UpdateArtifact handles: by artifact id (dataset optional) or by tag name (dataset required). */
export function validateQueryHandle(
  dataset: DatasetID | undefined,
  handle: { case: "artifactId" | "tagName"; value: string } | { case: undefined },
): void {
  switch (handle.case) {
    case "artifactId":
      if (dataset) validateDatasetId(dataset);
      if (handle.value === "") throw missing("artifactID");
      return;
    case "tagName":
      validateDatasetId(dataset);
      if (handle.value === "") throw missing("tagName");
      return;
    default:
      throw missing("one of artifactID/tagName");
  }
}

export function validateTag(tag: Tag | undefined): asserts tag is Tag & { dataset: DatasetID } {
  if (!tag) throw missing("tag");
  validateDatasetId(tag.dataset);
  if (tag.name === "") throw missing("tagName");
  if (tag.artifactId === "") throw missing("artifactID");
}

export function validateReservationId(
  id: ReservationID | undefined,
  ownerId: string,
): asserts id is ReservationID & { datasetId: DatasetID } {
  if (!id) throw missing("reservationID");
  validateDatasetId(id.datasetId);
  if (id.tagName === "") throw missing("tagName");
  if (ownerId === "") throw missing("ownerID");
}

/** The page offset a token encodes (upstream: a uint32 in decimal; empty means 0). */
export function parsePageToken(token: string): number {
  if (token.trim() === "") return 0;
  if (!/^\d+$/.test(token) || Number(token) > 0xffffffff)
    throw invalidArgument("datacatalog.invalid_token", `Invalid token value: ${token}`);
  return Number(token);
}

export function validatePagination(p: PaginationOptions): void {
  parsePageToken(p.token);
  if (p.sortKey !== PaginationOptions_SortKey.CREATION_TIME)
    throw invalidArgument("datacatalog.invalid_sort_key", `Invalid sort key ${p.sortKey}`);
  if (p.sortOrder !== PaginationOptions_SortOrder.ASCENDING && p.sortOrder !== PaginationOptions_SortOrder.DESCENDING) {
    throw invalidArgument("datacatalog.invalid_sort_order", `Invalid sort order ${p.sortOrder}`);
  }
}

const FILTER_ENTITY: Record<NonNullable<SinglePropertyFilter["propertyFilter"]["case"]>, string> = {
  tagFilter: "Tag",
  partitionFilter: "Partition",
  artifactFilter: "Artifact",
  datasetFilter: "Dataset",
};

/** `<entity> cannot be filtered by <other> properties` for a filter of a kind the list does not support. */
export function invalidFilter(listed: "Dataset" | "Artifact", filter: SinglePropertyFilter): never {
  const c = filter.propertyFilter.case;
  if (c === undefined) throw missing("property_filter");
  throw invalidArgument("datacatalog.invalid_filter", `${listed} cannot be filtered by ${FILTER_ENTITY[c]} properties`);
}
