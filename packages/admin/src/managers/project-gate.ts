// The project/domain gate used by every registration and execution (flyteadmin ValidateProjectAndDomain):
// the project must exist and be ACTIVE, and the domain must be configured. All failures are INVALID_ARGUMENT.
import { create } from "@bufbuild/protobuf";
import { InactiveProjectSchema, Project_ProjectState } from "@aloft/idl/flyteidl/admin/project_pb.js";
import type { Domain } from "@aloft/core";
import { invalidArgument } from "@aloft/core";
import type { ProjectRepo } from "../repositories/project-repo.ts";

export class ProjectGate {
  constructor(
    private readonly projects: ProjectRepo,
    private readonly domains: Domain[],
  ) {}

  async validateProjectAndDomain(project: string, domain: string): Promise<void> {
    const row = await this.projects.get(project);
    if (!row) {
      throw invalidArgument(
        "project.unregistered",
        `failed to validate that project [${project}] and domain [${domain}] are registered, err: [project [${project}] not found]`,
      );
    }
    if (row.state !== Project_ProjectState.ACTIVE) {
      throw invalidArgument("project.inactive", `project [${project}] is not active`, [
        { schema: InactiveProjectSchema, value: create(InactiveProjectSchema, { id: project }) },
      ]);
    }
    this.validateDomain(domain);
  }

  /** Project attributes: Update/Delete require an ACTIVE project, Get only its existence. */
  async validateProjectExists(project: string, requireActive: boolean): Promise<void> {
    const row = await this.projects.get(project);
    if (!row)
      throw invalidArgument("project.unregistered", `failed to validate that project [${project}] is registered`);
    if (requireActive && row.state !== Project_ProjectState.ACTIVE) {
      throw invalidArgument("project.inactive", `project [${project}] is not active`, [
        { schema: InactiveProjectSchema, value: create(InactiveProjectSchema, { id: project }) },
      ]);
    }
  }

  validateDomain(domain: string): void {
    if (!this.domains.some((d) => d.id === domain)) {
      throw invalidArgument("domain.unknown", `domain [${domain}] is unrecognized by system`);
    }
  }
}
