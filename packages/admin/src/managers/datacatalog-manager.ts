// datacatalog.DataCatalog use cases (upstream datacatalog's dataset, artifact, tag and reservation managers): the
// cache behind task caching. Each method takes and returns the RPC's messages, so this class is also the engine's
// CatalogPort in-process. Artifact data is kept in the database (see migrations/0012-datacatalog.ts).
import { randomUUID } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { durationFromMs, durationMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Clock } from "@aloft/core";
import { AloftError, Code, missing } from "@aloft/core";
import {
  AddTagResponseSchema,
  ArtifactSchema,
  CreateArtifactResponseSchema,
  CreateDatasetResponseSchema,
  DatasetIDSchema,
  DatasetSchema,
  GetArtifactResponseSchema,
  GetDatasetResponseSchema,
  GetOrExtendReservationResponseSchema,
  ListArtifactsResponseSchema,
  ListDatasetsResponseSchema,
  MetadataSchema,
  PaginationOptions_SortOrder,
  PartitionSchema,
  ReleaseReservationResponseSchema,
  ReservationIDSchema,
  ReservationSchema,
  TagSchema,
  UpdateArtifactResponseSchema,
  type AddTagRequest,
  type AddTagResponse,
  type Artifact,
  type ArtifactData,
  type CreateArtifactRequest,
  type CreateArtifactResponse,
  type CreateDatasetRequest,
  type CreateDatasetResponse,
  type Dataset,
  type DatasetID,
  type GetArtifactRequest,
  type GetArtifactResponse,
  type GetDatasetRequest,
  type GetDatasetResponse,
  type GetOrExtendReservationRequest,
  type GetOrExtendReservationResponse,
  type ListArtifactsRequest,
  type ListArtifactsResponse,
  type ListDatasetsRequest,
  type ListDatasetsResponse,
  type Metadata,
  type PaginationOptions,
  type ReleaseReservationRequest,
  type ReleaseReservationResponse,
  type Reservation,
  type UpdateArtifactRequest,
  type UpdateArtifactResponse,
} from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import type {
  CatalogArtifactFilter,
  CatalogArtifactRow,
  CatalogDatasetFilter,
  CatalogDatasetKey,
  CatalogDatasetRow,
  CatalogPage,
  CatalogRepo,
} from "../repositories/catalog-repo.ts";
import type {
  CatalogReservationKey,
  CatalogReservationRepo,
  CatalogReservationRow,
} from "../repositories/catalog-reservation-repo.ts";
import {
  invalidFilter,
  parsePageToken,
  validateArtifact,
  validateArtifactData,
  validateDatasetId,
  validatePagination,
  validatePartitions,
  validateQueryHandle,
  validateReservationId,
  validateTag,
  validateUniquePartitionKeys,
} from "../validation/datacatalog-validator.ts";
import { artifactNotFound, datasetNotFound, tagNotFound } from "./not-found.ts";

/** Upstream's page size when the request has no pagination options (common.MaxPageLimit). */
const DEFAULT_PAGE_LIMIT = 50;

export interface DataCatalogManagerDeps {
  catalog: CatalogRepo;
  reservations: CatalogReservationRepo;
  clock: Clock;
  /** A reservation expires this many heartbeat intervals after it was taken or extended (upstream default 3). */
  heartbeatGracePeriodMultiplier?: number;
  /** Requested heartbeat intervals are capped at this (upstream `max-reservation-heartbeat`, default 10s). */
  maxHeartbeatIntervalMs?: number;
  /** UUIDs of new datasets (default crypto.randomUUID). */
  newUuid?: () => string;
}

type QueryHandle = GetArtifactRequest["queryHandle"];

export class DataCatalogManager {
  private readonly multiplier: number;
  private readonly maxHeartbeatMs: number;
  private readonly newUuid: () => string;

