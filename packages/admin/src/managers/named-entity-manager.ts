// Named entities (upstream flyteadmin/pkg/manager/impl/named_entity_manager.go): the names of tasks, workflows and launch plans with their optional metadata.
import { create } from "@bufbuild/protobuf";
import {
  NamedEntityListSchema,
  NamedEntityUpdateResponseSchema,
  type NamedEntity,
  type NamedEntityGetRequest,
  type NamedEntityList,
  type NamedEntityListRequest,
  type NamedEntityUpdateRequest,
  type NamedEntityUpdateResponse,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import { makeFilter, nextToken, parseListParams } from "../list/index.ts";
import type { NamedEntityRepo } from "../repositories/named-entity-repo.ts";
import {
  validateNamedEntityGetRequest,
  validateNamedEntityListRequest,
  validateNamedEntityUpdateRequest,
} from "../validation/named-entity-validator.ts";
import { toNamedEntity } from "../transformers/named-entity-transformer.ts";
import { entryNotFound } from "./not-found.ts";

/** Names of single-task-execution wrappers, hidden from an unfiltered list. */
const SYSTEM_GENERATED_PATTERN = ".flytegen%";

export class NamedEntityManager {
  constructor(private readonly repo: NamedEntityRepo) {}

  async get(req: NamedEntityGetRequest): Promise<NamedEntity> {
    validateNamedEntityGetRequest(req);
    const row = await this.repo.get({ resourceType: req.resourceType, ...req.id! });
    if (!row) throw entryNotFound("named_entity");
    return toNamedEntity(row);
  }

  async update(req: NamedEntityUpdateRequest): Promise<NamedEntityUpdateResponse> {
    validateNamedEntityUpdateRequest(req);
    const key = {
      resourceType: req.resourceType,
      project: req.id!.project,
      domain: req.id!.domain,
      name: req.id!.name,
    };
    if (!(await this.repo.get(key))) throw entryNotFound("named_entity");
    await this.repo.upsertMetadata({ ...key, description: req.metadata!.description, state: req.metadata!.state });
    return create(NamedEntityUpdateResponseSchema);
  }

  async list(req: NamedEntityListRequest): Promise<NamedEntityList> {
    validateNamedEntityListRequest(req);
    const params = parseListParams({
      entity: "named_entity",
      filters: req.filters,
      sortBy: req.sortBy,
      limit: req.limit,
      token: req.token,
      rpc: "ListNamedEntities",
      limitRequired: true,
    });
    // Without filters, hide system-generated names; state filters are COALESCE'd by the repository.
    const filters =
      req.filters === "" ? [makeFilter("named_entity", "not_like", "name", SYSTEM_GENERATED_PATTERN)] : params.filters;
    const rows = await this.repo.list({
      resourceType: req.resourceType,
      project: req.project,
      domain: req.domain,
      filters,
      sort: params.sort,
      limit: params.limit,
      offset: params.offset,
    });
    return create(NamedEntityListSchema, {
      entities: rows.map(toNamedEntity),
      token: nextToken(params.offset, params.limit, rows.length),
    });
  }
}
