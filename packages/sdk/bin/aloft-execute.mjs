#!/usr/bin/env node
// The TypeScript task entrypoint (our pyflyte-execute): runs the compiled SDK (dist/entrypoint/main.js). A task module
// written in TypeScript is loaded through tsx (an optional peer dependency: needed only then).
const argv = process.argv.slice(2);
const i = argv.indexOf("--module");
if (i >= 0 && /\.[cm]?tsx?$/.test(argv[i + 1] ?? "")) (await import("tsx/esm/api")).register();
const { main } = await import("../dist/entrypoint/main.js");
process.exitCode = await main(argv);
