// Start and end nodes (upstream flytepropeller/pkg/controller/nodes/start/handler.go). The start node's outputs (the workflow or sub-workflow inputs) were written before
// it runs; the end node copies its resolved inputs (the output bindings) to its outputs.
import { AloftError, Code } from "@aloft/core";
import { inputsKey, outputsKey } from "@aloft/core";
import type { NodeContext, NodeHandler, Transition } from "./handler.ts";

const noop = async () => undefined;

export const startHandler: NodeHandler = {
  finalizeRequired: false,
  handle: async (): Promise<Transition> => ({ phase: "Success" }),
  abort: noop,
  finalize: noop,
};

export const endHandler: NodeHandler = {
  finalizeRequired: false,
  async handle(n: NodeContext): Promise<Transition> {
    await copyBlob(n, inputsKey(n.dataDir), outputsKey(n.outputDir()));
    return { phase: "Success" };
  },
  abort: noop,
  finalize: noop,
};

/** Copies a blob; false when the source is absent. */
export async function copyBlob(n: NodeContext, from: string, to: string): Promise<boolean> {
  const blobs = n.exec.deps.blobs;
  let bytes: Uint8Array;
  try {
    bytes = await blobs.get(from);
  } catch (e) {
    if (e instanceof AloftError && e.code === Code.NOT_FOUND) return false;
    throw e;
  }
  await blobs.put(to, bytes, { contentType: "application/octet-stream" });
  return true;
}
