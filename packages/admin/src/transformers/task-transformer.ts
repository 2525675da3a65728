// Task rows ⇄ flyteidl messages (flyteadmin transformers/task.go). The row keeps the TaskClosure as bytes.
import { create, fromBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { VersionedId } from "@aloft/core";
import { TaskClosureSchema, TaskSchema, type Task } from "@aloft/idl/flyteidl/admin/task_pb.js";
import type { CompiledTask } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { IdentifierSchema, ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import type { TaskRow } from "../repositories/task-repo.ts";

/** The version key of a (possibly absent or partial) identifier; missing fields are "". */
export function taskVersionKey(id: Partial<VersionedId> | undefined): VersionedId {
  return { project: id?.project ?? "", domain: id?.domain ?? "", name: id?.name ?? "", version: id?.version ?? "" };
}

/** The CompiledTask stored in a row's closure. */
export function compiledTaskOf(row: Pick<TaskRow, "closure">): CompiledTask | undefined {
  return fromBinary(TaskClosureSchema, row.closure).compiledTask;
}

export function toTask(row: TaskRow): Task {
  const closure = fromBinary(TaskClosureSchema, row.closure);
  closure.createdAt = timestampFromDate(row.createdAt);
  return create(TaskSchema, {
    id: create(IdentifierSchema, { resourceType: ResourceType.TASK, ...taskVersionKey(row) }),
    closure,
    shortDescription: row.shortDescription,
  });
}
