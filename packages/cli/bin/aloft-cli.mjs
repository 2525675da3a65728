#!/usr/bin/env node
// The `aloft` client commands without the server (faster start): runs the compiled output (`npm run build`).
// A TypeScript module named on the command line (`aloft run wf.ts`, `aloft register code wf.ts`) is loaded through
// tsx, an optional peer dependency needed only then.
if (process.argv.slice(2).some((a) => /\.[cm]?tsx?$/.test(a))) (await import("tsx/esm/api")).register();
const { main } = await import("../dist/program.js");
await main(process.argv);
