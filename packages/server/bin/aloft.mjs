#!/usr/bin/env node
// The `aloft` command: runs the compiled output (`npm run build`, which `npm ci` runs through `prepare`).
// The server verbs run from the bundle of the compiled server (dist/bundle/main.mjs, scripts/bundle-server.mjs): one
// module graph of a few files instead of ~850, which halves the CPU `aloft start` spends before it answers. The client
// verbs run dist/main.js, whose modules are the ones a workflow file's `import "@aloft/sdk"` also loads.
// A bundle older than the compiled output it was made from (a bare `tsc -b` since the last `npm run build`) or missing
// is not run: the server verbs then run dist/main.js too, which says so when ALOFT_LOGGING__LEVEL is debug or trace.
// A TypeScript module named on the command line (`aloft run wf.ts`, `aloft register code wf.ts`) is loaded through
// tsx, an optional peer dependency needed only then.
import { statSync } from "node:fs";

// The names of serverCommands() in src/server-commands.ts (test/bin.test.ts holds the two lists equal).
const SERVER_VERBS = [
  "start",
  "admin",
  "engine",
  "scheduler",
  "operator",
  "clusterresource",
  "migrate",
  "secret",
  "webhook",
  "copilot",
];
// The packages whose compiled output the bundle holds: `tsc -b` rewrites a project's .tsbuildinfo when it emits.
const BUNDLED = ["admin", "cli", "client", "core", "engine", "kube", "operator", "platform", "runner", "sdk", "server"];

const mtime = (url) => statSync(new URL(url, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;

function freshBundle() {
  const bundled = mtime("../dist/bundle/main.mjs");
  if (bundled === undefined) return "missing";
  const stale = BUNDLED.find((p) => (mtime(`../../${p}/dist/.tsbuildinfo`) ?? 0) > bundled);
  return stale === undefined ? undefined : `older than packages/${stale}/dist`;
}

if (process.argv.slice(2).some((a) => /\.[cm]?tsx?$/.test(a))) (await import("tsx/esm/api")).register();
let main = "../dist/main.js";
if (SERVER_VERBS.includes(process.argv[2])) {
  const notFresh = freshBundle();
  if (notFresh === undefined) main = "../dist/bundle/main.mjs";
  else if (/^(debug|trace)$/.test(process.env.ALOFT_LOGGING__LEVEL ?? ""))
    console.error(`aloft: packages/server/dist/bundle is ${notFresh} (run \`npm run build\`): running dist/main.js`);
}
await import(main).catch((e) => {
  if (e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("/server/dist/main.js")) {
    console.error("aloft: packages/server/dist is missing: run `npm run build` first");
    process.exit(1);
  }
  throw e;
});
