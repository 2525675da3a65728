import { test } from "node:test";
import assert from "node:assert/strict";
import { compareSpecificity, matchTemplate, parseTemplate, TemplateSyntaxError } from "./path-template.ts";

const split = (path: string) => path.slice(1).split("/");
const match = (template: string, path: string) => {
  const m = matchTemplate(parseTemplate(template), split(path));
  return m && Object.fromEntries(m);
};

test("variables bind nested field paths", () => {
  assert.deepEqual(match("/api/v1/tasks/{id.project}/{id.domain}/{id.name}", "/api/v1/tasks/p/d/n"), {
    "id.project": "p",
    "id.domain": "d",
    "id.name": "n",
  });
  assert.equal(match("/api/v1/tasks/{id.project}/{id.domain}/{id.name}", "/api/v1/tasks/p/d"), undefined);
  assert.equal(match("/api/v1/tasks/{id.project}/{id.domain}", "/api/v1/tasks/p/d/n"), undefined);
  assert.equal(match("/api/v1/tasks/{id.project}", "/api/v1/workflows/p"), undefined);
});

test("an empty component matches a variable, as grpc-gateway does", () => {
  assert.deepEqual(match("/api/v1/projects/{id}", "/api/v1/projects/"), { id: "" });
});

test("literal-only templates", () => {
  assert.deepEqual(match("/api/v1/projects", "/api/v1/projects"), {});
  assert.equal(match("/api/v1/projects", "/api/v1/projects/x"), undefined);
  assert.deepEqual(match("/me", "/me"), {});
  assert.deepEqual(match("/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server"), {});
});

test("wildcards, variable patterns and verbs", () => {
  assert.deepEqual(match("/v1/{name=shelves/*}/books", "/v1/shelves/s1/books"), { name: "shelves/s1" });
  assert.deepEqual(match("/v1/{path=**}", "/v1/a/b/c"), { path: "a/b/c" });
  assert.deepEqual(match("/v1/{path=**}/end", "/v1/a/b/end"), { path: "a/b" });
  assert.deepEqual(match("/v1/*/x", "/v1/anything/x"), {});
  assert.deepEqual(match("/v1/{name}:cancel", "/v1/op1:cancel"), { name: "op1" });
  assert.equal(match("/v1/{name}:cancel", "/v1/op1"), undefined);
  assert.equal(match("/v1/{name}:cancel", "/v1/:cancel"), undefined);
  // Without a verb in the template a colon is just part of the value.
  assert.deepEqual(match("/v1/{name}", "/v1/a:b"), { name: "a:b" });
});

test("malformed templates are rejected", () => {
  for (const bad of ["api/v1", "/v1/{unterminated", "/v1/{a}/{a}", "/v1/{a-b}", "/v1/**/**", "/v1/{a={b}}", "/v1/x:"]) {
    assert.throws(() => parseTemplate(bad), TemplateSyntaxError, bad);
  }
});

test("literal segments are more specific than variables", () => {
  const templates = ["/v1/{a}/{b}", "/v1/{a}/fixed", "/v1/{path=**}", "/v1/lit/{b}"].map(parseTemplate);
  const sorted = [...templates].sort(compareSpecificity).map((t) => t.source);
  assert.deepEqual(sorted, ["/v1/lit/{b}", "/v1/{a}/fixed", "/v1/{a}/{b}", "/v1/{path=**}"]);
});