  constructor(private readonly deps: DataCatalogManagerDeps) {
    this.multiplier = deps.heartbeatGracePeriodMultiplier ?? 3;
    this.maxHeartbeatMs = deps.maxHeartbeatIntervalMs ?? 10_000;
    this.newUuid = deps.newUuid ?? randomUUID;
  }

  async createDataset(req: CreateDatasetRequest): Promise<CreateDatasetResponse> {
    const ds = req.dataset;
    validateDatasetId(ds?.id);
    validateUniquePartitionKeys(ds!.partitionKeys);
    await this.deps.catalog.createDataset({
      ...datasetKey(ds!.id!),
      uuid: ds!.id!.UUID !== "" ? ds!.id!.UUID : this.newUuid(),
      metadata: metadataBytes(ds!.metadata),
      partitionKeys: [...ds!.partitionKeys],
    });
    return create(CreateDatasetResponseSchema);
  }

  async getDataset(req: GetDatasetRequest): Promise<GetDatasetResponse> {
    validateDatasetId(req.dataset);
    const row = await this.requireDataset(req.dataset);
    return create(GetDatasetResponseSchema, { dataset: toDataset(row) });
  }

  async listDatasets(req: ListDatasetsRequest): Promise<ListDatasetsResponse> {
    if (req.pagination) validatePagination(req.pagination);
    const filter: CatalogDatasetFilter = {};
    for (const f of req.filter?.filters ?? []) {
      if (f.propertyFilter.case !== "datasetFilter") invalidFilter("Dataset", f);
      const p = f.propertyFilter.value.property;
      if (p.case === undefined) throw missing("dataset property");
      if (p.value === "") throw missing(p.case);
      filter[p.case] = p.value;
    }
    const page = toPage(req.pagination);
    const rows = await this.deps.catalog.listDatasets(filter, page);
    return create(ListDatasetsResponseSchema, {
      datasets: rows.map(toDataset),
      nextToken: String(page.offset + rows.length),
    });
  }

  async createArtifact(req: CreateArtifactRequest): Promise<CreateArtifactResponse> {
    const artifact = req.artifact;
    validateArtifact(artifact);
    const dataset = await this.requireDataset(artifact.dataset);
    validatePartitions(dataset.partitionKeys, artifact.partitions);
    await this.deps.catalog.createArtifact(dataset, {
      artifactId: artifact.id,
      metadata: metadataBytes(artifact.metadata),
      data: dataBytes(artifact.data),
      partitions: artifact.partitions.map((p) => ({ key: p.key, value: p.value })),
    });
    return create(CreateArtifactResponseSchema);
  }

  async getArtifact(req: GetArtifactRequest): Promise<GetArtifactResponse> {
    validateQueryHandle(req.dataset, req.queryHandle);
    const row = await this.findArtifact(req.dataset, req.queryHandle);
    const artifact = toArtifact(row);
    if (artifact.data.length === 0) {
      throw new AloftError(
        Code.INTERNAL,
        "datacatalog.artifact_without_data",
        `artifact ${row.artifactId} does not have artifact data associated`,
      );
    }
    return create(GetArtifactResponseSchema, { artifact });
  }

  async listArtifacts(req: ListArtifactsRequest): Promise<ListArtifactsResponse> {
    validateDatasetId(req.dataset);
    const filter: CatalogArtifactFilter = { partitions: [], tags: [], artifactIds: [] };
    for (const f of req.filter?.filters ?? []) {
      const pf = f.propertyFilter;
      if (pf.case === "tagFilter") {
        if (pf.value.property.case === undefined || pf.value.property.value === "") throw missing("TagName");
        filter.tags.push(pf.value.property.value);
      } else if (pf.case === "partitionFilter") {
        const kv = pf.value.property.value;
        if (!kv || kv.key === "") throw missing("PartitionKey");
        if (kv.value === "") throw missing("PartitionValue");
        filter.partitions.push({ key: kv.key, value: kv.value });
      } else if (pf.case === "artifactFilter") {
        if (pf.value.property.case === undefined || pf.value.property.value === "") throw missing("artifactID");
        filter.artifactIds.push(pf.value.property.value);
      } else {
        invalidFilter("Artifact", f);
      }
    }
    if (req.pagination) validatePagination(req.pagination);
    const dataset = await this.requireDataset(req.dataset);
    const page = toPage(req.pagination);
    const rows = await this.deps.catalog.listArtifacts(dataset, filter, page);
    return create(ListArtifactsResponseSchema, {
      artifacts: rows.map(toArtifact),
      nextToken: String(page.offset + rows.length),
    });
  }

