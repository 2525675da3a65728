// Reading node executions (upstream flyteadmin/pkg/manager/impl/node_execution_manager.go): GetNodeExecution, ListNodeExecutions (top level, or the children of
// `unique_parent_id`), ListNodeExecutionsForTask, GetNodeExecutionData, GetDynamicNodeWorkflow.
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  DynamicNodeWorkflowResponseSchema,
  DynamicWorkflowNodeMetadataSchema,
  NodeExecutionClosureSchema,
  NodeExecutionGetDataResponseSchema,
  NodeExecutionListSchema,
  NodeExecutionSchema,
  type DynamicNodeWorkflowResponse,
  type GetDynamicNodeWorkflowRequest,
  type NodeExecution,
  type NodeExecutionForTaskListRequest,
  type NodeExecutionGetDataRequest,
  type NodeExecutionGetDataResponse,
  type NodeExecutionGetRequest,
  type NodeExecutionList,
  type NodeExecutionListRequest,
} from "@aloft/idl/flyteidl/admin/node_execution_pb.js";
import type { Sort } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { CompiledWorkflowClosureSchema, type CompiledWorkflowClosure } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import {
  WorkflowExecutionIdentifierSchema,
  type NodeExecutionIdentifier,
  type WorkflowExecutionIdentifier,
} from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { getMessage } from "@aloft/core";
import type { ProjectDomainName } from "@aloft/core";
import { type AloftError, internal, invalidValue, missing } from "@aloft/core";
import { makeFilter, nextPageToken, parseListParams, type Filter } from "../list/index.ts";
import type {
  NodeExecutionKey,
  NodeExecutionListQuery,
  NodeExecutionRepo,
  NodeExecutionRow,
  NodeExecutionSpanRow,
} from "../repositories/node-execution-repo.ts";
import type { TaskExecutionRepo } from "../repositories/task-execution-repo.ts";
import { validateTaskExecutionId, validateWorkflowExecutionId } from "../validation/execution-validator.ts";
import {
  nodeExecutionIdOf,
  nodeExecutionMetadataOf,
  toNodeExecution,
} from "../transformers/node-execution-transformer.ts";
import { nodeFlyteUrls, type ExecutionData } from "./execution-data-manager.ts";
import { noDynamicWorkflow, nodeExecutionNotFound, parentTaskExecutionNotFound } from "./not-found.ts";
import { SpanRowMemo } from "./node-span-rows.ts";

export interface NodeExecutionManagerDeps {
  repo: NodeExecutionRepo;
  taskExecutions: TaskExecutionRepo;
  data: ExecutionData;
}

/** Rows of GetExecutionMetrics' reads kept decoded (SpanRowMemo): ≈ 1–2 KiB each, so a few tens of MiB at most. */
const SPAN_ROWS_KEPT = 20_000;

export class NodeExecutionManager {
  private readonly spanRows = new SpanRowMemo(SPAN_ROWS_KEPT);

  constructor(private readonly deps: NodeExecutionManagerDeps) {}

  async get(req: NodeExecutionGetRequest): Promise<NodeExecution> {
    const row = await this.load(req.id);
    return this.toNodeExecution(row, false);
  }

  async list(req: NodeExecutionListRequest): Promise<NodeExecutionList> {
    validateWorkflowExecutionId(req.workflowExecutionId);
    if (req.limit <= 0) throw invalidValue("limit");
    const exec = req.workflowExecutionId;
    const extra: Partial<NodeExecutionListQuery> = {};
    if (req.uniqueParentId !== "") {
      const parent = await this.deps.repo.get({ execution: exec, nodeId: req.uniqueParentId });
      if (!parent) throw nodeExecutionNotFound({ execution: exec, nodeId: req.uniqueParentId });
      extra.parentId = parent.id;
    } else {
      extra.topLevel = true;
    }
    return this.listWith(exec, req.filters, req.sortBy, req.limit, req.token, extra, `node:${req.uniqueParentId}`);
  }

  /**
   * All node executions of an execution (`uniqueParentId` "": the top-level ones) in ListNodeExecutions' order, with
   * what GetExecutionMetrics uses: id, closure and metadata (no input URI; error messages untrimmed). NOT_FOUND for an
   * unknown parent, as ListNodeExecutions. Rows unchanged since the previous read of the same execution and parent
   * are not decoded again: their node executions are shared between reads, and must not be changed.
   */
  async listForSpans(
    execution: WorkflowExecutionIdentifier,
    uniqueParentId: string,
    pageSize = 1000,
  ): Promise<NodeExecution[]> {
    validateWorkflowExecutionId(execution);
    let parentId: number | null = null;
    if (uniqueParentId !== "") {
      const parent = await this.deps.repo.get({ execution, nodeId: uniqueParentId });
      if (!parent) throw nodeExecutionNotFound({ execution, nodeId: uniqueParentId });
      parentId = parent.id;
    }
    const executionId = create(WorkflowExecutionIdentifierSchema, {
      project: execution.project,
      domain: execution.domain,
      name: execution.name,
    });
    const out: NodeExecution[] = [];
    const memo = this.spanRows.read(
      `${execution.org}/${execution.project}/${execution.domain}/${execution.name}/${parentId ?? ""}`,
    );
    for (let after = 0; ; ) {
      const rows = await this.deps.repo.listForSpans(execution, parentId, after, pageSize);
      for (const r of rows) {
        let ne = memo.known(r);
        if (!ne) {
          ne = create(NodeExecutionSchema, {
            id: { nodeId: r.node_id, executionId },
            closure: fromBinary(NodeExecutionClosureSchema, r.closure),
            metadata: await this.metadataOf(r),
          });
          memo.keep(r, ne);
        }
        out.push(ne);
      }
      if (rows.length < pageSize) {
        memo.done();
        return out;
      }
      after = rows.at(-1)!.id;
    }
  }

