#!/usr/bin/env node
// The `aloft` client commands without the server (faster start): runs the TypeScript sources through tsx.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/program.ts");
await main(process.argv);
