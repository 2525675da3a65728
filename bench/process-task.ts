// A container task the sandbox runs as a local process (the engine benches' tasks: `true`, `sleep`).
import { create } from "@bufbuild/protobuf";
import { ResourceType } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { TaskTemplateSchema } from "@aloft/idl/flyteidl/core/tasks_pb.js";
import { id } from "@aloft/testkit";

/** Task `name` (v1, no inputs or outputs) in flytesnacks/development, running `command`. */
export const processTask = (name: string, command: string[]) =>
  create(TaskTemplateSchema, {
    id: id(ResourceType.TASK, "flytesnacks", "development", name, "v1"),
    type: "container",
    metadata: { runtime: { version: "1.0.0" } },
    interface: { inputs: {}, outputs: {} },
    target: { case: "container", value: { image: "none", command } },
  });
