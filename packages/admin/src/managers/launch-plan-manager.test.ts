// LaunchPlanManager: every error path of upstream flyteadmin/pkg/manager/impl/launch_plan_manager.go (code and message), expected inputs, activation with the
// schedule sink, reads and lists. SQLite; the launched workflow is inserted as a row.
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { anyPack, timestampDate, timestampFromDate, StringValueSchema } from "@bufbuild/protobuf/wkt";
import {
  ActiveLaunchPlanListRequestSchema,
  ActiveLaunchPlanRequestSchema,
  LaunchPlanCreateRequestSchema,
  type LaunchPlanSpecSchema,
  LaunchPlanState,
  LaunchPlanUpdateRequestSchema,
  type LaunchPlan,
} from "@aloft/idl/flyteidl/admin/launch_plan_pb.js";
import {
  NamedEntityIdentifierListRequestSchema,
  ObjectGetRequestSchema,
  ResourceListRequestSchema,
} from "@aloft/idl/flyteidl/admin/common_pb.js";
import { FixedRateUnit } from "@aloft/idl/flyteidl/admin/schedule_pb.js";
import { WorkflowExecution_Phase } from "@aloft/idl/flyteidl/core/execution_pb.js";
import { IdentifierSchema, ResourceType, type Identifier } from "@aloft/idl/flyteidl/core/identifier_pb.js";
import { TypedInterfaceSchema } from "@aloft/idl/flyteidl/core/interface_pb.js";
import { LiteralSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { SimpleType } from "@aloft/idl/flyteidl/core/types_pb.js";
import { ManualClock } from "@aloft/core/testing";
import { AloftError, Code } from "@aloft/core";
import { aloftErrorIs, createTestDatabase, type TestDatabase } from "@aloft/testkit";
import { LaunchPlanRepo } from "../repositories/launch-plan-repo.ts";
import { ProjectRepo } from "../repositories/project-repo.ts";
import { WorkflowRepo } from "../repositories/workflow-repo.ts";
import { SchedulableEntityRepo } from "../repositories/schedulable-entity-repo.ts";
import { databaseScheduleSink } from "../scheduler/schedule-sink.ts";
import { LaunchPlanManager } from "./launch-plan-manager.ts";
import { ProjectGate } from "./project-gate.ts";

type SpecInit = MessageInitShape<typeof LaunchPlanSpecSchema>;
const T0 = Date.UTC(2024, 0, 1);
const simple = (value: SimpleType) => ({ type: { case: "simple" as const, value } });
const int = (n: number) =>
  create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "integer", value: BigInt(n) } } } },
    },
  });
const str = (s: string) =>
  create(LiteralSchema, {
    value: {
      case: "scalar",
      value: { value: { case: "primitive", value: { value: { case: "stringValue", value: s } } } },
    },
  });

const id = (resourceType: ResourceType, name: string, version = "v1") =>
  create(IdentifierSchema, { resourceType, project: "p", domain: "development", name, version });
const lpId = (name = "lp", version = "v1") => id(ResourceType.LAUNCH_PLAN, name, version);
const wfId = (name = "wf") => id(ResourceType.WORKFLOW, name);

const expectError = (p: Promise<unknown>, code: Code, message: string | RegExp) =>
  assert.rejects(p, aloftErrorIs(code, message));

