// Projects: register, update (partial, incl. archive), get, list, and the domains every project carries.
import { create } from "@bufbuild/protobuf";
import {
  type Project,
  type ProjectGetRequest,
  type ProjectListRequest,
  type ProjectRegisterRequest,
  type Projects,
  ProjectRegisterResponseSchema,
  ProjectsSchema,
  ProjectUpdateResponseSchema,
  Project_ProjectState,
  GetDomainsResponseSchema,
  type GetDomainsResponse,
  type ProjectRegisterResponse,
  type ProjectUpdateResponse,
} from "@aloft/idl/flyteidl/admin/project_pb.js";
import type { Domain } from "@aloft/core";
import { missing } from "@aloft/core";
import type { Logger } from "@aloft/core";
import type { ProjectRepo } from "../repositories/project-repo.ts";
import { nextToken, parseListParams } from "../list/index.ts";
import { validateProject, validateProjectRegistration } from "../validation/project-validator.ts";
import { domainMessages, labelsBytes, toProject } from "../transformers/project-transformer.ts";
import { projectNotFound } from "./not-found.ts";

export interface ProjectManagerDeps {
  repo: ProjectRepo;
  domains: Domain[];
  logger: Logger;
}

export class ProjectManager {
  constructor(private readonly deps: ProjectManagerDeps) {}

  async register(req: ProjectRegisterRequest): Promise<ProjectRegisterResponse> {
    const project = req.project;
    validateProjectRegistration(project);
    await this.deps.repo.create({
      identifier: project.id,
      name: project.name,
      description: project.description,
      labels: project.labels ? labelsBytes(project.labels) : null,
      state: project.state,
    });
    return create(ProjectRegisterResponseSchema);
  }

  /** Upstream writes only non-zero fields (gorm `Updates`), except `state`, which is always written. */
  async update(project: Project): Promise<ProjectUpdateResponse> {
    if (project.id === "") throw missing("project_id");
    const existing = await this.deps.repo.get(project.id);
    if (!existing) throw projectNotFound(project.id);
    validateProject(project);
    const patch: Parameters<ProjectRepo["update"]>[1] = { state: project.state };
    if (project.name !== "") patch.name = project.name;
    if (project.description !== "") patch.description = project.description;
    if (project.labels && Object.keys(project.labels.values).length > 0) patch.labels = labelsBytes(project.labels);
    await this.deps.repo.update(project.id, patch);
    return create(ProjectUpdateResponseSchema);
  }

  async get(req: ProjectGetRequest): Promise<Project> {
    if (req.id === "") throw missing("project_id");
    const row = await this.deps.repo.get(req.id);
    if (!row) throw projectNotFound(req.id);
    return toProject(row, this.deps.domains);
  }

  async list(req: ProjectListRequest): Promise<Projects> {
    // The repository hides archived projects when there is no filter; the default order is identifier asc.
    const params = parseListParams({
      entity: "project",
      filters: req.filters,
      sortBy: req.sortBy,
      limit: req.limit,
      token: req.token,
      rpc: "ListProjects",
      limitRequired: false,
    });
    const rows = await this.deps.repo.list(params);
    return create(ProjectsSchema, {
      projects: rows.map((r) => toProject(r, this.deps.domains)),
      token: nextToken(params.offset, params.limit, rows.length),
    });
  }

  getDomains(): GetDomainsResponse {
    return create(GetDomainsResponseSchema, { domains: domainMessages(this.deps.domains) });
  }

  /** Inserts the project if it does not exist (name = id, description "<id> description"), as `migrate seed-projects`. */
  async seed(identifiers: string[]): Promise<string[]> {
    const created: string[] = [];
    for (const id of identifiers) {
      const inserted = await this.deps.repo.createIfAbsent({
        identifier: id,
        name: id,
        description: `${id} description`,
        labels: null,
        state: Project_ProjectState.ACTIVE,
      });
      if (inserted) created.push(id);
    }
    if (created.length > 0) this.deps.logger.info({ projects: created }, "seeded projects");
    return created;
  }
}
