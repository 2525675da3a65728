#!/usr/bin/env node
// Serializes a TypeScript module's tasks, workflows and launch plans into registration files (see src/serialize/package-main.ts).
import { register } from "tsx/esm/api";

register();
const { packageMain } = await import(new URL("../src/serialize/package-main.ts", import.meta.url).href);
try {
  for (const f of await packageMain(process.argv.slice(2))) console.log(f);
} catch (e) {
  console.error(`aloft-package: ${e instanceof Error ? e.message : e}`);
  process.exitCode = 1;
}