  /** Replaces the artifact's data (all of it) and, when the request carries metadata, its metadata. */
  async updateArtifact(req: UpdateArtifactRequest): Promise<UpdateArtifactResponse> {
    validateQueryHandle(req.dataset, req.queryHandle);
    validateArtifactData(req.data);
    const row = await this.findArtifact(req.dataset, req.queryHandle);
    const metadata = req.metadata ? metadataBytes(req.metadata) : row.metadata;
    if (!(await this.deps.catalog.updateArtifact(row.pk, dataBytes(req.data), metadata)))
      throw artifactNotFound(row.artifactId, row.dataset);
    return create(UpdateArtifactResponseSchema, { artifactId: row.artifactId });
  }

  async addTag(req: AddTagRequest): Promise<AddTagResponse> {
    const tag = req.tag;
    validateTag(tag);
    const dataset = await this.requireDataset(tag.dataset);
    const artifact = await this.deps.catalog.getArtifact(dataset, tag.artifactId);
    if (!artifact) throw artifactNotFound(tag.artifactId, dataset);
    await this.deps.catalog.addTag(dataset, tag.name, artifact.pk);
    return create(AddTagResponseSchema);
  }

  /**
   * Takes the reservation when nobody holds it or it has expired, extends it when the caller holds it, and otherwise
   * returns the holder's reservation unchanged. Concurrent takers are settled by the repository's conditional writes.
   */
  async getOrExtendReservation(req: GetOrExtendReservationRequest): Promise<GetOrExtendReservationResponse> {
    validateReservationId(req.reservationId, req.ownerId);
    if (!req.heartbeatInterval) throw missing("heartbeatInterval");
    const heartbeatMs = Math.min(this.maxHeartbeatMs, durationMs(req.heartbeatInterval));
    const key = reservationKey(req.reservationId);
    const repo = this.deps.reservations;
    const now = this.deps.clock.now();
    const mine: CatalogReservationRow = {
      ownerId: req.ownerId,
      expiresAt: new Date(now.getTime() + heartbeatMs * this.multiplier),
    };
    const current = await repo.get(key);
    let won: boolean;
    if (!current) won = await repo.create(key, mine);
    else if (current.expiresAt.getTime() < now.getTime() || current.ownerId === req.ownerId)
      won = await repo.update(key, mine, now);
    else return this.reservationResponse(key, current, heartbeatMs);
    if (won) return this.reservationResponse(key, mine, heartbeatMs);
    // Someone else won the race between our read and our write: report theirs.
    const winner = await repo.get(key);
    if (!winner)
      throw new AloftError(Code.ABORTED, "datacatalog.reservation_race", "the reservation changed concurrently; retry");
    return this.reservationResponse(key, winner, heartbeatMs);
  }

  /** Releases the caller's reservation; releasing one that does not exist (or is not the caller's) succeeds. */
  async releaseReservation(req: ReleaseReservationRequest): Promise<ReleaseReservationResponse> {
    validateReservationId(req.reservationId, req.ownerId);
    await this.deps.reservations.delete(reservationKey(req.reservationId), req.ownerId);
    return create(ReleaseReservationResponseSchema);
  }