describe("LaunchPlanManager", () => {
  let testDb: TestDatabase;
  let clock: ManualClock;
  let manager: LaunchPlanManager;
  let sinkCalls: string[];
  let failSink: boolean;

  before(async () => {
    testDb = await createTestDatabase("sqlite");
  });
  after(async () => testDb?.drop());

  beforeEach(async () => {
    const db = testDb.database.db;
    for (const t of ["launch_plans", "workflows", "projects"] as const) await db.deleteFrom(t).execute();
    clock = new ManualClock(T0);
    const projects = new ProjectRepo(db, clock);
    await projects.create({ identifier: "p", name: "p", description: "", labels: null, state: 0 });
    const workflows = new WorkflowRepo(db, clock);
    const row = (name: string, iface: MessageInitShape<typeof TypedInterfaceSchema> | null) => ({
      project: "p",
      domain: "development",
      name,
      version: "v1",
      typedInterface: iface ? toBinary(TypedInterfaceSchema, create(TypedInterfaceSchema, iface)) : null,
      remoteClosureIdentifier: "mem://test/x",
      digest: name,
      shortDescription: "",
    });
    await workflows.create(
      row("wf", {
        inputs: {
          variables: {
            x: { type: simple(SimpleType.INTEGER), description: "the x" },
            s: { type: simple(SimpleType.STRING) },
            when: { type: simple(SimpleType.DATETIME) },
          },
        },
        outputs: { variables: { o: { type: simple(SimpleType.INTEGER) } } },
      }),
    );
    await workflows.create(row("noinputs", null));
    sinkCalls = [];
    failSink = false;
    manager = new LaunchPlanManager({
      repo: new LaunchPlanRepo(db, clock),
      workflows,
      gate: new ProjectGate(projects, [{ id: "development", name: "development" }]),
      clock,
      scheduleSink: {
        activate: async (lp) => {
          sinkCalls.push(`activate ${lp.id?.version}`);
          if (failSink) throw new AloftError(Code.INTERNAL, "sink", "scheduler unavailable");
        },
        deactivate: async (lp) => {
          sinkCalls.push(`deactivate ${lp.id?.version}`);
        },
      },
    });
  });

  /** A launch plan of `wf` that binds every input but `when` unless told otherwise. */
  const spec = (over: SpecInit = {}): SpecInit =>
    ({
      workflowId: wfId(),
      fixedInputs: { literals: { s: str("fixed") } },
      defaultInputs: {
        parameters: { x: { var: { type: simple(SimpleType.INTEGER) }, behavior: { case: "default", value: int(3) } } },
      },
      ...over,
    }) as SpecInit;
  const createLp = (lid: Identifier | undefined, s: SpecInit | undefined) =>
    manager.create(create(LaunchPlanCreateRequestSchema, s === undefined ? { id: lid } : { id: lid, spec: s }));
  const get = (name = "lp", version = "v1") => manager.get(create(ObjectGetRequestSchema, { id: lpId(name, version) }));
  const setState = (state: LaunchPlanState, version = "v1", name = "lp") =>
    manager.update(create(LaunchPlanUpdateRequestSchema, { id: lpId(name, version), state }));
  const cron = (schedule: string, kickoff = "when") => ({
    entityMetadata: {
      schedule: {
        ScheduleExpression: { case: "cronSchedule" as const, value: { schedule } },
        kickoffTimeInputArg: kickoff,
      },
    },
  });

  test("create stores an INACTIVE launch plan whose default inputs are the expected inputs", async () => {
    clock.set(new Date(T0 + 1000));
    await createLp(lpId(), spec());
    const lp = await get();
    assert.equal(lp.id?.resourceType, ResourceType.LAUNCH_PLAN);
    assert.equal(lp.closure?.state, LaunchPlanState.INACTIVE);
    assert.equal(timestampDate(lp.closure!.createdAt!).getTime(), T0 + 1000);
    assert.equal(timestampDate(lp.closure!.updatedAt!).getTime(), T0 + 1000);
    const expected = lp.closure?.expectedInputs?.parameters ?? {};
    assert.deepEqual(Object.keys(expected).sort(), ["when", "x"]);
    assert.equal(expected["x"]?.behavior.case, "default");
    assert.deepEqual([expected["when"]?.behavior.case, expected["when"]?.behavior.value], ["required", true]);
    assert.deepEqual(lp.spec?.defaultInputs, lp.closure?.expectedInputs);
    assert.ok(lp.closure?.expectedOutputs?.variables["o"]);
    const iface = await manager.getLaunchPlanInterface(lpId());
    assert.deepEqual(iface?.expectedInputs, lp.closure?.expectedInputs);
    assert.equal(await manager.getLaunchPlanInterface(lpId("ghost")), undefined);
    // Get over HTTP leaves the resource type unspecified.
    const unspecified = lpId();
    unspecified.resourceType = ResourceType.UNSPECIFIED;
    assert.equal((await manager.get(create(ObjectGetRequestSchema, { id: unspecified }))).id?.name, "lp");
  });

  test("workflow id first, then the launch plan id, the gate and the spec", async () => {
    await expectError(createLp(lpId(), undefined), Code.INVALID_ARGUMENT, "missing id");
    await expectError(
      createLp(lpId(), spec({ workflowId: lpId() })),
      Code.INVALID_ARGUMENT,
      'unexpected resource type launch_plan for identifier [resource_type:LAUNCH_PLAN project:"p" domain:"development" name:"lp" version:"v1"], expected workflow instead',
    );
    await expectError(
      createLp(lpId(), spec({ workflowId: wfId("ghost") })),
      Code.NOT_FOUND,
      'missing entity of type WORKFLOW with identifier project:"p" domain:"development" name:"ghost" version:"v1"',
    );
    await expectError(createLp(undefined, spec()), Code.INVALID_ARGUMENT, "missing id");
    await expectError(createLp(lpId("lp", ""), spec()), Code.INVALID_ARGUMENT, "missing version");
    await expectError(
      createLp({ ...lpId(), domain: "prod" } as Identifier, spec()),
      Code.INVALID_ARGUMENT,
      "domain [prod] is unrecognized by system",
    );
  });

  test("labels, fixed inputs and default inputs are validated", async () => {
    const cases: Array<[SpecInit, string]> = [
      [
        { labels: { values: { "bad key!": "v" } } },
        "invalid label key [bad key!]: [name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character]",
      ],
      [
        { labels: { values: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) } },
        "labels map cannot exceed 16 entries",
      ],
      [{ fixedInputs: { literals: { s: create(LiteralSchema) } } }, "missing valid literal in fixed_inputs s"],
      [
        { defaultInputs: { parameters: { x: { behavior: { case: "default", value: int(1) } } } } },
        "The Variable component of the Parameter x in default_inputs either is missing, or has a missing Type",
      ],
      [
        { defaultInputs: { parameters: { x: { var: { type: simple(SimpleType.INTEGER) } } } } },
        "Invalid variable x in default_inputs - variable has neither default, nor is required. One must be specified",
      ],
      [
        {
          defaultInputs: {
            parameters: {
              x: { var: { type: simple(SimpleType.INTEGER) }, behavior: { case: "default", value: str("a") } },
            },
          },
        },
        "Type mismatch for Parameter x in default_inputs has type simple:INTEGER, expected simple:STRING",
      ],
      [
        {
          defaultInputs: {
            parameters: {
              x: { var: { type: simple(SimpleType.INTEGER) }, behavior: { case: "artifactQuery", value: {} } },
            },
          },
        },
        "artifact mode not enabled but query found default_inputs x",
      ],
      [
        {
          defaultInputs: {
            parameters: {
              nope: { var: { type: simple(SimpleType.INTEGER) }, behavior: { case: "required", value: true } },
            },
          },
        },
        "unexpected default_input nope",
      ],
      [{ fixedInputs: { literals: { nope: int(1) } } }, "unexpected fixed_input nope"],
      [
        {
          defaultInputs: {
            parameters: {
              x: { var: { type: simple(SimpleType.STRING) }, behavior: { case: "default", value: str("a") } },
            },
          },
        },
        "invalid default_input wrong type x, expected simple:STRING, got simple:INTEGER instead",
      ],
      [
        { fixedInputs: { literals: { x: str("a") } } },
        "invalid fixed_input wrong type x, expected simple:INTEGER, got simple:STRING instead",
      ],
      [
        { workflowId: wfId("noinputs"), fixedInputs: {} },
        "invalid launch plan default inputs, expected none but found 1",
      ],
      [
        { workflowId: wfId("noinputs"), defaultInputs: {} },
        "invalid launch plan fixed inputs, expected none but found 1",
      ],
      [
        {
          fixedInputs: {
            literals: {
              when: create(LiteralSchema, {
                value: {
                  case: "scalar",
                  value: {
                    value: {
                      case: "primitive",
                      value: { value: { case: "datetime", value: { seconds: -62135596801n } } },
                    },
                  },
                },
              }),
            },
          },
        },
        "timestamp (seconds:-62135596801) before 0001-01-01",
      ],
      [
        { fixedInputs: { literals: { x: create(LiteralSchema, { value: { case: "scalar", value: {} } }) } } },
        "Failed to validate literal type for [x] with err: got unknown literal type: [<nil>].\nSuggested solution: Please update all your Flyte deployment images to the latest version and try again",
      ],
      [
        {
          defaultInputs: {
            parameters: {
              x: {
                var: { type: simple(SimpleType.INTEGER) },
                behavior: { case: "default", value: create(LiteralSchema, { value: { case: "scalar", value: {} } }) },
              },
            },
          },
        },
        "Flyte encountered an issue while determining\nthe type of the default value for Parameter 'x' in 'default_inputs'.\nRegistered type: [simple:INTEGER].\nFlyte needs to support the latest FlyteIDL to support this type.\nSuggested solution: Please update all of your Flyte images to the latest version and try again.",
      ],
      [
        {
          defaultInputs: {
            parameters: {
              when: {
                var: { type: simple(SimpleType.DATETIME) },
                behavior: {
                  case: "default",
                  value: create(LiteralSchema, {
                    value: {
                      case: "scalar",
                      value: {
                        value: {
                          case: "primitive",
                          value: { value: { case: "datetime", value: { seconds: 1n, nanos: -1 } } },
                        },
                      },
                    },
                  }),
                },
              },
            },
          },
        },
        "timestamp (seconds:1 nanos:-1) has out-of-range nanos",
      ],
    ];
    for (const [over, message] of cases)
      await expectError(createLp(lpId(), spec(over)), Code.INVALID_ARGUMENT, message);
  });

  test("schedules: unbound inputs, the kickoff argument, cron syntax, rates", async () => {
    await expectError(
      createLp(lpId(), spec(cron("0 * * * *", ""))),
      Code.INVALID_ARGUMENT,
      "Cannot create a launch plan with a schedule if there is an unbound required input. [when] is required",
    );
    await expectError(
      createLp(lpId(), spec(cron("0 * * * *", "x"))),
      Code.INVALID_ARGUMENT,
      "Cannot create a launch plan with a schedule if there is an unbound required input. [when] is required",
    );
    await expectError(
      createLp(
        lpId(),
        spec({
          ...cron("0 * * * *", "s"),
          fixedInputs: {
            literals: {
              s: str("a"),
              when: create(LiteralSchema, {
                value: {
                  case: "scalar",
                  value: {
                    value: {
                      case: "primitive",
                      value: { value: { case: "datetime", value: timestampFromDate(new Date(T0)) } },
                    },
                  },
                },
              }),
            },
          },
        }),
      ),
      Code.INVALID_ARGUMENT,
      "Cannot create a schedule with a KickoffTimeInputArg that does not point to a free input. [s] is not free or does not exist.",
    );
    await expectError(
      createLp(
        lpId(),
        spec({
          ...cron("0 * * * *", "s"),
          fixedInputs: {},
          defaultInputs: {
            parameters: {
              x: { var: { type: simple(SimpleType.INTEGER) }, behavior: { case: "default", value: int(1) } },
              s: { var: { type: simple(SimpleType.STRING) }, behavior: { case: "default", value: str("a") } },
              when: { var: { type: simple(SimpleType.DATETIME) }, behavior: { case: "required", value: true } },
            },
          },
        }),
      ),
      Code.INVALID_ARGUMENT,
      "Cannot create a launch plan with a schedule if there is an unbound required input. [when] is required",
    );
    await expectError(
      createLp(lpId(), spec(cron("0 10 * * ? *"))),
      Code.INVALID_ARGUMENT,
      "Invalid cron expression [0 10 * * ? *]: expected exactly 5 fields, found 6: [0 10 * * ? *]",
    );
    await expectError(
      createLp(lpId(), spec(cron("@every 1x"))),
      Code.INVALID_ARGUMENT,
      /^Invalid cron expression \[@every 1x\]: failed to parse duration/,
    );
    await createLp(lpId("cron"), spec(cron("*/5 9-17 * JAN-MAR mon-fri")));
    await createLp(lpId("hourly"), spec(cron("@hourly")));
    await createLp(lpId("every"), spec(cron("@every 1h30m")));
    await createLp(
      lpId("rate"),
      spec({
        entityMetadata: {
          schedule: { ScheduleExpression: { case: "rate", value: { value: 5, unit: FixedRateUnit.HOUR } } },
        },
        defaultInputs: {
          parameters: {
            x: { var: { type: simple(SimpleType.INTEGER) }, behavior: { case: "default", value: int(1) } },
            when: {
              var: { type: simple(SimpleType.DATETIME) },
              behavior: {
                case: "default",
                value: create(LiteralSchema, {
                  value: {
                    case: "scalar",
                    value: {
                      value: {
                        case: "primitive",
                        value: { value: { case: "datetime", value: timestampFromDate(new Date(T0)) } },
                      },
                    },
                  },
                }),
              },
            },
          },
        },
      }),
    );
    const rows = await testDb.database.db
      .selectFrom("launch_plans")
      .select(["name", "schedule_type", "launch_condition_type"])
      .orderBy("name")
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.name, r.schedule_type, r.launch_condition_type]),
      [
        ["cron", "CRON", "SCHED"],
        ["every", "CRON", "SCHED"],
        ["hourly", "CRON", "SCHED"],
        ["rate", "RATE", "SCHED"],
      ],
    );
  });

  test("notifications and launch conditions", async () => {
    const notify = (n: object) => spec({ entityMetadata: { notifications: [n] } });
    await expectError(
      createLp(lpId(), notify({ phases: [WorkflowExecution_Phase.FAILED] })),
      Code.INVALID_ARGUMENT,
      "invalid value for notification type",
    );
    await expectError(
      createLp(lpId(), notify({ type: { case: "email", value: { recipientsEmail: [] } } })),
      Code.INVALID_ARGUMENT,
      "missing recipients",
    );
    await expectError(
      createLp(lpId(), notify({ type: { case: "slack", value: { recipientsEmail: [""] } } })),
      Code.INVALID_ARGUMENT,
      "missing recipient",
    );
    await expectError(
      createLp(
        lpId(),
        notify({
          type: { case: "pagerDuty", value: { recipientsEmail: ["a@b"] } },
          phases: [WorkflowExecution_Phase.RUNNING],
        }),
      ),
      Code.INVALID_ARGUMENT,
      "invalid value for phase",
    );
    await createLp(
      lpId(),
      notify({
        type: { case: "email", value: { recipientsEmail: ["a@b"] } },
        phases: [WorkflowExecution_Phase.SUCCEEDED, WorkflowExecution_Phase.TIMED_OUT],
      }),
    );
    await expectError(
      createLp(
        lpId("cond"),
        spec({
          entityMetadata: { launchConditions: anyPack(StringValueSchema, create(StringValueSchema, { value: "x" })) },
        }),
      ),
      Code.INVALID_ARGUMENT,
      'Launch condition must be empty, found type_url:"type.googleapis.com/google.protobuf.StringValue"',
    );
  });

  test("re-registration: identical is AE, different is IA with a diff", async () => {
    await createLp(lpId(), spec());
    await expectError(
      createLp(lpId(), spec()),
      Code.ALREADY_EXISTS,
      "launch plan with identical structure already exists",
    );
    await expectError(
      createLp(lpId(), spec({ role: "other" })),
      Code.INVALID_ARGUMENT,
      /^lp launch plan with different structure already exists\. \(Please register a new version of the launch plan\):\nrole: <unset> -> "other"$/,
    );
  });

  test("concurrent registrations of one id: one wins, the other gets the sequential answer", async () => {
    const same = await Promise.allSettled([createLp(lpId("race"), spec()), createLp(lpId("race"), spec())]);
    assert.deepEqual(same.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    assert.equal(
      ((same.find((r) => r.status === "rejected") as PromiseRejectedResult).reason as AloftError).message,
      "launch plan with identical structure already exists",
    );
    const diff = await Promise.allSettled([
      createLp(lpId("race2"), spec()),
      createLp(lpId("race2"), spec({ role: "r" })),
    ]);
    assert.equal(
      ((diff.find((r) => r.status === "rejected") as PromiseRejectedResult).reason as AloftError).code,
      Code.INVALID_ARGUMENT,
    );
  });

  test("activation: one active version per name, schedules switched through the sink, all in one transaction", async () => {
    await createLp(lpId("lp", "v1"), spec(cron("@daily")));
    await createLp(lpId("lp", "v2"), spec());
    await createLp(lpId("lp", "v3"), spec(cron("@hourly")));
    await expectError(
      manager.getActive(
        create(ActiveLaunchPlanRequestSchema, { id: { project: "p", domain: "development", name: "lp" } }),
      ),
      Code.NOT_FOUND,
      "No active launch plan could be found: p:development:lp",
    );
    clock.set(new Date(T0 + 5000));
    await setState(LaunchPlanState.ACTIVE, "v1");
    assert.deepEqual(sinkCalls, ["activate v1"]);
    const active = await manager.getActive(
      create(ActiveLaunchPlanRequestSchema, { id: { project: "p", domain: "development", name: "lp" } }),
    );
    assert.equal(active.id?.version, "v1");
    assert.equal(active.closure?.state, LaunchPlanState.ACTIVE);
    assert.equal(timestampDate(active.closure!.updatedAt!).getTime(), T0 + 5000);
    await setState(LaunchPlanState.ACTIVE, "v1");
    assert.deepEqual(sinkCalls, ["activate v1"], "re-activating the active version is a no-op");
    await setState(LaunchPlanState.ACTIVE, "v2");
    assert.deepEqual(sinkCalls, ["activate v1", "deactivate v1"], "v2 has no schedule");
    sinkCalls = [];
    failSink = true;
    await expectError(setState(LaunchPlanState.ACTIVE, "v3"), Code.INTERNAL, "scheduler unavailable");
    assert.equal((await get("lp", "v2")).closure?.state, LaunchPlanState.ACTIVE, "rolled back");
    assert.equal((await get("lp", "v3")).closure?.state, LaunchPlanState.INACTIVE);
    failSink = false;
    sinkCalls = [];
    await setState(LaunchPlanState.ACTIVE, "v3");
    assert.deepEqual(sinkCalls, ["activate v3"]);
    const listed = await manager.listActive(
      create(ActiveLaunchPlanListRequestSchema, { project: "p", domain: "development", limit: 10 }),
    );
    assert.deepEqual(
      listed.launchPlans.map((l: LaunchPlan) => l.id?.version),
      ["v3"],
    );
    sinkCalls = [];
    await setState(LaunchPlanState.INACTIVE, "v3");
    await setState(LaunchPlanState.INACTIVE, "v3");
    await setState(LaunchPlanState.INACTIVE, "v2");
    assert.deepEqual(
      sinkCalls,
      ["deactivate v3", "deactivate v3"],
      "deactivating a scheduled plan always tells the sink; idempotent",
    );
    assert.equal(
      (
        await manager.listActive(
          create(ActiveLaunchPlanListRequestSchema, { project: "p", domain: "development", limit: 10 }),
        )
      ).launchPlans.length,
      0,
    );
  });

  test("the database schedule sink keeps schedulable entities in step with activation, in the same transaction", async () => {
    const db = testDb.database.db;
    await db.deleteFrom("schedulable_entities").execute();
    const schedules = new SchedulableEntityRepo(db, clock);
    const withDb = new LaunchPlanManager({
      repo: new LaunchPlanRepo(db, clock),
      workflows: new WorkflowRepo(db, clock),
      gate: new ProjectGate(new ProjectRepo(db, clock), [{ id: "development", name: "development" }]),
      clock,
      scheduleSink: databaseScheduleSink(schedules),
    });
    const update = (version: string, state: LaunchPlanState) =>
      withDb.update(create(LaunchPlanUpdateRequestSchema, { id: lpId("lp", version), state }));
    await createLp(lpId("lp", "v1"), spec(cron("*/5 * * * *")));
    await createLp(
      lpId("lp", "v2"),
      spec({
        entityMetadata: {
          schedule: {
            ScheduleExpression: { case: "rate", value: { value: 3, unit: FixedRateUnit.HOUR } },
            kickoffTimeInputArg: "when",
          },
        },
      }),
    );
    clock.set(new Date(T0 + 7000));
    await update("v1", LaunchPlanState.ACTIVE);
    const active = async () =>
      (await schedules.listActive()).map((r) => [
        r.version,
        r.cronExpression,
        r.fixedRateValue,
        r.unit,
        r.kickoffTimeInputArg,
      ]);
    assert.deepEqual(await active(), [["v1", "*/5 * * * *", 0, 0, "when"]]);
    assert.equal((await schedules.get(lpId("lp", "v1")))?.updatedAt.getTime(), T0 + 7000);
    await schedules.recordFire(lpId("lp", "v1"), new Date(T0 + 60_000));
    await update("v2", LaunchPlanState.ACTIVE);
    assert.deepEqual(await active(), [["v2", "", 3, FixedRateUnit.HOUR, "when"]], "v1 deactivated, v2 activated");
    assert.equal((await schedules.get(lpId("lp", "v1")))?.active, false);
    // Re-activating v1 starts it from now: its old snapshot is cleared.
    clock.set(new Date(T0 + 90_000));
    await update("v1", LaunchPlanState.ACTIVE);
    const v1 = await schedules.get(lpId("lp", "v1"));
    assert.deepEqual([v1?.active, v1?.lastFireAt, v1?.updatedAt.getTime()], [true, undefined, T0 + 90_000]);
    await update("v1", LaunchPlanState.INACTIVE);
    assert.deepEqual(await active(), []);
    // A failing launch plan state change leaves no schedule behind: the deprecated cron_expression is refused
    // (INTERNAL, as upstream) and the activation rolls back.
    await createLp(
      lpId("old", "v1"),
      spec({
        entityMetadata: {
          schedule: { ScheduleExpression: { case: "cronExpression", value: "0 * * * *" }, kickoffTimeInputArg: "when" },
        },
      }),
    );
    await expectError(
      withDb.update(create(LaunchPlanUpdateRequestSchema, { id: lpId("old", "v1"), state: LaunchPlanState.ACTIVE })),
      Code.INTERNAL,
      /deprecated cron expression/,
    );
    assert.equal((await get("old", "v1")).closure?.state, LaunchPlanState.INACTIVE);
    assert.deepEqual(await active(), []);
  });

  test("update and active-read errors", async () => {
    await expectError(
      setState(LaunchPlanState.ACTIVE, "v9"),
      Code.NOT_FOUND,
      'missing entity of type LAUNCH_PLAN with identifier project:"p" domain:"development" name:"lp" version:"v9"',
    );
    await expectError(setState(LaunchPlanState.INACTIVE, "v9"), Code.NOT_FOUND, /^missing entity of type LAUNCH_PLAN/);
    await expectError(
      setState(7 as LaunchPlanState),
      Code.INVALID_ARGUMENT,
      'Unrecognized launch plan state 7 for update for launch plan [resource_type:LAUNCH_PLAN project:"p" domain:"development" name:"lp" version:"v1"]',
    );
    await expectError(
      manager.update(create(LaunchPlanUpdateRequestSchema, { state: LaunchPlanState.ACTIVE })),
      Code.INVALID_ARGUMENT,
      "missing id",
    );
    await expectError(
      manager.getActive(create(ActiveLaunchPlanRequestSchema, { id: { domain: "d", name: "n" } })),
      Code.INVALID_ARGUMENT,
      "missing project",
    );
    await expectError(
      manager.getActive(create(ActiveLaunchPlanRequestSchema, { id: { project: "p", name: "n" } })),
      Code.INVALID_ARGUMENT,
      "missing domain",
    );
    await expectError(
      manager.getActive(create(ActiveLaunchPlanRequestSchema, { id: { project: "p", domain: "d" } })),
      Code.INVALID_ARGUMENT,
      "missing name",
    );
    await expectError(
      manager.listActive(create(ActiveLaunchPlanListRequestSchema, { project: "p", domain: "development" })),
      Code.INVALID_ARGUMENT,
      "invalid value for limit",
    );
    await expectError(
      get("ghost"),
      Code.NOT_FOUND,
      'missing entity of type LAUNCH_PLAN with identifier project:"p" domain:"development" name:"ghost" version:"v1"',
    );
  });

  test("list joins workflows (workflow.* filters), list ids groups names, parameter errors", async () => {
    await createLp(lpId("a", "v1"), spec());
    await createLp(lpId("a", "v2"), spec());
    await createLp(lpId("b", "v1"), { workflowId: wfId("noinputs") });
    const req = (over: object) =>
      create(ResourceListRequestSchema, { id: { project: "p", domain: "development" }, limit: 10, ...over });
    assert.deepEqual(
      (await manager.list(req({}))).launchPlans.map((l) => `${l.id?.name}/${l.id?.version}`),
      ["a/v1", "a/v2", "b/v1"],
    );
    assert.deepEqual(
      (await manager.list(req({ filters: "eq(workflow.name,noinputs)" }))).launchPlans.map((l) => l.id?.name),
      ["b"],
    );
    assert.deepEqual(
      (await manager.list(req({ id: { project: "p", domain: "development", name: "a" }, limit: 1 }))).token,
      "1",
    );
    const ids = await manager.listIds(
      create(NamedEntityIdentifierListRequestSchema, { project: "p", domain: "development", limit: 10 }),
    );
    assert.deepEqual(
      ids.entities.map((e) => e.name),
      ["a", "b"],
    );
    await expectError(
      manager.list(req({ filters: "eq(task.name,x)" })),
      Code.INVALID_ARGUMENT,
      "'t' entity is not allowed in filters",
    );
    await expectError(manager.list(req({ limit: 0 })), Code.INVALID_ARGUMENT, "invalid value for limit");
    await expectError(
      manager.list(create(ResourceListRequestSchema, { limit: 1 })),
      Code.INVALID_ARGUMENT,
      "missing id",
    );
    await expectError(
      manager.listIds(create(NamedEntityIdentifierListRequestSchema, { project: "p", limit: 1 })),
      Code.INVALID_ARGUMENT,
      "missing domain",
    );
  });
});
