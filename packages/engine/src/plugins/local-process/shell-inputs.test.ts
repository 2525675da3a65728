// Issue 9 row 8: inputs and the shell. `{{.Inputs.x}}` is substituted raw, as upstream does (documented); the safe
// forms — `{{.Inputs.x | shellquote}}` and FLYTE_INPUT_<name> — never let a value run as a command. Tasks of a root
// engine run as engine.runAsUser.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { AloftError } from "@aloft/core";
import { containerTask, drive, isTerminal, sandbox } from "./testing.ts";
import { shellQuote } from "./template.ts";
import { inputEnvironment } from "./input-env.ts";
import { resolveRunAs } from "./run-as.ts";

const str = (value: string) => ({
  value: {
    case: "scalar" as const,
    value: { value: { case: "primitive" as const, value: { value: { case: "stringValue" as const, value } } } },
  },
});

async function runShell(script: string, s: string) {
  const sb = await sandbox();
  const marker = join(sb.root, "injected");
  const inputs: MessageInitShape<typeof LiteralMapSchema> = { literals: { s: str(s.replaceAll("MARKER", marker)) } };
  const ctx = await sb.context({ template: containerTask(["sh", "-c", script]), inputs });
  const done = await drive(sb.plugin(), ctx, isTerminal);
  const log = await readFile(join(sb.logDir, `${ctx.generatedName}.log`), "utf8");
  const injected = existsSync(marker);
  await sb.cleanup();
  return { phase: done.status.phase, log, injected };
}

const HOSTILE = "$(touch MARKER); echo 'quoted' \"$HOME\" `true`";

test("{{.Inputs.x}} is substituted raw, as upstream does: in sh -c the value runs as shell code", async () => {
  const r = await runShell("echo hello {{.Inputs.s}}", HOSTILE);
  assert.equal(r.phase, "Success");
  assert.ok(r.injected, "the documented, upstream-compatible behaviour: the command substitution ran");
});

test("{{.Inputs.x | shellquote}} substitutes one literal word: nothing runs", async () => {
  const r = await runShell("echo hello {{.Inputs.s | shellquote}}", HOSTILE);
  assert.equal(r.phase, "Success", r.log);
  assert.equal(r.injected, false);
  assert.match(r.log, /\$\(touch .*injected\); echo 'quoted' "\$HOME" `true`/);
});

test('FLYTE_INPUT_<name> carries each input into the environment: "$FLYTE_INPUT_s" expands as data', async () => {
  const r = await runShell('echo "hello $FLYTE_INPUT_s"', HOSTILE);
  assert.equal(r.phase, "Success", r.log);
  assert.equal(r.injected, false);
  assert.match(r.log, /hello \$\(touch .*injected\); echo 'quoted' "\$HOME" `true`/);
});

test("shellQuote and inputEnvironment: quotes inside, huge and odd names", () => {
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote(""), "''");
  const big = {
    value: { case: "collection" as const, value: { literals: Array.from({ length: 5000 }, () => str("x")) } },
  };
  const env = inputEnvironment({
    literals: { s: str("v"), "odd-name": str("w"), big, long: str("y".repeat(40_000)) },
  } as never);
  assert.deepEqual(env, { FLYTE_INPUT_s: "v", FLYTE_INPUT_odd_name: "w" });
});

test("resolveRunAs: names, uids, uid:gid; unknown users and root refused", () => {
  const passwd =
    "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\ntask:x:1001:1002::/home/task:/bin/sh\n";
  assert.deepEqual(resolveRunAs("task", passwd), { uid: 1001, gid: 1002, name: "task", home: "/home/task" });
  assert.deepEqual(resolveRunAs("65534", passwd), { uid: 65534, gid: 65534, name: "nobody", home: "/nonexistent" });
  assert.deepEqual(resolveRunAs("2000:3000", passwd), { uid: 2000, gid: 3000 });
  assert.throws(() => resolveRunAs("ghost", passwd), AloftError);
  assert.throws(() => resolveRunAs("root", passwd), /must not be root/);
  assert.throws(() => resolveRunAs("0", passwd), /must not be root/);
});

const root = process.getuid?.() === 0;
test("a root engine with runAs runs the task as that account; its exit status is still recorded", {
  skip: !root && "needs root",
}, async (t) => {
  const sb = await sandbox();
  t.after(() => sb.cleanup());
  chmodSync(sb.root, 0o755); // the task's account must reach the log directory (mkdtemp makes it private)
  const ctx = await sb.context({ template: containerTask(["sh", "-c", "echo uid=$(id -u) gid=$(id -g); exit 5"]) });
  const plugin = sb.plugin({ runAs: resolveRunAs("nobody") });
  const done = await drive(plugin, ctx, isTerminal);
  const log = await readFile(join(sb.logDir, `${ctx.generatedName}.log`), "utf8");
  assert.match(log, /uid=65534 gid=65534/);
  assert.equal(done.status.phase, "RetryableFailure");
  assert.match(done.status.error?.message ?? "", /exit code \(5\)/, "the status came back through the slot");
});
