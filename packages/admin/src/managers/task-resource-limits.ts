// The task resource limits that registration checks a task against (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go TASK_RESOURCE): the most specific
// TASK_RESOURCE attributes of the project/domain, else the server's task_resources.limits. As upstream
// (util/resources.go GetTaskResources), a matching row is taken whole: a quantity it leaves empty is "no limit",
// it is not filled from the configuration.
import { MatchableResource, type TaskResourceSpec } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import type { MatchableAttributesConfiguration } from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import type { MatchableScope } from "./resource-manager.ts";

/** Kubernetes quantity strings; "" = not set (no limit). Same shape as validation/resources.ts TaskResourceSet. */
export interface TaskResourceSet {
  cpu: string;
  memory: string;
  gpu: string;
  ephemeralStorage: string;
}

/** The port registration uses (structurally the TaskResourceLimits of task-manager.ts, which holds the config-only default). */
export interface TaskResourceLimits {
  get(project: string, domain: string): Promise<TaskResourceSet>;
}

/** What resolves matchable attributes (ResourceManager.getMatchable). */
export interface MatchableResolver {
  getMatchable(
    resourceType: MatchableResource,
    scope: MatchableScope,
  ): Promise<MatchableAttributesConfiguration | undefined>;
}

export class MatchableTaskResourceLimits implements TaskResourceLimits {
  constructor(
    private readonly resolver: MatchableResolver,
    /** config.taskResources.limits */
    private readonly configLimits: TaskResourceSet,
  ) {}

  async get(project: string, domain: string): Promise<TaskResourceSet> {
    const found = await this.resolver.getMatchable(MatchableResource.TASK_RESOURCE, { project, domain });
    const attrs = found?.attributes?.target;
    if (attrs?.case !== "taskResourceAttributes") return { ...this.configLimits };
    return fromSpec(attrs.value.limits);
  }
}

function fromSpec(spec: TaskResourceSpec | undefined): TaskResourceSet {
  return {
    cpu: spec?.cpu ?? "",
    memory: spec?.memory ?? "",
    gpu: spec?.gpu ?? "",
    ephemeralStorage: spec?.ephemeralStorage ?? "",
  };
}
