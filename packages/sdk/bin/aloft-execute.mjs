#!/usr/bin/env node
// The TypeScript task entrypoint (our pyflyte-execute). Loads TypeScript through tsx, then runs src/entrypoint/main.ts.
import { register } from "tsx/esm/api";

register();
const { main } = await import(new URL("../src/entrypoint/main.ts", import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
