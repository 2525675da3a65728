import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveCommand } from "./resolve-command.ts";

test("a command found once is found again while it exists, and not once it is gone", (t) => {
  const root = mkdtempSync(join(tmpdir(), "aloft-resolve-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const [a, b] = [join(root, "a"), join(root, "b")];
  mkdirSync(a);
  mkdirSync(b);
  const tool = join(b, "tool");
  writeFileSync(tool, "#!/bin/sh\n");
  chmodSync(tool, 0o755);
  const path = `${a}:${b}`;
  assert.equal(resolveCommand("tool", path, root), tool);
  assert.equal(resolveCommand("tool", path, root), tool, "remembered");
  rmSync(tool);
  assert.equal(resolveCommand("tool", path, root), undefined, "gone");
  const moved = join(a, "tool");
  writeFileSync(moved, "#!/bin/sh\n");
  chmodSync(moved, 0o755);
  assert.equal(resolveCommand("tool", path, root), moved, "found where it is now");
  chmodSync(moved, 0o644);
  assert.equal(resolveCommand("tool", path, root), undefined, "no longer executable");
});

test("relative PATH entries are looked up from the working directory, every time", (t) => {
  const root = mkdtempSync(join(tmpdir(), "aloft-resolve-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const [one, two] = [join(root, "one"), join(root, "two")];
  mkdirSync(join(one, "bin"), { recursive: true });
  mkdirSync(join(two, "bin"), { recursive: true });
  const tool = join(one, "bin", "tool");
  writeFileSync(tool, "#!/bin/sh\n");
  chmodSync(tool, 0o755);
  assert.equal(resolveCommand("tool", "bin", one), tool);
  assert.equal(resolveCommand("tool", "bin", two), undefined);
});