  async listForTask(req: NodeExecutionForTaskListRequest): Promise<NodeExecutionList> {
    const id = req.taskExecutionId;
    validateTaskExecutionId(id);
    if (req.limit <= 0) throw invalidValue("limit");
    const node = id.nodeExecutionId!;
    const parent = await this.deps.taskExecutions.get({
      node: { execution: node.executionId!, nodeId: node.nodeId },
      task: id.taskId!,
      retryAttempt: id.retryAttempt,
    });
    if (!parent) throw parentTaskExecutionNotFound(`node ${node.nodeId}`);
    return this.listWith(
      node.executionId!,
      req.filters,
      req.sortBy,
      req.limit,
      req.token,
      { parentTaskExecutionId: parent.id },
      `task:${parent.id}`,
    );
  }

  async getData(req: NodeExecutionGetDataRequest): Promise<NodeExecutionGetDataResponse> {
    const row = await this.load(req.id);
    const closure = fromBinary(NodeExecutionClosureSchema, row.closure);
    const [inputs, outputs] = await Promise.all([
      this.deps.data.inputs(row.input_uri),
      this.deps.data.outputs(closure.outputResult),
    ]);
    const res = create(NodeExecutionGetDataResponseSchema, {
      inputs: inputs.blob,
      outputs: outputs.blob,
      fullInputs: inputs.full,
      fullOutputs: outputs.full,
      flyteUrls: nodeFlyteUrls(nodeExecutionIdOf(row), closure.deckUri !== ""),
    });
    if (row.dynamic_workflow_remote_closure_reference !== "") {
      const wf = await this.readDynamicWorkflow(row.dynamic_workflow_remote_closure_reference);
      res.dynamicWorkflow = create(DynamicWorkflowNodeMetadataSchema, {
        id: wf.primary?.template?.id,
        compiledWorkflow: wf,
        dynamicJobSpecUri: closure.dynamicJobSpecUri,
      });
    }
    return res;
  }

  async getDynamicNodeWorkflow(req: GetDynamicNodeWorkflowRequest): Promise<DynamicNodeWorkflowResponse> {
    const row = await this.load(req.id);
    if (row.dynamic_workflow_remote_closure_reference === "") throw noDynamicWorkflow();
    return create(DynamicNodeWorkflowResponseSchema, {
      compiledWorkflow: await this.readDynamicWorkflow(row.dynamic_workflow_remote_closure_reference),
    });
  }

  private async listWith(
    exec: ProjectDomainName,
    filterText: string,
    sortBy: Sort | undefined,
    limit: number,
    token: string,
    extra: Partial<NodeExecutionListQuery>,
    parentScope: string,
  ): Promise<NodeExecutionList> {
    const params = parseListParams({
      entity: "node_execution",
      filters: filterText,
      sortBy,
      limit,
      token,
      rpc: "ListNodeExecutions",
      limitRequired: true,
      cursorScope: `${exec.project}/${exec.domain}/${exec.name}/${parentScope}`,
    });
    const scope: Filter[] = [
      makeFilter("node_execution", "eq", "project", exec.project),
      makeFilter("node_execution", "eq", "domain", exec.domain),
      makeFilter("node_execution", "eq", "name", exec.name),
    ];
    const rows = await this.deps.repo.list({ ...params, ...extra, filters: [...scope, ...params.filters] });
    const out: NodeExecution[] = [];
    for (const r of rows) out.push(await this.toNodeExecution(r, true));
    return create(NodeExecutionListSchema, {
      nodeExecutions: out,
      token: nextPageToken(params, rows),
    });
  }

  private async load(id: NodeExecutionIdentifier | undefined): Promise<NodeExecutionRow> {
    if (!id) throw missing("id");
    const key: NodeExecutionKey = {
      execution: id.executionId ?? create(WorkflowExecutionIdentifierSchema),
      nodeId: id.nodeId,
    };
    const row = await this.deps.repo.get(key);
    if (!row) throw nodeExecutionNotFound(key);
    return row;
  }

  private async toNodeExecution(row: NodeExecutionRow, list: boolean): Promise<NodeExecution> {
    return toNodeExecution(row, await this.metadataOf(row), list);
  }

  private async metadataOf(row: NodeExecutionSpanRow) {
    const metadata = nodeExecutionMetadataOf(row);
    if (row.event_version === 0 && !metadata.isParentNode) {
      // Legacy events did not say whether the node has children: derive it.
      if (await this.deps.repo.hasChildren(row.id)) {
        metadata.isParentNode = true;
        metadata.isDynamic = row.dynamic_workflow_remote_closure_reference !== "";
      }
    }
    return metadata;
  }

  private async readDynamicWorkflow(uri: string): Promise<CompiledWorkflowClosure> {
    const store = this.deps.data.store;
    let wf: CompiledWorkflowClosure;
    try {
      wf = await getMessage(store, store.keyOf(uri), CompiledWorkflowClosureSchema);
    } catch (err) {
      throw internal(
        "node_execution.dynamic_workflow",
        `Unable to read WorkflowClosure from location ${uri} : ${(err as AloftError).message}`,
        err,
      );
    }
    if (!wf.primary)
      throw internal(
        "node_execution.dynamic_workflow",
        "Empty primary workflow definition in loaded dynamic workflow model.",
      );
    if (!wf.primary.template)
      throw internal(
        "node_execution.dynamic_workflow",
        "Empty primary workflow template in loaded dynamic workflow model.",
      );
    return wf;
  }
}
