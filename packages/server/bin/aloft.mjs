#!/usr/bin/env node
// The `aloft` command: runs the compiled output (`npm run build`, which `npm ci` runs through `prepare`).
// A TypeScript module named on the command line (`aloft run wf.ts`, `aloft register code wf.ts`) is loaded through
// tsx, an optional peer dependency needed only then.
if (process.argv.slice(2).some((a) => /\.[cm]?tsx?$/.test(a))) (await import("tsx/esm/api")).register();
await import("../dist/main.js").catch((e) => {
  if (e?.code === "ERR_MODULE_NOT_FOUND" && String(e.message).includes("/server/dist/main.js")) {
    console.error("aloft: packages/server/dist is missing: run `npm run build` first");
    process.exit(1);
  }
  throw e;
});
