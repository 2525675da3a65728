import { test } from "node:test";
import assert from "node:assert/strict";
import { cleanPath } from "./server-mux.ts";

test("cleanPath as Go's net/http: path.Clean, rooted, trailing slash kept", () => {
  const cases: Array<[string, string]> = [
    ["", "/"],
    ["/", "/"],
    ["/api/v1/projects", "/api/v1/projects"],
    ["/api/v1/projects/", "/api/v1/projects/"],
    ["//api//v1", "/api/v1"],
    ["/a/./b", "/a/b"],
    ["/a/../b", "/b"],
    ["/../a", "/a"],
    ["/a/b/..", "/a"],
    ["/a/b/../", "/a/"],
    ["a/b", "/a/b"],
    ["/%2E%2E/x", "/%2E%2E/x"],
  ];
  for (const [input, want] of cases) assert.equal(cleanPath(input), want, input);
});
