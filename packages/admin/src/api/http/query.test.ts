import { test } from "node:test";
import assert from "node:assert/strict";
import { create, toJson, type Message } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import { ResourceListRequestSchema } from "@aloft/idl/flyteidl/admin/common_pb.js";
import { BindingError, populateFieldFromPath } from "./field-binding.ts";
import { bindQuery, goUnescape, parseGoQuery, type FieldPathFilter } from "./query.ts";
import { AllSchema, testRegistry } from "./test-schema.ts";

function bind(query: string, filter: FieldPathFilter = [], schema = AllSchema): Record<string, unknown> {
  const msg = create(schema);
  const parsed = parseGoQuery(query);
  assert.equal(parsed.error, undefined);
  bindQuery(reflect(schema, msg), parsed.values, filter);
  return toJson(schema, msg as Message, { registry: testRegistry }) as Record<string, unknown>;
}

test("Go query parsing: + is a space, %XX decodes, repeated keys keep order", () => {
  const { values, error } = parseGoQuery("filters=eq(phase,RUNNING)%2Bgt(x,1)&a=1+2&a=%41&flag&&=v");
  assert.equal(error, undefined);
  assert.deepEqual(
    [...values],
    [
      ["filters", ["eq(phase,RUNNING)+gt(x,1)"]],
      ["a", ["1 2", "A"]],
      ["flag", [""]],
      ["", ["v"]],
    ],
  );
});

test("Go query parsing: semicolons and bad escapes are errors, other pairs still parse", () => {
  assert.equal(parseGoQuery("a=1;b=2").error, "invalid semicolon separator in query");
  const bad = parseGoQuery("x=%zz&y=1");
  assert.equal(bad.error, 'invalid URL escape "%zz"');
  assert.deepEqual([...bad.values], [["y", ["1"]]]);
  assert.throws(() => goUnescape("%4", false), /invalid URL escape "%4"/);
  assert.equal(goUnescape("a+b%2Fc", false), "a+b/c");
  assert.equal(goUnescape("%E2%9C%93", true), "✓");
});

test("scalars by proto or json name, nested paths, unknown keys ignored", () => {
  assert.deepEqual(
    bind(
      "i32=-5&i64=9223372036854775807&u32=7&u64=18446744073709551615&f=1.5&d=-2.25&b=true&s=a+b&by=aGk%3D&snakeCaseName=x&inner.name=n&inner.child.color=BLUE&nope=1&inner.nope=2",
    ),
    {
      i32: -5,
      i64: "9223372036854775807",
      u32: 7,
      u64: "18446744073709551615",
      f: 1.5,
      d: -2.25,
      b: true,
      s: "a b",
      by: "aGk=",
      snakeCaseName: "x",
      inner: { name: "n", child: { color: "BLUE" } },
    },
  );
  assert.deepEqual(bind("snake_case_name=y"), { snakeCaseName: "y" });
});

test("enums by name or number; repeated fields by repeating the key; maps by key[k]", () => {
  assert.deepEqual(bind("color=RED&colors=BLUE&colors=1&names=a&names=b&nums=1&nums=-2&labels[env]=prod&labels[x]=y"), {
    color: "RED",
    colors: ["BLUE", "RED"],
    names: ["a", "b"],
    nums: [1, -2],
    labels: { env: "prod", x: "y" },
  });
  assert.deepEqual(bind("color=2"), { color: "BLUE" });
});

test("well-known types: Timestamp RFC 3339, Duration Go-style, wrappers, FieldMask, Struct", () => {
  assert.deepEqual(bind("ts=2024-01-01T00:00:00Z&dur=1h30m&wrapped=42&mask=a,b.c&st=%7B%22k%22%3A1%7D"), {
    ts: "2024-01-01T00:00:00Z",
    dur: "5400s",
    wrapped: "42",
    mask: "a,b.c",
    st: { k: 1 },
  });
  assert.deepEqual(bind("dur=1.5s"), { dur: "1.500s" });
});

test("oneof members: the second one is an error, a message member can be extended", () => {
  assert.deepEqual(bind("b_inner.name=x&bInner.color=RED"), { bInner: { name: "x", color: "RED" } });
  assert.throws(() => bind("a=x&b_inner.name=y"), /field already set for oneof "choice"/);
});

test("bad values are BindingErrors with upstream's wording", () => {
  const cases: Array<[string, RegExp]> = [
    ["i32=2147483648", /parsing field "i32": strconv.ParseInt: parsing "2147483648": value out of range/],
    ["u32=-1", /parsing field "u32": strconv.ParseUint: parsing "-1": invalid syntax/],
    ["b=yes", /parsing field "b"/],
    ["color=GREEN", /parsing field "color": "GREEN" is not a valid value/],
    ["color=7", /"7" is not a valid value/],
    ["colors=RED&colors=PINK", /parsing list "colors"/],
    ["i32=1&i32=2", /too many values for field "i32": 1, 2/],
    ["ts=yesterday", /parsing field "ts"/],
    ["dur=5", /missing unit/],
    ["by=%21%21", /parsing field "by"/],
    ["inner=x", /unsupported message type: "aloft.test.Inner"/],
    ["s.x=1", /invalid path: "s" is not a message/],
    ["names.x=1", /invalid path: "names" is not a message/],
    ["labels=x", /more than one value provided for key/],
    ["i32=", /invalid syntax/],
  ];
  for (const [query, expected] of cases)
    assert.throws(
      () => bind(query),
      (err: unknown) => err instanceof BindingError && expected.test(err.message),
      query,
    );
});

test("fields bound by the path are skipped, by proto or json name", () => {
  const got = bind(
    "id.project=evil&id.name=n&limit=10&sortBy.key=created_at&sort_by.direction=ASCENDING&filters=eq(a,b)&token=5",
    [
      ["id", "project"],
      ["id", "domain"],
    ],
    ResourceListRequestSchema,
  );
  assert.deepEqual(got, {
    id: { name: "n" },
    limit: 10,
    token: "5",
    filters: "eq(a,b)",
    sortBy: { key: "created_at", direction: "ASCENDING" },
  });
});

test("populateFieldFromPath creates intermediate messages even when the leaf is unknown", () => {
  const msg = create(AllSchema);
  populateFieldFromPath(reflect(AllSchema, msg), ["inner", "unknown"], ["x"]);
  assert.deepEqual(toJson(AllSchema, msg as Message, { registry: testRegistry }), { inner: {} });
});
