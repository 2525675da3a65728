// The data catalog calls behind task caching (upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go; upstream datacatalog `datacatalog.go`):
// lookup by dataset + input tag, put (dataset, artifact, tag), overwrite, and the reservations of serialized caching.
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { durationFromMs, timestampMs } from "@bufbuild/protobuf/wkt";
import {
  CatalogArtifactTagSchema,
  CatalogMetadataSchema,
  type CatalogMetadata,
} from "@aloft/idl/flyteidl/core/catalog_pb.js";
import {
  IdentifierSchema,
  ResourceType,
  TaskExecutionIdentifierSchema,
  type Identifier,
  type TaskExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { LiteralMapSchema, type Literal, type LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import {
  AddTagRequestSchema,
  ArtifactDataSchema,
  CreateArtifactRequestSchema,
  CreateDatasetRequestSchema,
  GetArtifactRequestSchema,
  GetDatasetRequestSchema,
  GetOrExtendReservationRequestSchema,
  MetadataSchema,
  ReleaseReservationRequestSchema,
  ReservationIDSchema,
  TagSchema,
  UpdateArtifactRequestSchema,
  type Artifact,
  type DatasetID,
  type Metadata,
  type Tag,
} from "@aloft/idl/flyteidl/datacatalog/datacatalog_pb.js";
import { areTypesCastable } from "@aloft/core";
import { literalTypeForLiteral } from "@aloft/core";
import { AloftError, Code, failedPrecondition } from "@aloft/core";
import type { CatalogPort } from "../ports.ts";
import { artifactTagOf, datasetIdOf, type CatalogKey } from "./catalog-key.ts";

export type LookupResult = { hit: true; outputs: LiteralMap; metadata: CatalogMetadata } | { hit: false };
type PutResult = { status: "POPULATED" | "PUT_FAILURE"; metadata?: CatalogMetadata; error?: unknown };

const TASK_VERSION = "task-version";
const EXEC_NAME = "execution-name";
const EXEC_DOMAIN = "exec-domain";
const EXEC_PROJECT = "exec-project";
const EXEC_NODE = "exec-node";
const EXEC_ATTEMPT = "exec-attempt";

const isCode = (e: unknown, code: Code) => e instanceof AloftError && e.code === code;

/** NOT_FOUND → undefined; any other error propagates (a round error, upstream flytepropeller/pkg/controller/nodes/cache.go, flyteplugins/go/tasks/pluginmachinery/catalog/hashing.go). */
async function orMissing<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (e) {
    if (isCode(e, Code.NOT_FOUND)) return undefined;
    throw e;
  }
}

/**
 * Cached outputs for the key, type-checked against the task's outputs (a mismatch throws: not a miss). An artifact
 * created more than `maxAge.ms` before `maxAge.now` is a miss (upstream's max-cache-age).
 */
export async function lookupCache(
  catalog: CatalogPort,
  key: CatalogKey,
  maxAge?: { ms: number; now: number },
): Promise<LookupResult> {
  const datasetId = datasetIdOf(key);
  const ds = await orMissing(catalog.getDataset(create(GetDatasetRequestSchema, { dataset: datasetId })));
  if (!ds?.dataset) return { hit: false };
  const tag = artifactTagOf(key);
  const got = await orMissing(
    catalog.getArtifact(
      create(GetArtifactRequestSchema, {
        dataset: ds.dataset.id ?? datasetId,
        queryHandle: { case: "tagName", value: tag },
      }),
    ),
  );
  if (!got?.artifact) return { hit: false };
  if (
    maxAge &&
    maxAge.ms > 0 &&
    got.artifact.createdAt &&
    maxAge.now - timestampMs(got.artifact.createdAt) > maxAge.ms
  ) {
    return { hit: false };
  }
  const outputs = outputsFromArtifact(key, got.artifact);
  const source = sourceFromMetadata(ds.dataset.metadata, got.artifact.metadata, key.taskId);
  return { hit: true, outputs, metadata: catalogMetadata(ds.dataset.id ?? datasetId, got.artifact.tags[0], source) };
}

function outputsFromArtifact(key: CatalogKey, artifact: Artifact): LiteralMap {
  const declared = key.iface.outputs?.variables ?? {};
  const names = Object.keys(declared);
  if (names.length === 0) return create(LiteralMapSchema, {});
  const bad = (why: string) =>
    failedPrecondition("engine.cache.artifact_mismatch", `cached artifact ${artifact.id}: ${why}`);
  if (artifact.data.length !== names.length) {
    throw bad(`the task has ${names.length} outputs, the artifact ${artifact.data.length} values`);
  }
  const literals: Record<string, Literal> = {};
  for (const d of artifact.data) {
    const v = declared[d.name];
    if (!v) throw bad(`value [${d.name}] is not an output of the task (${names.join(", ")})`);
    const type = d.value ? literalTypeForLiteral(d.value) : undefined;
    if (!d.value || !areTypesCastable(type, v.type))
      throw bad(`value [${d.name}] does not match the declared output type`);
    literals[d.name] = d.value;
  }
  return create(LiteralMapSchema, { literals });
}

const datasetIdentifier = (id: DatasetID): Identifier =>
  create(IdentifierSchema, {
    resourceType: ResourceType.DATASET,
    project: id.project,
    domain: id.domain,
    name: id.name,
    version: id.version,
  });

function catalogMetadata(id: DatasetID, tag?: Tag, source?: TaskExecutionIdentifier): CatalogMetadata {
  const md = create(CatalogMetadataSchema, { datasetId: datasetIdentifier(id) });
  if (tag) md.artifactTag = create(CatalogArtifactTagSchema, { artifactId: tag.artifactId, name: tag.name });
  if (source) md.sourceExecution = { case: "sourceTaskExecution", value: source };
  return md;
}

/** Which task execution produced an artifact, from the dataset's and artifact's metadata ("unknown" where absent). */
function sourceFromMetadata(
  ds: Metadata | undefined,
  art: Metadata | undefined,
  current: Identifier,
): TaskExecutionIdentifier {
  const d = ds?.keyMap ?? {};
  const a = art?.keyMap ?? {};
  const attempt = Number.parseInt(a[EXEC_ATTEMPT] ?? "0", 10);
  return create(TaskExecutionIdentifierSchema, {
    taskId: { ...current, version: d[TASK_VERSION] ?? "unknown" },
    retryAttempt: Number.isFinite(attempt) && attempt >= 0 ? attempt : 0,
    nodeExecutionId: {
      nodeId: a[EXEC_NODE] ?? "unknown",
      executionId: {
        project: a[EXEC_PROJECT] ?? current.project,
        domain: a[EXEC_DOMAIN] ?? current.domain,
        name: a[EXEC_NAME] ?? "unknown",
      },
    },
  });
}

const artifactMetadata = (src: TaskExecutionIdentifier): Metadata =>
  create(MetadataSchema, {
    keyMap: {
      [EXEC_PROJECT]: src.nodeExecutionId?.executionId?.project ?? "",
      [EXEC_DOMAIN]: src.nodeExecutionId?.executionId?.domain ?? "",
      [EXEC_NAME]: src.nodeExecutionId?.executionId?.name ?? "",
      [EXEC_NODE]: src.nodeExecutionId?.nodeId ?? "",
      [EXEC_ATTEMPT]: String(src.retryAttempt),
    },
  });

/**
 * Stores the outputs of a successful execution under the key: dataset (ALREADY_EXISTS is fine), artifact, tag
 * (ALREADY_EXISTS is fine). `overwrite` replaces the tagged artifact's data instead, creating it if there is none.
 * Never throws: a failure is PUT_FAILURE (the node still succeeds).
 */
export async function putCache(
  catalog: CatalogPort,
  key: CatalogKey,
  outputs: LiteralMap,
  source: TaskExecutionIdentifier,
  overwrite: boolean,
): Promise<PutResult> {
  let datasetId: DatasetID | undefined;
  try {
    datasetId = datasetIdOf(key);
    const datasetMd = create(MetadataSchema, { keyMap: { [TASK_VERSION]: source.taskId?.version ?? "" } });
    try {
      await catalog.createDataset(
        create(CreateDatasetRequestSchema, { dataset: { id: datasetId, metadata: datasetMd } }),
      );
    } catch (e) {
      if (!isCode(e, Code.ALREADY_EXISTS)) throw e;
    }
    const data = Object.entries(outputs.literals).map(([name, value]) => create(ArtifactDataSchema, { name, value }));
    const tagName = artifactTagOf(key);
    const metadata = artifactMetadata(source);
    if (overwrite) {
      const updated = await orMissing(
        catalog.updateArtifact(
          create(UpdateArtifactRequestSchema, {
            dataset: datasetId,
            queryHandle: { case: "tagName", value: tagName },
            data,
            metadata,
          }),
        ),
      );
      if (updated) {
        const tag = create(TagSchema, { name: tagName, artifactId: updated.artifactId, dataset: datasetId });
        return {
          status: "POPULATED",
          metadata: catalogMetadata(datasetId, tag, sourceFromMetadata(datasetMd, metadata, key.taskId)),
        };
      }
    }
    const artifactId = randomUUID();
    await catalog.createArtifact(
      create(CreateArtifactRequestSchema, { artifact: { id: artifactId, dataset: datasetId, data, metadata } }),
    );
    const tag = create(TagSchema, { name: tagName, artifactId, dataset: datasetId });
    try {
      await catalog.addTag(create(AddTagRequestSchema, { tag }));
    } catch (e) {
      if (!isCode(e, Code.ALREADY_EXISTS)) throw e;
    }
    return { status: "POPULATED", metadata: catalogMetadata(datasetId, tag) };
  } catch (error) {
    return datasetId
      ? { status: "PUT_FAILURE", metadata: catalogMetadata(datasetId), error }
      : { status: "PUT_FAILURE", error };
  }
}

const reservationId = (key: CatalogKey) =>
  create(ReservationIDSchema, { datasetId: datasetIdOf(key), tagName: artifactTagOf(key) });

/** GetOrExtendReservation: ACQUIRED when we hold it (new or extended), EXISTS when another owner does. */
export async function reserveCache(
  catalog: CatalogPort,
  key: CatalogKey,
  ownerId: string,
  heartbeatMs: number,
): Promise<"ACQUIRED" | "EXISTS"> {
  const res = await catalog.getOrExtendReservation(
    create(GetOrExtendReservationRequestSchema, {
      reservationId: reservationId(key),
      ownerId,
      heartbeatInterval: durationFromMs(heartbeatMs),
    }),
  );
  // A catalog that answers without a reservation cannot serialize anything: run rather than wait forever.
  const owner = res.reservation?.ownerId ?? ownerId;
  return owner === ownerId ? "ACQUIRED" : "EXISTS";
}

/** ReleaseReservation (a reservation held by someone else, or none, is left alone by the catalog). */
export async function releaseCache(catalog: CatalogPort, key: CatalogKey, ownerId: string): Promise<void> {
  await catalog.releaseReservation(
    create(ReleaseReservationRequestSchema, { reservationId: reservationId(key), ownerId }),
  );
}
