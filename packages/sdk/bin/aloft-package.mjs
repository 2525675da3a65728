#!/usr/bin/env node
// Serializes a module's tasks, workflows and launch plans into registration files (see src/serialize/package-main.ts).
// Runs the compiled SDK; a module written in TypeScript is loaded through tsx (an optional peer dependency).
const argv = process.argv.slice(2);
if (argv.some((a) => /\.[cm]?tsx?$/.test(a))) (await import("tsx/esm/api")).register();
const { packageMain } = await import("../dist/serialize/package-main.js");
try {
  for (const f of await packageMain(argv)) console.log(f);
} catch (e) {
  console.error(`aloft-package: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
}
