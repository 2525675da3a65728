// THE ordered list of migrations, for SQLite and PostgreSQL alike. Append only; never edit an applied one.
import type { AloftMigration } from "./migration.ts";
import { projects } from "./0001-projects.ts";
import { tasks } from "./0002-tasks.ts";
import { descriptionEntities } from "./0003-description-entities.ts";
import { namedEntityMetadata } from "./0004-named-entity-metadata.ts";
import { workflows } from "./0005-workflows.ts";
import { launchPlans } from "./0006-launch-plans.ts";
import { resources } from "./0007-resources.ts";
import { executions } from "./0008-executions.ts";
import { nodeExecutions } from "./0009-node-executions.ts";
import { taskExecutions } from "./0010-task-executions.ts";
import { nameGroupIndexes } from "./0011-name-group-indexes.ts";
import { datacatalog } from "./0012-datacatalog.ts";
import { signals } from "./0013-signals.ts";
import { authGrants } from "./0014-auth-grants.ts";
import { executionListIndexes } from "./0015-execution-list-indexes.ts";
import { schedulableEntities } from "./0016-schedulable-entities.ts";
import { authDeviceCodes } from "./0017-auth-device-codes.ts";
import { cheaperEventRows } from "./0018-cheaper-event-rows.ts";

export const migrations: readonly AloftMigration[] = [
  projects,
  tasks,
  descriptionEntities,
  namedEntityMetadata,
  workflows,
  launchPlans,
  resources,
  executions,
  nodeExecutions,
  taskExecutions,
  nameGroupIndexes,
  datacatalog,
  signals,
  authGrants,
  executionListIndexes,
  schedulableEntities,
  authDeviceCodes,
  cheaperEventRows,
];

export type { AloftMigration } from "./migration.ts";
export { migrateToLatest, rollbackLast, appliedMigrations } from "../migrator.ts";
