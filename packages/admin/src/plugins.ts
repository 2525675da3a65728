// Extension points, after flyteadmin's plugin registry (AdditionalGRPCService, UnaryServiceMiddleware,
// CustomerHeaderMatcher, WorkflowExecutor, DataProxy, LogoutHook, PreRedirectHook). The composition root
// registers implementations; every point has a working default.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Message } from "@bufbuild/protobuf";
import type { ExecutionSpec } from "@aloft/idl/flyteidl/admin/execution_pb.js";
import type {
  ExecutionQueueAttributes,
  PluginOverride,
  TaskResourceAttributes,
} from "@aloft/idl/flyteidl/admin/matchable_resource_pb.js";
import type { CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import type { Identifier, WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { LiteralMap } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { unimplemented } from "@aloft/core";
import type { ServiceBinding, UnaryMiddleware } from "./api/rpc.ts";
import type { RouterHook } from "./api/grpc/grpc-server.ts";
import type { ExtraRoute } from "./api/http/gateway.ts";

/** Decides which incoming HTTP headers reach handlers as metadata; returns the metadata key or false. */
export type HeaderMatcher = (header: string) => string | false;

/** What admin hands an engine when it launches an execution (upstream: the FlyteWorkflow CRD's contents). */
export interface ExecuteInput {
  executionId: WorkflowExecutionIdentifier;
  /** The compiled workflow (primary, sub-workflows, tasks). */
  closure: CompiledWorkflowClosure;
  /** Resolved inputs (user inputs + launch plan defaults + fixed inputs), also stored at `inputsUri`. */
  inputs: LiteralMap;
  inputsUri: string;
  /**
   * The execution spec with the resolved execution config: max_parallelism, security_context, labels, annotations,
   * raw_output_data_config, interruptible, overwrite_cache, envs; metadata.mode / nesting / parent_node_execution.
   */
  spec: ExecutionSpec;
  workflowId: Identifier;
  /** The launch plan (for single-task executions, the `.flytegen` wrapper). */
  launchPlanId: Identifier;
  /** `{{ project }}-{{ domain }}` by default. */
  namespace: string;
  /** RecoverExecution: the execution whose succeeded nodes are copied instead of re-run. */
  recoveryExecution?: WorkflowExecutionIdentifier | undefined;
  createdAt: Date;
  /** flyteadmin.eventVersion (2). */
  eventVersion: number;
  /**
   * TASK_RESOURCE for (project, domain, workflow) or the server's task_resources: the defaults and limits the
   * engine applies to each task's requests and limits (upstream: CRD executionConfig.taskResources).
   */
  taskResources?: TaskResourceAttributes | undefined;
  /** PLUGIN_OVERRIDE for (project, domain, workflow, launch plan): task type → plugin ids (executionConfig.taskPluginImpls). */
  pluginOverrides?: PluginOverride[] | undefined;
  /** EXECUTION_QUEUE attributes for (project, domain, workflow): queue selection by tags. */
  executionQueue?: ExecutionQueueAttributes | undefined;
}

/** Hands a launched execution to an engine (in-process, or a FlyteWorkflow resource on Kubernetes). */
export interface WorkflowExecutor {
  readonly name: string;
  /** Starts the execution; "already launched" must succeed (idempotent). Returns the cluster that runs it. */
  execute(input: ExecuteInput): Promise<{ cluster: string }>;
  /** Stops it; the final ABORTED arrives as a workflow event. Safe to repeat; unknown executions succeed. */
  abort(input: { executionId: WorkflowExecutionIdentifier; cluster: string; cause: string }): Promise<void>;
}

/** Produces signed upload/download locations (flyteidl.service.DataProxyService). */
export interface DataProxy {
  createUploadLocation(req: Message): Promise<Message>;
  createDownloadLink(req: Message): Promise<Message>;
}

export type HttpHook = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export interface PluginRegistry {
  additionalServices: ServiceBinding[];
  /** Streaming services and anything else that registers directly on the gRPC router. */
  additionalRouterHooks: RouterHook[];
  unaryMiddleware: UnaryMiddleware[];
  headerMatcher: HeaderMatcher;
  workflowExecutor: WorkflowExecutor;
  dataProxy: DataProxy;
  /** Plain HTTP handlers served beside the gateway (exact paths, or prefixes ending in `/`), e.g. task logs. */
  additionalHttpRoutes: Record<string, ExtraRoute>;
  /** Called before the logout redirect; may write the response itself (return true). */
  logoutHook: HttpHook;
  /** Called before redirecting after login; may reject by writing an error response (return true). */
  preRedirectHook: HttpHook;
}

/** Every header is forwarded under its own name; `Grpc-Metadata-<Key>` under `<key>` (as grpc-gateway does). */
export const defaultHeaderMatcher: HeaderMatcher = (header) => {
  const h = header.toLowerCase();
  if (h.startsWith("grpc-metadata-") && h.length > "grpc-metadata-".length) return h.slice("grpc-metadata-".length);
  return h;
};

const noExecutor: WorkflowExecutor = {
  name: "none",
  async execute() {
    throw unimplemented(
      "executor.none",
      "no workflow executor is configured: start the engine (aloft start) or configure Kubernetes",
    );
  },
  async abort() {
    /* nothing was ever launched */
  },
};

const noDataProxy: DataProxy = {
  async createUploadLocation() {
    throw unimplemented("dataproxy.none", "the data proxy is not configured");
  },
  async createDownloadLink() {
    throw unimplemented("dataproxy.none", "the data proxy is not configured");
  },
};

export function defaultPlugins(): PluginRegistry {
  return {
    additionalServices: [],
    additionalRouterHooks: [],
    unaryMiddleware: [],
    headerMatcher: defaultHeaderMatcher,
    additionalHttpRoutes: {},
    workflowExecutor: noExecutor,
    dataProxy: noDataProxy,
    logoutHook: async () => false,
    preRedirectHook: async () => false,
  };
}
