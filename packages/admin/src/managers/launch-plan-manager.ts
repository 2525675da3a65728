// Launch plans (upstream flyteadmin/pkg/manager/impl/launch_plan_manager.go, upstream flyteadmin/scheduler/): register against a registered workflow, activate/deactivate (one active version
// per name, schedules switched in the same transaction), get, get active, list, list active, list ids.
import { clone, create } from "@bufbuild/protobuf";
import type { Kysely } from "kysely";
import {
  LaunchPlanCreateResponseSchema,
  LaunchPlanListSchema,
  LaunchPlanSchema,
  LaunchPlanSpecSchema,
  LaunchPlanState,
  LaunchPlanUpdateResponseSchema,
  type ActiveLaunchPlanListRequest,
  type ActiveLaunchPlanRequest,
  type LaunchPlan,
  type LaunchPlanCreateRequest,
  type LaunchPlanCreateResponse,
  type LaunchPlanList,
  type LaunchPlanSpec,
  type LaunchPlanUpdateRequest,
  type LaunchPlanUpdateResponse,
} from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import type {
  NamedEntityIdentifierList,
  NamedEntityIdentifierListRequest,
  ObjectGetRequest,
  ResourceListRequest,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import { IdentifierSchema, ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { Clock } from "@aloft/core";
import { launchPlanInterfaceOf, type LaunchPlanInterface } from "@aloft/core";
import { AloftError, Code, alreadyExists, invalidArgument, missing } from "@aloft/core";
import { messageDiff, messageDigest } from "@aloft/core";
import { makeFilter, nextToken, parseListParams, type Filter } from "../list/index.ts";
import type { LaunchPlanRepo, LaunchPlanRow } from "../repositories/launch-plan-repo.ts";
import type { Schema } from "../repositories/schema.ts";
import type { WorkflowRepo } from "../repositories/workflow-repo.ts";
import { identifierText, validateIdentifier, validateProjectDomain } from "../validation/identifier.ts";
import { validateLaunchPlanSpec, type LaunchPlanValidationOptions } from "../validation/launch-plan-validator.ts";
import { isScheduleEmpty } from "../validation/schedule-validator.ts";
import { launchPlanSpecOf, newLaunchPlanRow, toLaunchPlan } from "../transformers/launch-plan-transformer.ts";
import { workflowInterfaceOf } from "../transformers/workflow-transformer.ts";
import type { ProjectGate } from "./project-gate.ts";
import { identifierFilters, listEntityIds } from "./list-ids.ts";
import { noActiveLaunchPlan, versionNotFound } from "./not-found.ts";
import { withResourceType } from "./workflow-manager.ts";

/**
 * Where schedules go when launch plans are (de)activated. Both calls run inside the state-change transaction and
 * receive its handle: use `tx` for any database work; throwing rolls the state change back.
 */
export interface ScheduleSink {
  activate(lp: LaunchPlan, tx: Kysely<Schema>): Promise<void>;
  deactivate(lp: LaunchPlan, tx: Kysely<Schema>): Promise<void>;
}

/** The default until a scheduler is plugged in. */
export const noopScheduleSink: ScheduleSink = {
  activate: async () => {},
  deactivate: async () => {},
};

export interface LaunchPlanManagerDeps {
  repo: LaunchPlanRepo;
  workflows: WorkflowRepo;
  gate: ProjectGate;
  clock: Clock;
  scheduleSink?: ScheduleSink;
  validation?: LaunchPlanValidationOptions;
}

export class LaunchPlanManager {
  private readonly sink: ScheduleSink;

  constructor(private readonly deps: LaunchPlanManagerDeps) {
    this.sink = deps.scheduleSink ?? noopScheduleSink;
  }

  async create(req: LaunchPlanCreateRequest): Promise<LaunchPlanCreateResponse> {
    // Upstream order: the workflow id first (and the workflow must exist), then the launch plan id and the gate.
    const workflowId = req.spec?.workflowId;
    validateIdentifier(workflowId, ResourceType.WORKFLOW);
    const workflow = await this.deps.workflows.get(workflowId);
    if (!workflow) throw versionNotFound("WORKFLOW", workflowId);
    const wfInterface = workflowInterfaceOf(workflow);
    validateIdentifier(req.id, ResourceType.LAUNCH_PLAN);
    const id = req.id;
    await this.deps.gate.validateProjectAndDomain(id.project, id.domain);
    if (!req.spec) throw missing("spec");

    const spec = clone(LaunchPlanSpecSchema, req.spec);
    const expectedInputs = validateLaunchPlanSpec(
      spec,
      wfInterface.inputs,
      this.deps.validation ?? { enableArtifacts: false },
    );
    spec.defaultInputs = expectedInputs;
    const lp = create(LaunchPlanSchema, {
      id: clone(IdentifierSchema, id),
      spec,
      closure: { expectedInputs, expectedOutputs: wfInterface.outputs },
    });
    const digest = messageDigest(LaunchPlanSchema, lp);

    const existing = await this.deps.repo.get(id);
    if (existing) throw conflict(id, existing, digest, spec);
    const row = newLaunchPlanRow(id, lp, spec, workflow.id, digest);
    try {
      await this.deps.repo.create(row);
    } catch (err) {
      // Lost a race with a concurrent registration of the same id: report it as the sequential case would.
      const winner =
        err instanceof AloftError && err.code === Code.ALREADY_EXISTS ? await this.deps.repo.get(id) : undefined;
      if (winner) throw conflict(id, winner, digest, spec);
      throw err;
    }
    return create(LaunchPlanCreateResponseSchema);
  }

  async update(req: LaunchPlanUpdateRequest): Promise<LaunchPlanUpdateResponse> {
    const id = withResourceType(req.id, ResourceType.LAUNCH_PLAN);
    validateIdentifier(id, ResourceType.LAUNCH_PLAN);
    switch (req.state) {
      case LaunchPlanState.ACTIVE: {
        const change = await this.deps.repo.setActive(id, async (c, tx) => {
          for (const former of c.formerlyActive) {
            const lp = toLaunchPlan(former);
            if (!isScheduleEmpty(lp.spec?.entityMetadata?.schedule)) await this.sink.deactivate(lp, tx);
          }
          const target = toLaunchPlan(c.target);
          if (!isScheduleEmpty(target.spec?.entityMetadata?.schedule)) await this.sink.activate(target, tx);
        });
        if (!change) throw versionNotFound("LAUNCH_PLAN", id);
        break;
      }
      case LaunchPlanState.INACTIVE: {
        const row = await this.deps.repo.setInactive(id, async (r, tx) => {
          const lp = toLaunchPlan(r);
          if (lp.spec?.entityMetadata?.schedule) await this.sink.deactivate(lp, tx);
        });
        if (!row) throw versionNotFound("LAUNCH_PLAN", id);
        break;
      }
      default:
        throw invalidArgument(
          "launch_plan.invalid_state",
          `Unrecognized launch plan state ${LaunchPlanState[req.state] ?? req.state} for update for launch plan [${identifierText(id)}]`,
        );
    }
    return create(LaunchPlanUpdateResponseSchema);
  }

  async get(req: ObjectGetRequest): Promise<LaunchPlan> {
    const id = withResourceType(req.id, ResourceType.LAUNCH_PLAN);
    validateIdentifier(id, ResourceType.LAUNCH_PLAN);
    const row = await this.deps.repo.get(id);
    if (!row) throw versionNotFound("LAUNCH_PLAN", id);
    return toLaunchPlan(row);
  }

  /** The interface a launch-plan node of a workflow sees (and executions validate inputs against). */
  async getLaunchPlanInterface(id: Identifier): Promise<LaunchPlanInterface | undefined> {
    const row = await this.deps.repo.get(id);
    // Keyed by the id as the caller spelled it (upstream's LaunchPlanInterfaceProvider keeps the requested id).
    return row ? { ...launchPlanInterfaceOf(toLaunchPlan(row)), id: clone(IdentifierSchema, id) } : undefined;
  }

  async getActive(req: ActiveLaunchPlanRequest): Promise<LaunchPlan> {
    const id = req.id;
    if (!id || id.project === "") throw missing("project");
    if (id.domain === "") throw missing("domain");
    if (id.name === "") throw missing("name");
    const rows = await this.deps.repo.list({
      filters: [...identifierFilters("launch_plan", id.project, id.domain, id.name), activeFilter()],
      limit: 1,
      offset: 0,
    });
    const row = rows[0];
    if (!row) throw noActiveLaunchPlan(id);
    return toLaunchPlan(row);
  }

  async list(req: ResourceListRequest): Promise<LaunchPlanList> {
    if (!req.id) throw missing("id");
    validateProjectDomain(req.id.project, req.id.domain);
    const params = parseListParams({
      entity: "launch_plan",
      filters: req.filters,
      sortBy: req.sortBy,
      limit: req.limit,
      token: req.token,
      rpc: "ListLaunchPlans",
      limitRequired: true,
    });
    const filters = [
      ...identifierFilters("launch_plan", req.id.project, req.id.domain, req.id.name),
      ...params.filters,
    ];
    const rows = await this.deps.repo.list({ ...params, filters });
    return create(LaunchPlanListSchema, {
      launchPlans: rows.map(toLaunchPlan),
      token: nextToken(params.offset, params.limit, rows.length),
    });
  }

  async listActive(req: ActiveLaunchPlanListRequest): Promise<LaunchPlanList> {
    validateProjectDomain(req.project, req.domain);
    const params = parseListParams({
      entity: "launch_plan",
      filters: "",
      sortBy: req.sortBy,
      limit: req.limit,
      token: req.token,
      rpc: "ListActiveLaunchPlans",
      limitRequired: true,
    });
    const filters = [...identifierFilters("launch_plan", req.project, req.domain), activeFilter()];
    const rows = await this.deps.repo.list({ ...params, filters });
    return create(LaunchPlanListSchema, {
      launchPlans: rows.map(toLaunchPlan),
      token: nextToken(params.offset, params.limit, rows.length),
    });
  }

  async listIds(req: NamedEntityIdentifierListRequest): Promise<NamedEntityIdentifierList> {
    return listEntityIds("launch_plan", "ListLaunchPlanIds", req, (q) => this.deps.repo.listIds(q));
  }
}

function conflict(id: Identifier, existing: LaunchPlanRow, digest: string, spec: LaunchPlanSpec): AloftError {
  if (existing.digest === digest) {
    return alreadyExists("launch_plan.exists_identical", "launch plan with identical structure already exists");
  }
  const diff = messageDiff(LaunchPlanSpecSchema, launchPlanSpecOf(existing), spec).join("\n");
  return invalidArgument(
    "launch_plan.exists_different",
    `${id.name} launch plan with different structure already exists. (Please register a new version of the launch plan):\n${diff}`,
  );
}

function activeFilter(): Filter {
  return makeFilter("launch_plan", "eq", "state", LaunchPlanState.ACTIVE);
}
