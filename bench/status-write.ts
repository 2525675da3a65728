// One status write of the engine's workflow store on a local directory (`updateStatus`, as after a round of a chain:
// every node finished but one, whose status the round replaced), at a given workflow size, against the bare atomic
// replace of the same document already encoded to bytes (write a temp file, rename it): CPU µs per write. `document`:
// BlobWorkflowStore, the whole document replaced every write; `log`: LocalWorkflowStore, the write appended to the
// execution's status log (its compactions, one per log the size of the base, included in the mean), finding the
// changed node statuses by comparing every one; `named`: the same, the write naming the changed node as the engine does.
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { CompiledWorkflowClosureSchema } from "@aloft/idl/flyteidl/core/compiler_pb.js";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LocalBlobStore } from "@aloft/core";
import {
  BlobWorkflowStore,
  LocalWorkflowStore,
  type NodeStatus,
  type WorkflowStatus,
  type WorkflowStore,
} from "@aloft/engine";

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

export async function statusWrite(
  nodes: number,
  writes: number,
  kind: "document" | "log" | "named" = "log",
): Promise<{ us: number; bareUs: number; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), "aloft-status-write-"));
  try {
    const blobs = new LocalBlobStore({ root: dir });
    const store: WorkflowStore = kind === "document" ? new BlobWorkflowStore(blobs) : new LocalWorkflowStore(blobs);
    const all: Record<string, NodeStatus> = {};
    for (let i = 0; i < nodes; i++)
      all[`n${i}`] = { phase: "Succeeded", attempts: 1, stoppedAt: 1_700_000_000_000 + i };
    let status: WorkflowStatus = { phase: "Running", startedAt: 1_700_000_000_000, failedAttempts: 0, nodes: all };
    await store.create(
      {
        executionId: { project: "p", domain: "d", name: `w${nodes}` },
        closure: create(CompiledWorkflowClosureSchema),
        inputs: create(LiteralMapSchema),
        spec: {},
        acceptedAt: 0,
      },
      status,
    );
    const key = `p/d/w${nodes}`;
    let version = 1;
    let spent = 0;
    const moved = `n${nodes - 1}`;
    const named = new Set([moved]);
    const round = (i: number): WorkflowStatus => {
      const next = { ...status, nodes: { ...status.nodes }, lastUpdatedAt: 1_700_000_000_000 + i };
      next.nodes[moved] = { phase: "Running", attempts: 1, task: { phase: "Running", version: i } };
      return next;
    };
    for (let i = 0; i < writes + 20; i++) {
      const next = round(i); // the round's copy is the engine's work, not the store's: outside the timed part
      const c0 = cpuUs();
      const changes = kind === "named" ? { since: status, nodes: named } : undefined;
      version = await store.updateStatus(key, next, version, changes);
      if (i >= 20) spent += cpuUs() - c0;
      status = next;
    }
    await store.close?.();
    const body = Buffer.from(JSON.stringify({ status, version }));
    let bare = 0;
    for (let i = 0; i < writes + 20; i++) {
      const c0 = cpuUs();
      const tmp = join(dir, `tmp-${i}`);
      writeFileSync(tmp, body, { flag: "wx" });
      renameSync(tmp, join(dir, "bare.json"));
      if (i >= 20) bare += cpuUs() - c0;
    }
    return { us: spent / writes, bareUs: bare / writes, bytes: body.byteLength };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
