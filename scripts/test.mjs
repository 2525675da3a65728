// Runs every test file (`*.test.ts` under packages/*/src, packages/*/test and scripts/) with node:test through tsx, from the
// TypeScript sources (`--conditions=@aloft/source` makes `@aloft/<pkg>` resolve to src/index.ts).
// Extra arguments are passed as file filters: `npm test -- gateway` runs the files whose path contains "gateway".
// First it brings the compiled output up to date (`tsc -b`, incremental: seconds when nothing changed, then the server
// bundle, a few seconds), because the end-to-end tests spawn what users run: the `aloft` bin runs the server verbs from
// packages/server/dist/bundle, `aloft-execute`, the client verbs and the warm workers run packages/*/dist.
// ALOFT_TEST_BUILD=0 skips that step (for a filter that spawns nothing, when you know dist does not matter).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const filters = process.argv.slice(2);

function walk(dir) {
  let out = [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "gen" || name.startsWith(".")) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

// Longest first, so that no long file starts last and runs alone at the end: the suites that drive the real flytekit
// (Python processes by the dozen), then the other end-to-end files, then the unit tests; by path within each group.
const weight = (f) => (f.includes("flytekit") ? 0 : f.endsWith(".e2e.test.ts") ? 1 : 2);
const files = [...walk(join(root, "packages")), ...walk(join(root, "scripts"))]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort((a, b) => weight(a) - weight(b) || (a < b ? -1 : a > b ? 1 : 0));
if (files.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
if (process.env.ALOFT_TEST_BUILD !== "0") {
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const build = spawnSync(process.execPath, [tsc, "-b", "tsconfig.build.json"], { stdio: "inherit", cwd: root });
  if (build.status !== 0) {
    console.error(
      "the build (tsc -b tsconfig.build.json) failed: the tests that spawn compiled bins would test stale code",
    );
    process.exit(build.status ?? 1);
  }
  const bundle = spawnSync(process.execPath, [join(root, "scripts", "bundle-server.mjs")], { stdio: "inherit" });
  if (bundle.status !== 0) {
    console.error("bundling the server (scripts/bundle-server.mjs) failed");
    process.exit(bundle.status ?? 1);
  }
}
const concurrency = process.env.ALOFT_TEST_CONCURRENCY ?? "2";
const result = spawnSync(
  process.execPath,
  [
    "--conditions=@aloft/source",
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    `--test-reporter=${join(root, "scripts", "slowest-reporter.mjs")}`,
    "--test-reporter-destination=stdout",
    ...files,
  ],
  { stdio: "inherit", cwd: root, env: { ...process.env, NODE_ENV: "test" } },
);
process.exit(result.status ?? 1);
