// The CLI against an admin with auth on: `authType: ClientSecret` in ~/.aloft/config.yaml (flytectl's keys) gets a
// token with client credentials, keeps it in ~/.aloft/tokens with 0600, and reuses it; without credentials the
// command fails with UNAUTHENTICATED in one line.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { initSecrets } from "@aloft/admin";
import { startTestPlatform, type TestPlatform } from "@aloft/testkit";
import { cliRunner } from "./cli-runner.ts";

const cliBin = new URL("../bin/aloft-cli.mjs", import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), "aloft-cli-auth-home-"));
const secrets = join(home, "secrets");
let platform: TestPlatform;
const { ok, fails } = cliRunner(() => cliBin, home);

function writeConfig(extra: string): void {
  mkdirSync(join(home, ".aloft"), { recursive: true });
  writeFileSync(
    join(home, ".aloft", "config.yaml"),
    `admin:\n  endpoint: ${platform.grpcAddress}\n  insecure: true\n${extra}`,
  );
}

before(async () => {
  await initSecrets({ dir: secrets, clients: ["ci-bot"] });
  platform = await startTestPlatform({
    overrides: {
      auth: { enabled: true, secretsDir: secrets, roles: { bindings: [{ subject: "ci-bot", role: "viewer" }] } },
    },
  });
});
after(async () => {
  await platform?.close();
  rmSync(home, { recursive: true, force: true });
});

test("without credentials: UNAUTHENTICATED, exit 1", async () => {
  writeConfig("");
  await fails(1, /unauthenticated: missing access token.*authType: ClientSecret/, "get", "project");
});

test("authType ClientSecret: a token from the discovered endpoint, cached 0600 and reused", async () => {
  writeConfig(
    `  authType: ClientSecret\n  clientId: ci-bot\n  clientSecretLocation: ${join(secrets, "ci-bot.secret")}\n`,
  );
  assert.match(await ok("get", "project", "-o", "json"), /flytesnacks/);
  const dir = join(home, ".aloft", "tokens");
  const [file] = readdirSync(dir);
  assert.ok(file);
  assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  const cached = readFileSync(join(dir, file), "utf8");
  assert.ok(!cached.includes(readFileSync(join(secrets, "ci-bot.secret"), "utf8").trim()), "the secret is not cached");
  // A viewer: the server's refusal names the permission.
  await fails(
    1,
    /permission denied: ci-bot lacks permission "admin" on every project/,
    "create",
    "project",
    "--id",
    "mine",
    "--name",
    "mine",
  );
  // Reused: the cached token is sent even when the secret is gone.
  writeConfig(`  authType: ClientSecret\n  clientId: ci-bot\n  clientSecretEnvVar: NOT_SET_ANYWHERE\n`);
  assert.match(await ok("get", "project", "-o", "json"), /flytesnacks/);
  assert.equal(readFileSync(join(dir, file), "utf8"), cached);
});

test("a wrong secret: the token endpoint's refusal in one line", async () => {
  rmSync(join(home, ".aloft", "tokens"), { recursive: true, force: true });
  writeFileSync(join(home, "wrong.secret"), "not-the-secret\n");
  writeConfig(`  authType: ClientSecret\n  clientId: ci-bot\n  clientSecretLocation: ${join(home, "wrong.secret")}\n`);
  await fails(1, /invalid_client/, "get", "project");
});

test("unsupported authType is a usage error", async () => {
  writeConfig("  authType: Pkce\n");
  await fails(2, /authType Pkce is not supported/, "get", "project");
});
