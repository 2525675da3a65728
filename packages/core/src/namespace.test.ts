import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_NAMESPACE_TEMPLATE, namespaceFor } from "./namespace.ts";

test("namespaceFor fills project and domain in every spelling the templates use", () => {
  assert.equal(namespaceFor(DEFAULT_NAMESPACE_TEMPLATE, "flytesnacks", "development"), "flytesnacks-development");
  assert.equal(namespaceFor("{{project}}", "p", "d"), "p");
  assert.equal(namespaceFor("team-{{ .Project }}-{{ $domain }}-{{ domain }}", "p", "d"), "team-p-d-d");
  assert.equal(namespaceFor("fixed", "p", "d"), "fixed");
});
