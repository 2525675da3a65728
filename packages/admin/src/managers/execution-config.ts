// The execution config of a launch (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go WORKFLOW_EXECUTION_CONFIG): first non-empty value wins, field by field,
// from the request's spec, the launch plan's spec, the most specific matchable attributes (launch plan > workflow >
// project-domain > project), the legacy auth role of request and launch plan, and finally the server defaults.
import { create } from "@bufbuild/protobuf";
import type { ExecutionSpec } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type { LaunchPlan, LaunchPlanSpec } from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import {
  MatchableResource,
  WorkflowExecutionConfigSchema,
  type ExecutionQueueAttributes,
  type PluginOverride,
  type TaskResourceAttributes,
  type MatchableAttributesConfiguration,
  type WorkflowExecutionConfig,
} from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import { IdentitySchema, SecurityContextSchema } from "@aloft/idl/flyteidl/core/security_pb.js";
import type { MatchableScope } from "./resource-manager.ts";
import { mergeIntoExecConfig } from "./resource-manager.ts";

export interface ExecutionConfigSource {
  /** ResourceManager.getMatchable. */
  getMatchable(
    resourceType: MatchableResource,
    scope: MatchableScope,
  ): Promise<MatchableAttributesConfiguration | undefined>;
  /** The server's WORKFLOW_EXECUTION_CONFIG (workflowExecutionConfigOf(defaults)). */
  defaults: WorkflowExecutionConfig;
  /** The server's task_resources (defaults and limits) when no TASK_RESOURCE attributes match. */
  taskResources?: TaskResourceAttributes;
}

/** The other matchable types an engine applies at execution (upstream flyteadmin/pkg/manager/impl/resources/resource_manager.go), resolved for one launch. */
export interface ExecutionAttributes {
  taskResources?: TaskResourceAttributes | undefined;
  pluginOverrides?: PluginOverride[] | undefined;
  executionQueue?: ExecutionQueueAttributes | undefined;
}

export async function resolveExecutionAttributes(
  src: ExecutionConfigSource,
  project: string,
  domain: string,
  workflow: string,
  launchPlan: string,
): Promise<ExecutionAttributes> {
  const [resources, overrides, queue] = await Promise.all([
    src.getMatchable(MatchableResource.TASK_RESOURCE, { project, domain, workflow }),
    src.getMatchable(MatchableResource.PLUGIN_OVERRIDE, { project, domain, workflow, launchPlan }),
    src.getMatchable(MatchableResource.EXECUTION_QUEUE, { project, domain, workflow }),
  ]);
  const out: ExecutionAttributes = {};
  const r = resources?.attributes?.target;
  out.taskResources = r?.case === "taskResourceAttributes" ? r.value : src.taskResources;
  const o = overrides?.attributes?.target;
  if (o?.case === "pluginOverrides") out.pluginOverrides = o.value.overrides;
  const q = queue?.attributes?.target;
  if (q?.case === "executionQueueAttributes") out.executionQueue = q.value;
  return out;
}

function fromSpec(s: ExecutionSpec | LaunchPlanSpec): WorkflowExecutionConfig {
  return create(WorkflowExecutionConfigSchema, {
    maxParallelism: s.maxParallelism,
    securityContext: s.securityContext,
    rawOutputDataConfig: s.rawOutputDataConfig,
    labels: s.labels,
    annotations: s.annotations,
    interruptible: s.interruptible,
    overwriteCache: s.overwriteCache,
    envs: s.envs,
  });
}

/** Deprecated auth_role / auth / role fields as a run-as identity. */
function legacyAuth(s: ExecutionSpec | LaunchPlanSpec): WorkflowExecutionConfig {
  const role = s.authRole;
  let iamRole = role?.assumableIamRole ?? "";
  let sa = role?.kubernetesServiceAccount ?? "";
  if ("auth" in s && s.auth) {
    iamRole ||= s.auth.assumableIamRole;
    sa ||= s.auth.kubernetesServiceAccount;
  }
  if ("role" in s && typeof s.role === "string") iamRole ||= s.role;
  const wec = create(WorkflowExecutionConfigSchema);
  if (iamRole !== "" || sa !== "") {
    wec.securityContext = create(SecurityContextSchema, {
      runAs: create(IdentitySchema, { iamRole, k8sServiceAccount: sa }),
    });
  }
  return wec;
}

export async function resolveExecutionConfig(
  src: ExecutionConfigSource,
  spec: ExecutionSpec,
  lp: LaunchPlan,
  project: string,
  domain: string,
): Promise<WorkflowExecutionConfig & { securityContext: NonNullable<WorkflowExecutionConfig["securityContext"]> }> {
  let wec = mergeIntoExecConfig(fromSpec(spec), lp.spec ? fromSpec(lp.spec) : create(WorkflowExecutionConfigSchema));
  const matchable = await src.getMatchable(MatchableResource.WORKFLOW_EXECUTION_CONFIG, {
    project,
    domain,
    workflow: lp.spec?.workflowId?.name ?? "",
    launchPlan: lp.id?.name ?? "",
  });
  if (matchable?.attributes?.target.case === "workflowExecutionConfig")
    wec = mergeIntoExecConfig(wec, matchable.attributes.target.value);
  wec = mergeIntoExecConfig(wec, legacyAuth(spec));
  if (lp.spec) wec = mergeIntoExecConfig(wec, legacyAuth(lp.spec));
  wec = mergeIntoExecConfig(wec, src.defaults);
  const securityContext = wec.securityContext ?? create(SecurityContextSchema);
  securityContext.runAs ??= create(IdentitySchema);
  wec.securityContext = securityContext;
  return wec as WorkflowExecutionConfig & { securityContext: typeof securityContext };
}