  private reservationResponse(
    key: CatalogReservationKey,
    row: CatalogReservationRow,
    heartbeatMs: number,
  ): GetOrExtendReservationResponse {
    const reservation: Reservation = create(ReservationSchema, {
      reservationId: create(ReservationIDSchema, {
        datasetId: create(DatasetIDSchema, {
          project: key.project,
          name: key.name,
          domain: key.domain,
          version: key.version,
          org: key.org,
        }),
        tagName: key.tagName,
      }),
      ownerId: row.ownerId,
      heartbeatInterval: durationFromMs(heartbeatMs),
      expiresAt: timestampFromDate(row.expiresAt),
    });
    return create(GetOrExtendReservationResponseSchema, { reservation });
  }

  private async requireDataset(id: DatasetID): Promise<CatalogDatasetRow> {
    const row = await this.deps.catalog.getDataset(datasetKey(id), id.UUID);
    if (!row) throw datasetNotFound(datasetKey(id));
    return row;
  }

  /** The artifact a query handle names (validated by validateQueryHandle): by id, or by the dataset's tag. */
  private async findArtifact(datasetId: DatasetID | undefined, handle: QueryHandle): Promise<CatalogArtifactRow> {
    if (handle.case === "tagName") {
      const dataset = await this.deps.catalog.getDataset(datasetKey(datasetId!), datasetId!.UUID);
      const row = dataset ? await this.deps.catalog.getArtifactByTag(dataset, handle.value) : undefined;
      if (!row) throw tagNotFound(handle.value);
      return row;
    }
    const artifactId = handle.value ?? "";
    const dataset = datasetId ? await this.deps.catalog.getDataset(datasetKey(datasetId), datasetId.UUID) : undefined;
    const row = !datasetId || dataset ? await this.deps.catalog.getArtifact(dataset, artifactId) : undefined;
    if (!row) throw artifactNotFound(artifactId, datasetId ? datasetKey(datasetId) : undefined);
    return row;
  }
}

function datasetKey(id: DatasetID): CatalogDatasetKey {
  return { project: id.project, name: id.name, domain: id.domain, version: id.version, org: id.org };
}

function reservationKey(id: { datasetId?: DatasetID | undefined; tagName: string }): CatalogReservationKey {
  return { ...datasetKey(id.datasetId!), tagName: id.tagName };
}

function metadataBytes(m: Metadata | undefined): Uint8Array {
  return toBinary(MetadataSchema, m ?? create(MetadataSchema));
}

/** The ArtifactData list, serialized as an Artifact that carries nothing else: values come back exactly as given. */
function dataBytes(data: ArtifactData[]): Uint8Array {
  return toBinary(ArtifactSchema, create(ArtifactSchema, { data }));
}

function toPage(p: PaginationOptions | undefined): CatalogPage {
  if (!p) return { offset: 0, limit: DEFAULT_PAGE_LIMIT, direction: "desc" };
  return {
    offset: parsePageToken(p.token),
    limit: p.limit > 0 ? p.limit : DEFAULT_PAGE_LIMIT,
    direction: p.sortOrder === PaginationOptions_SortOrder.ASCENDING ? "asc" : "desc",
  };
}

function toDatasetId(k: CatalogDatasetKey & { uuid: string }): DatasetID {
  return create(DatasetIDSchema, {
    project: k.project,
    name: k.name,
    domain: k.domain,
    version: k.version,
    org: k.org,
    UUID: k.uuid,
  });
}

function toDataset(row: CatalogDatasetRow): Dataset {
  return create(DatasetSchema, {
    id: toDatasetId(row),
    metadata: fromBinary(MetadataSchema, row.metadata),
    partitionKeys: row.partitionKeys,
  });
}

function toArtifact(row: CatalogArtifactRow): Artifact {
  const datasetId = toDatasetId(row.dataset);
  return create(ArtifactSchema, {
    id: row.artifactId,
    dataset: datasetId,
    data: fromBinary(ArtifactSchema, row.data).data,
    metadata: fromBinary(MetadataSchema, row.metadata),
    partitions: row.partitions.map((p) => create(PartitionSchema, p)),
    tags: row.tags.map((name) => create(TagSchema, { name, artifactId: row.artifactId, dataset: datasetId })),
    createdAt: timestampFromDate(row.createdAt),
  });
}
