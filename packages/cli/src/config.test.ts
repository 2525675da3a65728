// CLI settings: flags over ALOFT_ENDPOINT over the config file over defaults; flytectl's `admin:` section.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { AloftError } from "@aloft/core";
import { loadCliConfig } from "./config.ts";

const dir = mkdtempSync(join(tmpdir(), "aloft-cli-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test("defaults without a file: the local sandbox over gRPC", () => {
  const c = loadCliConfig({}, { HOME: join(dir, "nobody") });
  assert.deepEqual(
    [c.endpoint, c.insecure, c.protocol, c.project, c.source],
    ["localhost:8089", true, "grpc", undefined, "defaults"],
  );
  mkdirSync(join(dir, "somebody", ".aloft"), { recursive: true });
  writeFileSync(join(dir, "somebody", ".aloft", "config.yaml"), "project: mine\n");
  assert.equal(
    loadCliConfig({}, { HOME: join(dir, "somebody") }).project,
    "mine",
    "~/.aloft/config.yaml is read by default",
  );
});

test("file, then env, then flags", () => {
  const config = file("a.yaml", "admin:\n  endpoint: dns:///admin:81\n  insecure: false\nproject: p1\ndomain: d1\n");
  const fromFile = loadCliConfig({ config }, {});
  assert.deepEqual(
    [fromFile.endpoint, fromFile.insecure, fromFile.project, fromFile.domain],
    ["dns:///admin:81", false, "p1", "d1"],
  );
  assert.equal(loadCliConfig({ config }, { ALOFT_ENDPOINT: "env:1" }).endpoint, "env:1");
  const flags = loadCliConfig(
    { config, endpoint: "flag:2", insecure: true, project: "p2" },
    { ALOFT_ENDPOINT: "env:1" },
  );
  assert.deepEqual([flags.endpoint, flags.insecure, flags.project, flags.domain], ["flag:2", true, "p2", "d1"]);
  const top = file("b.yaml", "endpoint: top:1\nadmin:\n  endpoint: nested:2\n");
  assert.equal(loadCliConfig({ config: top }, {}).endpoint, "top:1", "top-level keys win over admin:");
  assert.equal(loadCliConfig({ config: file("h.yaml", "protocol: http\n") }, {}).endpoint, "localhost:8088");
});

test("bad files and values are usage errors naming the file", () => {
  const bad = (config: string, re: RegExp) =>
    assert.throws(
      () => loadCliConfig({ config }, {}),
      (e: unknown) => e instanceof AloftError && re.test(e.message),
    );
  bad(join(dir, "absent.yaml"), /absent\.yaml does not exist/);
  bad(file("c.yaml", "endpoint: [\n"), /c\.yaml is not valid YAML/);
  bad(file("d.yaml", "- a\n"), /d\.yaml must be a mapping/);
  bad(file("e.yaml", "insecure: 'yes'\n"), /e\.yaml: insecure must be true or false/);
  bad(file("f.yaml", "protocol: carrier-pigeon\n"), /unknown protocol "carrier-pigeon"/);
});
