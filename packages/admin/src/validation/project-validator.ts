// Project validation as flyteadmin's project_validator.go: same order, same messages, all INVALID_ARGUMENT.
import type { Project } from "@aloft/idl/flyteidl/admin/project_pb.js";
import type { Labels } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { invalidArgument, missing } from "@aloft/core";
import { dns1123LabelErrors, labelValueErrors, qualifiedNameErrors } from "./k8s-names.ts";
import { exceedsCodePoints } from "./text.ts";

const MAX_NAME_LENGTH = 64;
const MAX_DESCRIPTION_LENGTH = 300;
const MAX_LABEL_ENTRIES = 16;

export function validateProjectRegistration(project: Project | undefined): asserts project is Project {
  if (!project) throw missing("project");
  if (project.name === "") throw missing("project_name");
  validateProject(project);
}

export function validateProject(project: Project): void {
  if (project.id === "") throw missing("project_id");
  validateLabels(project.labels);
  const idErrors = dns1123LabelErrors(project.id);
  if (idErrors.length > 0) {
    throw invalidArgument("project.invalid_id", `invalid project id [${project.id}]: [${idErrors.join(" ")}]`);
  }
  maxLength(project.name, "project_name", MAX_NAME_LENGTH);
  maxLength(project.description, "project_description", MAX_DESCRIPTION_LENGTH);
  if (project.domains.length > 0) {
    throw invalidArgument(
      "project.domains_set",
      "Domains are currently only set system wide. Please retry without domains included in your request.",
    );
  }
}

function maxLength(value: string, field: string, max: number): void {
  if (exceedsCodePoints(value, max))
    throw invalidArgument("validation.too_long", `${field} cannot exceed ${max} characters`);
}

function validateLabels(labels: Labels | undefined): void {
  if (!labels) return;
  const entries = Object.entries(labels.values);
  if (entries.length > MAX_LABEL_ENTRIES) {
    throw invalidArgument(
      "validation.too_many",
      `labels has too many entries [${entries.length} > ${MAX_LABEL_ENTRIES}]`,
    );
  }
  for (const [key, value] of entries) {
    const keyErrors = qualifiedNameErrors(key);
    if (keyErrors.length > 0)
      throw invalidArgument("project.invalid_label", `invalid label key [${key}]: [${keyErrors.join(" ")}]`);
    const valueErrors = labelValueErrors(value);
    if (valueErrors.length > 0) {
      throw invalidArgument("project.invalid_label", `invalid label value [${value}]: [${valueErrors.join(" ")}]`);
    }
  }
}
