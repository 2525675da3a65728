// Reading task executions (upstream flyteadmin/pkg/manager/impl/task_execution_manager.go): GetTaskExecution, ListTaskExecutions (untrimmed errors), GetTaskExecutionData.
import { create, fromBinary } from "@bufbuild/protobuf";
import {
  TaskExecutionClosureSchema,
  TaskExecutionGetDataResponseSchema,
  TaskExecutionListSchema,
  type TaskExecution,
  type TaskExecutionGetDataRequest,
  type TaskExecutionGetDataResponse,
  type TaskExecutionGetRequest,
  type TaskExecutionList,
  type TaskExecutionListRequest,
} from "@aloft/idl/flyteidl/admin/task_execution_pb.js";
import type { TaskExecutionIdentifier, WorkflowExecutionIdentifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { invalidValue } from "@aloft/core";
import { makeFilter, nextPageToken, parseListParams } from "../list/index.ts";
import type { TaskExecutionKey, TaskExecutionListRow, TaskExecutionRepo } from "../repositories/task-execution-repo.ts";
import {
  validateNodeExecutionId,
  validateTaskExecutionId,
  validateWorkflowExecutionId,
} from "../validation/execution-validator.ts";
import { taskExecutionIdOf, toTaskExecution } from "../transformers/task-execution-transformer.ts";
import { taskFlyteUrls, type ExecutionData } from "./execution-data-manager.ts";
import { taskExecutionNotFound } from "./not-found.ts";

export interface TaskExecutionManagerDeps {
  repo: TaskExecutionRepo;
  data: ExecutionData;
}

export class TaskExecutionManager {
  constructor(private readonly deps: TaskExecutionManagerDeps) {}

  async get(req: TaskExecutionGetRequest): Promise<TaskExecution> {
    return toTaskExecution(await this.load(req.id));
  }

  async list(req: TaskExecutionListRequest): Promise<TaskExecutionList> {
    validateNodeExecutionId(req.nodeExecutionId);
    if (req.limit <= 0) throw invalidValue("limit");
    const node = req.nodeExecutionId;
    const e = node.executionId!;
    const params = parseListParams({
      entity: "task_execution",
      filters: req.filters,
      sortBy: req.sortBy,
      limit: req.limit,
      token: req.token,
      rpc: "ListTaskExecutions",
      limitRequired: true,
      cursorScope: `${e.org}/${e.project}/${e.domain}/${e.name}/${node.nodeId}`,
    });
    const scope = [
      makeFilter("task_execution", "eq", "execution_project", e.project),
      makeFilter("task_execution", "eq", "execution_domain", e.domain),
      makeFilter("task_execution", "eq", "execution_name", e.name),
      makeFilter("task_execution", "eq", "node_id", node.nodeId),
    ];
    const rows = await this.deps.repo.list({ ...params, filters: [...scope, ...params.filters] });
    return create(TaskExecutionListSchema, {
      taskExecutions: rows.map(toTaskExecution),
      token: nextPageToken(params, rows),
    });
  }

  /**
   * Every task execution of a workflow execution (all its nodes, nested ones included), in pages of `pageSize` read
   * until a short page: one query per page instead of one per node (GetExecutionMetrics at thousands of nodes).
   */
  async listForExecution(id: WorkflowExecutionIdentifier, pageSize = 1000): Promise<TaskExecution[]> {
    validateWorkflowExecutionId(id);
    const scope = [
      makeFilter("task_execution", "eq", "execution_project", id.project),
      makeFilter("task_execution", "eq", "execution_domain", id.domain),
      makeFilter("task_execution", "eq", "execution_name", id.name),
    ];
    const all: TaskExecution[] = [];
    for (let token = ""; ; ) {
      const params = parseListParams({
        entity: "task_execution",
        filters: "",
        sortBy: undefined,
        limit: pageSize,
        token,
        rpc: "ListTaskExecutions",
        limitRequired: true,
        cursorScope: `${id.org}/${id.project}/${id.domain}/${id.name}/*`,
      });
      const rows = await this.deps.repo.list({ ...params, filters: scope });
      for (const r of rows) all.push(toTaskExecution(r));
      token = nextPageToken(params, rows);
      if (token === "") return all;
    }
  }

  async getData(req: TaskExecutionGetDataRequest): Promise<TaskExecutionGetDataResponse> {
    const row = await this.load(req.id);
    const closure = fromBinary(TaskExecutionClosureSchema, row.closure);
    const [inputs, outputs] = await Promise.all([
      this.deps.data.inputs(row.input_uri),
      this.deps.data.outputs(closure.outputResult),
    ]);
    return create(TaskExecutionGetDataResponseSchema, {
      inputs: inputs.blob,
      outputs: outputs.blob,
      fullInputs: inputs.full,
      fullOutputs: outputs.full,
      flyteUrls: taskFlyteUrls(taskExecutionIdOf(row)),
    });
  }

  private async load(id: TaskExecutionIdentifier | undefined): Promise<TaskExecutionListRow> {
    validateTaskExecutionId(id);
    const node = id.nodeExecutionId!;
    const key: TaskExecutionKey = {
      node: { execution: node.executionId!, nodeId: node.nodeId },
      task: id.taskId!,
      retryAttempt: id.retryAttempt,
    };
    const row = await this.deps.repo.get(key);
    if (!row) throw taskExecutionNotFound(key);
    return row;
  }
}
