// Test support: an in-memory data catalog with datacatalog's semantics as the engine relies on them — NOT_FOUND for a
// missing dataset/artifact/tag, ALREADY_EXISTS for a repeated dataset/artifact/tag, artifacts found by id or tag, tags
// moved by UpdateArtifact, and reservations that expire `heartbeat × 3` after they were last extended.
import { clone, create } from "@bufbuild/protobuf";
import { durationMs, timestampFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import {
  AddTagResponseSchema,
  ArtifactDataSchema,
  ArtifactSchema,
  CreateArtifactResponseSchema,
  CreateDatasetResponseSchema,
  DatasetSchema,
  GetArtifactResponseSchema,
  GetDatasetResponseSchema,
  GetOrExtendReservationResponseSchema,
  ReleaseReservationResponseSchema,
  ReservationSchema,
  TagSchema,
  UpdateArtifactResponseSchema,
  type AddTagRequest,
  type Artifact,
  type CreateArtifactRequest,
  type CreateDatasetRequest,
  type Dataset,
  type DatasetID,
  type GetArtifactRequest,
  type GetDatasetRequest,
  type GetOrExtendReservationRequest,
  type ReleaseReservationRequest,
  type Reservation,
  type Tag,
  type UpdateArtifactRequest,
} from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import { alreadyExists, invalidArgument, notFound, type AloftError } from "@aloft/core";
import type { CatalogPort } from "../ports.ts";

/** Reservations last this many heartbeats (datacatalog's `heartbeat-grace-period-multiplier`). */
const GRACE_MULTIPLIER = 3;

type CatalogOp = keyof CatalogPort;

const dsKey = (id: DatasetID | undefined) => {
  if (!id) throw invalidArgument("catalog.missing_dataset", "missing dataset id");
  return `${id.project}/${id.domain}/${id.name}/${id.version}`;
};

export class MemoryCatalog implements CatalogPort {
  readonly #datasets = new Map<string, Dataset>();
  /** Artifacts by dataset key, then id. */
  readonly #artifacts = new Map<string, Map<string, Artifact>>();
  /** Tag → artifact id, by dataset key + tag name. */
  readonly #tags = new Map<string, Tag>();
  readonly #reservations = new Map<string, Reservation>();
  /** Calls made, by operation (tests assert on them). */
  readonly calls: Record<CatalogOp, number> = {
    createDataset: 0,
    getDataset: 0,
    createArtifact: 0,
    getArtifact: 0,
    addTag: 0,
    updateArtifact: 0,
    getOrExtendReservation: 0,
    releaseReservation: 0,
  };
  /** Returns an error to fail an operation with (e.g. UNAVAILABLE for a flaky catalog). */
  fail: ((op: CatalogOp) => AloftError | undefined) | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  #enter(op: CatalogOp) {
    this.calls[op]++;
    const e = this.fail?.(op);
    if (e) throw e;
  }

  /** Every artifact stored (tests). */
  artifacts(): Artifact[] {
    return [...this.#artifacts.values()].flatMap((m) => [...m.values()]).map((a) => this.#withTags(a));
  }

  async createDataset(req: CreateDatasetRequest) {
    this.#enter("createDataset");
    const key = dsKey(req.dataset?.id);
    if (this.#datasets.has(key)) throw alreadyExists("catalog.dataset_exists", `dataset ${key} already exists`);
    this.#datasets.set(key, clone(DatasetSchema, req.dataset!));
    this.#artifacts.set(key, new Map());
    return create(CreateDatasetResponseSchema, {});
  }

  async getDataset(req: GetDatasetRequest) {
    this.#enter("getDataset");
    const ds = this.#datasets.get(dsKey(req.dataset));
    if (!ds) throw notFound("catalog.dataset_not_found", `dataset ${dsKey(req.dataset)} not found`);
    return create(GetDatasetResponseSchema, { dataset: clone(DatasetSchema, ds) });
  }

  async createArtifact(req: CreateArtifactRequest) {
    this.#enter("createArtifact");
    const a = req.artifact;
    const key = dsKey(a?.dataset);
    const arts = this.#artifacts.get(key);
    if (!arts) throw notFound("catalog.dataset_not_found", `dataset ${key} not found`);
    if (!a!.id) throw invalidArgument("catalog.missing_artifact_id", "missing artifact id");
    if (arts.has(a!.id)) throw alreadyExists("catalog.artifact_exists", `artifact ${a!.id} already exists`);
    arts.set(
      a!.id,
      create(ArtifactSchema, { ...clone(ArtifactSchema, a!), tags: [], createdAt: timestampFromMs(this.now()) }),
    );
    return create(CreateArtifactResponseSchema, {});
  }

  #find(
    dataset: DatasetID | undefined,
    handle: { case: "artifactId" | "tagName" | undefined; value?: string },
  ): Artifact {
    const key = dsKey(dataset);
    const arts = this.#artifacts.get(key);
    const id = handle.case === "tagName" ? this.#tags.get(`${key}#${handle.value}`)?.artifactId : handle.value;
    const a = id === undefined ? undefined : arts?.get(id);
    if (!a) throw notFound("catalog.artifact_not_found", `artifact ${handle.value ?? ""} not found in ${key}`);
    return a;
  }

  #withTags(a: Artifact): Artifact {
    const key = dsKey(a.dataset);
    const tags = [...this.#tags.entries()]
      .filter(([k, t]) => k.startsWith(`${key}#`) && t.artifactId === a.id)
      .map(([, t]) => t);
    return create(ArtifactSchema, { ...clone(ArtifactSchema, a), tags: tags.map((t) => clone(TagSchema, t)) });
  }

  async getArtifact(req: GetArtifactRequest) {
    this.#enter("getArtifact");
    return create(GetArtifactResponseSchema, { artifact: this.#withTags(this.#find(req.dataset, req.queryHandle)) });
  }

  async addTag(req: AddTagRequest) {
    this.#enter("addTag");
    const t = req.tag;
    const key = dsKey(t?.dataset);
    this.#find(t!.dataset, { case: "artifactId", value: t!.artifactId });
    if (this.#tags.has(`${key}#${t!.name}`)) throw alreadyExists("catalog.tag_exists", `tag ${t!.name} already exists`);
    this.#tags.set(`${key}#${t!.name}`, clone(TagSchema, t!));
    return create(AddTagResponseSchema, {});
  }

  async updateArtifact(req: UpdateArtifactRequest) {
    this.#enter("updateArtifact");
    const a = this.#find(req.dataset, req.queryHandle);
    a.data = req.data.map((d) => clone(ArtifactDataSchema, d));
    if (req.metadata) a.metadata = req.metadata;
    return create(UpdateArtifactResponseSchema, { artifactId: a.id });
  }

  async getOrExtendReservation(req: GetOrExtendReservationRequest) {
    this.#enter("getOrExtendReservation");
    const id = req.reservationId;
    const key = `${dsKey(id?.datasetId)}#${id?.tagName ?? ""}`;
    const now = this.now();
    const held = this.#reservations.get(key);
    const heldUntil = held?.expiresAt ? timestampMs(held.expiresAt) : 0;
    if (held && held.ownerId !== req.ownerId && heldUntil > now) {
      return create(GetOrExtendReservationResponseSchema, { reservation: clone(ReservationSchema, held) });
    }
    const heartbeat = req.heartbeatInterval ? durationMs(req.heartbeatInterval) : 0;
    const r = create(ReservationSchema, {
      reservationId: id,
      ownerId: req.ownerId,
      ...(req.heartbeatInterval ? { heartbeatInterval: req.heartbeatInterval } : {}),
      expiresAt: timestampFromMs(now + heartbeat * GRACE_MULTIPLIER),
    });
    this.#reservations.set(key, r);
    return create(GetOrExtendReservationResponseSchema, { reservation: clone(ReservationSchema, r) });
  }

  async releaseReservation(req: ReleaseReservationRequest) {
    this.#enter("releaseReservation");
    const id = req.reservationId;
    const key = `${dsKey(id?.datasetId)}#${id?.tagName ?? ""}`;
    if (this.#reservations.get(key)?.ownerId === req.ownerId) this.#reservations.delete(key);
    return create(ReleaseReservationResponseSchema, {});
  }
}
