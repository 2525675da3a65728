// The test Kubernetes API server (with the FlyteWorkflow CRD and the namespaces named on the command line) in a
// process of its own, as a real API server is: bench/kube-engine.bench.ts starts it so that the engine does not share
// its event loop. Prints `kubeconfig <file>` once serving; stops on SIGTERM.
import { writeFileSync } from "node:fs";
import { startFlyteWorkflowApi } from "@aloft/engine/testing";

const [file, ...namespaces] = process.argv.slice(2);
const k = await startFlyteWorkflowApi(namespaces);
writeFileSync(file!, k.server.kubeConfig().exportConfig());
process.stdout.write(`kubeconfig ${file}\n`);
process.once("SIGTERM", () => {
  k.close().then(() => process.exit(0));
});
