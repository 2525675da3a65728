// What every registered entity's list RPCs share: the implicit identifier filters, and the List*Ids use-case
// (distinct (project, domain, name) of an entity's versions, paginated over the names; upstream ignores `filters`).
import { create } from "@bufbuild/protobuf";
import type { ProjectDomainName } from "@aloft/core";
import {
  NamedEntityIdentifierListSchema,
  NamedEntityIdentifierSchema,
  type NamedEntityIdentifierList,
  type NamedEntityIdentifierListRequest,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  makeFilter,
  nextToken,
  parseListParams,
  type Filter,
  type ListParams,
  type PrimaryEntity,
} from "../list/index.ts";
import { validateProjectDomain } from "../validation/identifier.ts";

/** The implicit identifier filters of list RPCs (name only when given). */
export function identifierFilters(entity: PrimaryEntity, project: string, domain: string, name = ""): Filter[] {
  const out = [makeFilter(entity, "eq", "project", project), makeFilter(entity, "eq", "domain", domain)];
  if (name !== "") out.push(makeFilter(entity, "eq", "name", name));
  return out;
}

export async function listEntityIds(
  entity: PrimaryEntity,
  rpc: string,
  req: NamedEntityIdentifierListRequest,
  list: (q: ListParams) => Promise<ProjectDomainName[]>,
): Promise<NamedEntityIdentifierList> {
  validateProjectDomain(req.project, req.domain);
  const params = parseListParams({
    entity,
    filters: "",
    sortBy: req.sortBy,
    limit: req.limit,
    token: req.token,
    rpc,
    limitRequired: true,
  });
  const keys = await list({ ...params, filters: identifierFilters(entity, req.project, req.domain) });
  return create(NamedEntityIdentifierListSchema, {
    entities: keys.map((k) => create(NamedEntityIdentifierSchema, k)),
    token: nextToken(params.offset, params.limit, keys.length),
  });
}
