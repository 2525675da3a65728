import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { localizeFastExecute } from "./fast-execute.ts";

describe("localizeFastExecute", () => {
  const task = ["--", "pyflyte-execute", "--inputs", "s3://b/in", "--dest-dir", "/keep"];
  it("points pyflyte-fast-execute's --dest-dir at the attempt's directory, in both spellings", () => {
    assert.deepEqual(
      localizeFastExecute(
        ["pyflyte-fast-execute", "--additional-distribution", "file:///x.tar.gz", "--dest-dir", "/root", ...task],
        "/w/a1",
      ),
      ["pyflyte-fast-execute", "--additional-distribution", "file:///x.tar.gz", "--dest-dir", "/w/a1", ...task],
    );
    assert.deepEqual(localizeFastExecute(["/opt/bin/pyflyte-fast-execute", "--dest-dir=/root", ...task], "/w/a1"), [
      "/opt/bin/pyflyte-fast-execute",
      "--dest-dir=/w/a1",
      ...task,
    ]);
  });
  it("leaves other commands and the wrapped command's arguments alone", () => {
    assert.deepEqual(localizeFastExecute(["pyflyte-execute", "--dest-dir", "/root"], "/w"), [
      "pyflyte-execute",
      "--dest-dir",
      "/root",
    ]);
    assert.deepEqual(localizeFastExecute(["pyflyte-fast-execute", ...task], "/w"), ["pyflyte-fast-execute", ...task]);
    assert.deepEqual(localizeFastExecute([], "/w"), []);
  });
});
