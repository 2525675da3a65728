// The platform of bench/console.bench.ts, in a process of its own (so the server's work and the browser automation
// do not share one event loop): started in process with the built console at /console, seeded, then its address
// sent to the parent over IPC; closed when the parent says so (or goes away).
// Usage (by console.bench.ts): fork with `--conditions=@aloft/source --import tsx`, argv: consoleDir nodes executions
import type { Kysely } from "kysely";
import { startTestPlatform } from "@aloft/testkit";
import { createRunning, registerWorkflow, seedExecutions, seedNodeExecutions } from "./console-seed.ts";

const [consoleDir = "", nodesArg = "5000", executionsArg = "100000"] = process.argv.slice(2);
const NODES = Number(nodesArg);
const EXECUTIONS = Number(executionsArg);

// Flyte's default limit is 100 nodes a workflow; a deployment running workflows this big raises it.
const registration = { maxWorkflowNodes: NODES, maxLabelEntries: 0, maxAnnotationEntries: 0, workflowSizeLimit: "" };
const platform = await startTestPlatform({ consoleDir, overrides: { registration } });
const close = async () => {
  await platform.close();
  process.exit(0);
};
process.on("message", (m) => m === "close" && void close());
process.on("disconnect", () => void close());

const base = platform.httpUrl;
const db = platform.admin.database.db as Kysely<any>;
let t0 = performance.now();
await registerWorkflow(base, "big", NODES);
await registerWorkflow(base, "tiny", 2);
process.stderr.write(`workflows registered in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
t0 = performance.now();
await createRunning(base, db, "big", "big");
await createRunning(base, db, "tiny", "tiny");
const seeded = await seedNodeExecutions(db, "big", NODES);
await seedNodeExecutions(db, "tiny", 2);
await seedExecutions(db, "tiny", EXECUTIONS);
process.stderr.write(
  `seeded ${seeded} node executions and ${EXECUTIONS} executions in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);
process.send?.({ httpUrl: base });
