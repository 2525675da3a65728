// Test support: a LocalWorkflowStore on a temporary directory that reads every status it writes back through a second
// instance on the same directory and fails the write unless that equals what the engine handed it. With
// ALOFT_TEST_STORE=local the harness runs every engine test over it: a round that changed a saved node status in place
// (which a status log, writing only the replaced node statuses, would miss) fails at the next write. Short logs, so
// that compaction happens often. The nodes a write's `changes` name are checked against comparing every node status.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalBlobStore } from "@aloft/core";
import { plainNodes } from "../executor/node-map.ts";
import type { WorkflowStatus } from "../executor/status.ts";
import { LocalWorkflowStore } from "../store/local-workflow-store.ts";
import type { StatusChanges } from "../store/workflow-store.ts";

let root: string | undefined;
let stores = 0;

export class CheckedLocalStore extends LocalWorkflowStore {
  readonly #reader: LocalWorkflowStore;

  constructor(blobs: LocalBlobStore) {
    super(blobs, { maxLines: 7, checkChanges: true });
    this.#reader = new LocalWorkflowStore(blobs);
  }

  override async updateStatus(
    key: string,
    status: WorkflowStatus,
    expectedVersion: number,
    changes?: StatusChanges,
  ): Promise<number> {
    const written = JSON.parse(JSON.stringify({ ...status, nodes: plainNodes(status.nodes) })) as WorkflowStatus;
    const version = await super.updateStatus(key, status, expectedVersion, changes);
    assert.deepEqual(await this.#reader.getStatus(key), { status: written, version }, `status of ${key} read back`);
    return version;
  }
}

/** A checked store in a directory of its own, removed when the process exits. */
export function checkedLocalStore(): CheckedLocalStore {
  if (root === undefined) {
    const dir = mkdtempSync(join(tmpdir(), "aloft-checked-store-"));
    root = dir;
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  const dir = join(root, String(++stores));
  mkdirSync(dir);
  return new CheckedLocalStore(new LocalBlobStore({ root: dir }));
}
