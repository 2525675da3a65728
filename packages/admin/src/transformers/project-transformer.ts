// Project rows ⇄ flyteidl messages (flyteadmin transformers/project.go). Domains are configuration, not rows: every
// project carries the configured list.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { LabelsSchema, type Labels } from "@aloft/idl/flyteidl/admin/common_pb.js";
import {
  DomainSchema,
  ProjectSchema,
  type Domain as DomainMessage,
  type Project,
} from "@aloft/idl/flyteidl/admin/project_pb.js";
import type { Domain } from "@aloft/core";
import type { ProjectRow } from "../repositories/project-repo.ts";

export const labelsBytes = (labels: Labels): Uint8Array => toBinary(LabelsSchema, labels);

export function domainMessages(domains: readonly Domain[]): DomainMessage[] {
  return domains.map((d) => create(DomainSchema, { id: d.id, name: d.name }));
}

export function toProject(row: ProjectRow, domains: readonly Domain[]): Project {
  let labels: Labels | undefined;
  if (row.labels && row.labels.length > 0) labels = fromBinary(LabelsSchema, row.labels);
  return create(ProjectSchema, {
    id: row.identifier,
    name: row.name,
    description: row.description,
    labels,
    state: row.state,
    domains: domainMessages(domains),
  });
}
