// @aloft/sdk: typed tasks, workflows and launch plans; serialization to flyteidl.
export * as t from "./types/index.ts";
export type { Type, TypeMap, ValueOf, ValuesOf, FileRef, DirectoryRef, DatasetRef } from "./types/index.ts";
export {
  task,
  dynamic,
  workflow,
  launchPlan,
  launchPlanRef,
  isEntity,
  type TaskDef,
  type DynamicDef,
  type WorkflowDef,
  type LaunchPlanDef,
  type LaunchPlanRefDef,
  type TaskOptions,
  type WorkflowOptions,
  type LaunchPlanOptions,
  type Entity,
} from "./authoring/entities.ts";
export {
  WorkflowBuilder,
  type NodeOutputs,
  type NodeOptions,
  type MapOptions,
  type BranchSpec,
} from "./authoring/builder.ts";
export { when, Condition } from "./authoring/conditions.ts";
export { Ref, type Bindable, type BindingsOf, type RefsOf } from "./authoring/refs.ts";
export type { TaskContext, Checkpoint } from "./authoring/task-context.ts";
export {
  serializeModule,
  nameEntities,
  Serializer,
  type Serialized,
  type SerializedWorkflow,
} from "./serialize/serialize.ts";
export { WARM_TASK_TYPE, ENTRYPOINT_BIN, type TaskSerializeSettings } from "./serialize/task-template.ts";
export { registrationFiles, writeRegistrationFiles } from "./serialize/registration-files.ts";
export { RecoverableError, executeTask, type ExecuteArgs, type Outcome } from "./entrypoint/execute.ts";
// What runs tasks on the engine (runLocal, WarmWorkerPlugin) is its own package, @aloft/runner, above SDK and engine.
export { blobStoreIo, localPath, uriIo, type DataIo } from "./entrypoint/data-io.ts";
export { importModule } from "./entrypoint/main.ts";
export { compileAll, launchPlanRefInterfaces } from "./serialize/compile.ts";
export { fromLiteralMap, toLiteralMap } from "./types/index.ts";
