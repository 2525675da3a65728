import assert from "node:assert/strict";
import { test } from "node:test";
import {
  formFields,
  formToInputs,
  parseDatetime,
  parseDuration,
  taskParameters,
  textToLiteral,
} from "./launch-form.ts";
import type { LiteralType } from "./types.ts";

const INT: LiteralType = { simple: "INTEGER" };

test("fields come from the parameters, sorted, with kinds, defaults and required flags", () => {
  const fields = formFields({
    x: { var: { type: INT, description: "count" }, required: true },
    color: {
      var: { type: { enum_type: { values: ["red", "blue"] } } },
      default: { scalar: { primitive: { string_value: "blue" } } },
    },
    xs: {
      var: { type: { collection_type: INT } },
      default: { collection: { literals: [{ scalar: { primitive: { integer: "1" } } }] } },
    },
  });
  assert.deepEqual(
    fields.map((f) => [f.name, f.kind, f.required, f.initial]),
    [
      ["color", "enum", false, "blue"],
      ["x", "int", true, ""],
      ["xs", "json", false, "[1]"],
    ],
  );
  assert.deepEqual(fields[0]!.enumValues, ["red", "blue"]);
});

test("primitives convert with validation messages", () => {
  assert.deepEqual(textToLiteral(INT, " 42 "), { ok: true, literal: { scalar: { primitive: { integer: "42" } } } });
  assert.equal(textToLiteral(INT, "4.2").ok, false);
  assert.equal(textToLiteral(INT, "9223372036854775808").ok, false);
  assert.deepEqual(textToLiteral({ simple: "FLOAT" }, "1e3"), {
    ok: true,
    literal: { scalar: { primitive: { float_value: 1000 } } },
  });
  assert.deepEqual(textToLiteral({ simple: "BOOLEAN" }, "true"), {
    ok: true,
    literal: { scalar: { primitive: { boolean: true } } },
  });
  assert.deepEqual(textToLiteral({ simple: "STRING" }, " a "), {
    ok: true,
    literal: { scalar: { primitive: { string_value: " a " } } },
  });
  const e = textToLiteral({ enum_type: { values: ["red", "blue"] } }, "green");
  assert.deepEqual(e, { ok: false, error: '"green" is not one of red, blue' });
  assert.deepEqual(textToLiteral({ simple: "DURATION" }, "1h30m"), {
    ok: true,
    literal: { scalar: { primitive: { duration: "5400s" } } },
  });
  assert.deepEqual(textToLiteral({ simple: "DATETIME" }, "2025-01-31T12:00"), {
    ok: true,
    literal: { scalar: { primitive: { datetime: "2025-01-31T12:00:00.000Z" } } },
  });
});

test("datetimes and durations parse as documented", () => {
  assert.equal(parseDatetime("2025-01-31"), "2025-01-31T00:00:00.000Z");
  assert.equal(parseDatetime("2025-01-31T12:00:00+02:00"), "2025-01-31T10:00:00.000Z");
  assert.equal(parseDatetime("yesterday"), undefined);
  assert.equal(parseDuration("250ms"), "0.25s");
  assert.equal(parseDuration("90"), "90s");
  assert.equal(parseDuration("1x"), undefined);
});

test("lists, maps and structs are JSON converted by element type, with the path of a bad element", () => {
  const listOfMaps: LiteralType = { collection_type: { map_value_type: { simple: "FLOAT" } } };
  assert.deepEqual(textToLiteral(listOfMaps, '[{"a": 1.5}]'), {
    ok: true,
    literal: {
      collection: { literals: [{ map: { literals: { a: { scalar: { primitive: { float_value: 1.5 } } } } } }] },
    },
  });
  assert.deepEqual(textToLiteral(listOfMaps, '[{"a": "x"}]'), { ok: false, error: '"x" is not a number at [0].a' });
  assert.deepEqual(textToLiteral({ collection_type: INT }, "{}"), { ok: false, error: "expected a JSON list" });
  assert.equal(
    (textToLiteral({ collection_type: INT }, "[1,") as { error: string }).error.startsWith("not valid JSON"),
    true,
  );
  assert.deepEqual(textToLiteral({ simple: "STRUCT" }, '{"k": [1]}'), {
    ok: true,
    literal: { scalar: { generic: { k: [1] } } },
  });
  assert.equal(textToLiteral({ simple: "STRUCT" }, "[1]").ok, false);
  const optional: LiteralType = { union_type: { variants: [INT, { simple: "NONE" }] } };
  assert.deepEqual(textToLiteral(optional, "null"), {
    ok: true,
    literal: { scalar: { union: { value: { scalar: { none_type: {} } }, type: { simple: "NONE" } } } },
  });
});

test("the whole form: required fields must be filled, optional empty ones are left to their defaults", () => {
  const fields = formFields({
    x: { var: { type: INT }, required: true },
    y: { var: { type: INT }, required: false, default: { scalar: { primitive: { integer: "7" } } } },
    z: { var: { type: { simple: "FLOAT" } }, required: false },
  });
  assert.deepEqual(formToInputs(fields, { x: "", z: "" }).errors, { x: "required" });
  const { literals, errors } = formToInputs(fields, { x: "1" });
  assert.deepEqual(errors, {});
  assert.deepEqual(Object.keys(literals), ["x", "y"]);
});

test("a task's inputs become required fields, except optional ones (a union with none)", () => {
  const params = taskParameters({
    inputs: {
      variables: {
        x: { type: INT },
        maybe: { type: { union_type: { variants: [INT, { simple: "NONE" }] } } },
      },
    },
  });
  assert.deepEqual(
    formFields(params).map((f) => [f.name, f.required, f.initial]),
    [
      ["maybe", false, ""],
      ["x", true, ""],
    ],
  );
  assert.deepEqual(taskParameters(null), {});
});
