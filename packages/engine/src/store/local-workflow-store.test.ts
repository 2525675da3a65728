// The local store's own behaviour (its contract with the engine is tested with the other stores' in
// blob-workflow-store.test.ts): what lies on disk, torn lines, compaction, old directories, open files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { LiteralMapSchema } from "@aloft/idl/flyteidl/core/literals_pb.js";
import { LocalBlobStore } from "@aloft/core";
import type { NodeStatus, WorkflowStatus } from "../executor/status.ts";
import { incHarness } from "../testing/harness.ts";
import { b, compiler, incChain, intLit, intOf } from "../testing/workflows.ts";
import { BlobWorkflowStore } from "./blob-workflow-store.ts";
import { LocalWorkflowStore, type LocalWorkflowStoreOptions } from "./local-workflow-store.ts";
import type { StatusChanges } from "./workflow-store.ts";

const spec = (name: string) => ({
  executionId: { project: "p", domain: "d", name },
  closure: compiler.ok(b.workflow("w", [b.taskNode("n0", "noop")])),
  inputs: create(LiteralMapSchema),
  spec: {},
  acceptedAt: 5,
});

async function withDir(fn: (blobs: LocalBlobStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "aloft-local-store-"));
  try {
    await fn(new LocalBlobStore({ root: dir }), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const docDir = (dir: string, name: string) => join(dir, "engine", "workflows", "executions", "p", "d", name);
const baseVersion = (dir: string, name: string) =>
  (JSON.parse(readFileSync(join(docDir(dir, name), "status.json"), "utf8")) as { version: number }).version;
const logLines = (dir: string, name: string) =>
  readFileSync(join(docDir(dir, name), "status.log"), "utf8")
    .split("\n")
    .filter((l) => l !== "");
const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Writes `rounds` rounds of a 50-node chain, one node moving per round; returns the statuses written, by version. */
async function chainRounds(store: LocalWorkflowStore, name: string, rounds: number) {
  const nodes: Record<string, NodeStatus> = {};
  for (let i = 0; i < 50; i++) nodes[`n${i}`] = { phase: "Succeeded", attempts: 1, stoppedAt: i };
  let status: WorkflowStatus = { phase: "Running", failedAttempts: 0, nodes };
  await store.create(spec(name), status);
  const written = new Map<number, WorkflowStatus>([[1, json(status)]]);
  let version = 1;
  for (let i = 0; i < rounds; i++) {
    status = {
      ...status,
      lastUpdatedAt: i,
      nodes: { ...status.nodes, [`m${i % 5}`]: { phase: "Running", attempts: i } },
    };
    version = await store.updateStatus(`p/d/${name}`, status, version);
    written.set(version, json(status));
  }
  return { written, version };
}

test("local store: a round appends only the node statuses it replaced; the base is not rewritten", async () => {
  await withDir(async (blobs, dir) => {
    const store = new LocalWorkflowStore(blobs);
    const { written, version } = await chainRounds(store, "a", 6);
    // The first write opens the log (compacting: this instance has not written the execution before).
    assert.equal(baseVersion(dir, "a"), 2);
    const lines = logLines(dir, "a").map((l) => JSON.parse(l) as { v: number; n: Record<string, unknown> });
    assert.deepEqual(
      lines.map((l) => l.v),
      [3, 4, 5, 6, 7],
    );
    for (const l of lines) assert.equal(Object.keys(l.n).length, 1);
    assert.deepEqual(await new LocalWorkflowStore(blobs).getStatus("p/d/a"), { status: written.get(version), version });
    await store.close();
  });
});

test("local store: a torn last line is ignored (that write is lost, not half applied), and the next write goes on", async () => {
  await withDir(async (blobs, dir) => {
    const store = new LocalWorkflowStore(blobs);
    const { written, version } = await chainRounds(store, "t", 4);
    await store.close();
    const log = join(docDir(dir, "t"), "status.log");
    const whole = readFileSync(log, "utf8");
    // A crash in the middle of the next write: the start of a line, no newline.
    appendFileSync(log, `{"v":${version + 1},"s":{"phase":"Succ`);
    const reopened = new LocalWorkflowStore(blobs);
    const read = await reopened.getStatus("p/d/t");
    assert.deepEqual(read, { status: written.get(version), version });
    // The same with the last whole line cut short: the write before it is what is read.
    const cut = new LocalWorkflowStore(blobs);
    appendFileSync(log, "", { flag: "w" });
    appendFileSync(log, whole.slice(0, whole.length - 5));
    assert.deepEqual(await cut.getStatus("p/d/t"), { status: written.get(version - 1), version: version - 1 });
    // The engine replays that round: written after the torn line, it is read back whole.
    const next = { ...read!.status, phase: "Running" as const, lastUpdatedAt: 99 };
    assert.equal(await cut.updateStatus("p/d/t", next, version - 1), version);
    assert.deepEqual(await new LocalWorkflowStore(blobs).getStatus("p/d/t"), { status: json(next), version });
    const more = { ...next, nodes: { ...next.nodes, z: { phase: "Queued" as const } } };
    await cut.updateStatus("p/d/t", more, version);
    assert.deepEqual(await new LocalWorkflowStore(blobs).getStatus("p/d/t"), {
      status: json(more),
      version: version + 1,
    });
    await cut.close();
  });
});

test("local store: lines out of sequence or not JSON end the replay", async () => {
  await withDir(async (blobs, dir) => {
    const store = new LocalWorkflowStore(blobs);
    const { written, version } = await chainRounds(store, "s", 3);
    await store.close();
    const log = join(docDir(dir, "s"), "status.log");
    appendFileSync(log, `{"v":${version + 2},"s":{"phase":"Failed","failedAttempts":0},"n":{}}\n`);
    assert.deepEqual(await new LocalWorkflowStore(blobs).getStatus("p/d/s"), { status: written.get(version), version });
    appendFileSync(log, "", { flag: "w" });
    appendFileSync(log, `\0\0\0\n{"v":${version},"s":{"phase":"Failed","failedAttempts":0},"n":{}}\n`);
    assert.deepEqual((await new LocalWorkflowStore(blobs).getStatus("p/d/s"))?.version, baseVersion(dir, "s"));
  });
});

test("local store: the log is compacted into a new base after maxLines, or when it outgrows the base", async () => {
  for (const options of [{ maxLines: 3 }, { minLogBytes: 0 }] as LocalWorkflowStoreOptions[]) {
    await withDir(async (blobs, dir) => {
      const store = new LocalWorkflowStore(blobs, options);
      const { written, version } = await chainRounds(store, "c", 60);
      assert.ok(baseVersion(dir, "c") > 2, `compacted (${JSON.stringify(options)})`);
      const lines = logLines(dir, "c").length;
      assert.ok(lines <= (options.maxLines ?? 4096), `${lines} lines`);
      assert.equal(baseVersion(dir, "c") + lines, version);
      assert.deepEqual(await new LocalWorkflowStore(blobs).getStatus("p/d/c"), {
        status: written.get(version),
        version,
      });
      await store.close();
    });
  }
});

test("local store: a removed node status compacts; an ended execution keeps only its base", async () => {
  await withDir(async (blobs, dir) => {
    const store = new LocalWorkflowStore(blobs);
    const { written, version } = await chainRounds(store, "r", 3);
    const { n7: _gone, ...nodes } = written.get(version)!.nodes;
    const fewer = { ...written.get(version)!, nodes };
    await store.updateStatus("p/d/r", fewer, version);
    assert.equal(baseVersion(dir, "r"), version + 1);
    assert.deepEqual(await new LocalWorkflowStore(blobs).getStatus("p/d/r"), { status: fewer, version: version + 1 });
    const done: WorkflowStatus = { phase: "Success", failedAttempts: 0, nodes: {}, outputRef: "x" };
    await store.updateStatus("p/d/r", done, version + 1);
    assert.equal(existsSync(join(docDir(dir, "r"), "status.log")), false);
    assert.deepEqual(readdirSync(docDir(dir, "r")).sort(), ["spec.json", "status.json"]);
    assert.deepEqual(await new LocalWorkflowStore(blobs).getStatus("p/d/r"), { status: done, version: version + 2 });
    assert.equal(openLogs(), 0);
  });
});

test("local store: reads and continues a directory the whole-document store wrote (status.json only)", async () => {
  await withDir(async (blobs, dir) => {
    const old = new BlobWorkflowStore(blobs);
    await old.create(spec("o"), { phase: "Ready", failedAttempts: 0, nodes: {} });
    const running: WorkflowStatus = { phase: "Running", failedAttempts: 0, nodes: { n0: { phase: "Running" } } };
    await old.updateStatus("p/d/o", running, 1);
    await old.requestAbort("p/d/o", "stop");
    const store = new LocalWorkflowStore(blobs);
    assert.deepEqual(await store.getStatus("p/d/o"), { status: running, version: 2 });
    assert.deepEqual(await store.listActive(), ["p/d/o"]);
    assert.equal(await store.getAbortRequest("p/d/o"), "stop");
    const next = { ...running, nodes: { ...running.nodes, n1: { phase: "Queued" as const } } };
    assert.equal(await store.updateStatus("p/d/o", next, 2), 3);
    assert.deepEqual(await new LocalWorkflowStore(blobs).getStatus("p/d/o"), { status: next, version: 3 });
    // Launches written by `aloft admin`'s store are created once, as before.
    assert.equal(await store.create(spec("o"), { phase: "Ready", failedAttempts: 0, nodes: {} }), false);
    assert.equal(existsSync(join(docDir(dir, "o"), "status.json")), true);
    await store.close();
  });
});

/** Open descriptors of this process on status logs. */
function openLogs(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).endsWith("/status.log")) n++;
    } catch {
      // closed since listed
    }
  }
  return n;
}

test("local store: logs stay open while executions run, at most maxOpen, and close()", async () => {
  await withDir(async (blobs) => {
    const store = new LocalWorkflowStore(blobs, { maxOpen: 2 });
    const runs: Awaited<ReturnType<typeof chainRounds>>[] = [];
    for (const name of ["x", "y", "z"]) runs.push(await chainRounds(store, name, 3));
    assert.equal(openLogs(), 2);
    // The closed one compacts on its next write and reads back the same.
    for (const [i, name] of ["x", "y", "z"].entries()) {
      const { written, version } = runs[i]!;
      const status = { ...written.get(version)!, lastUpdatedAt: 1234 };
      await store.updateStatus(`p/d/${name}`, status, version);
      assert.deepEqual(await new LocalWorkflowStore(blobs).getStatus(`p/d/${name}`), { status, version: version + 1 });
    }
    assert.equal(openLogs(), 2);
    await store.close();
    assert.equal(openLogs(), 0);
  });
});

test("engine over the local store: runs, stops (closing its logs), and a second engine resumes", async () => {
  await withDir(async (blobs) => {
    const c = incChain(6);
    const h1 = incHarness(new LocalWorkflowStore(blobs), blobs);
    await h1.launch("l1", c, { x: intLit(1) });
    await h1.engine.start();
    await h1.engine.stop();
    assert.equal(openLogs(), 0);
    const h2 = incHarness(new LocalWorkflowStore(blobs), blobs);
    await h2.engine.start();
    try {
      const s = await h2.waitTerminal("l1");
      assert.equal(s.phase, "Success");
      assert.equal(intOf((await h2.outputs(s)).literals["y"]), 7n);
      assert.deepEqual(await new LocalWorkflowStore(blobs).listActive(), []);
    } finally {
      await h2.engine.stop();
    }
    assert.equal(openLogs(), 0);
  });
});

test("local store: the nodes a write's changes name since the status written last are the line's, unwalked", async () => {
  await withDir(async (blobs, dir) => {
    const store = new LocalWorkflowStore(blobs);
    const { written, version } = await chainRounds(store, "h", 2);
    const key = "p/d/h";
    const read = (await store.getStatus(key))!.status; // new objects, not the status written last
    // chainRounds keeps no reference to what it wrote: write a status of our own first, unnamed.
    const since = { ...written.get(version)!, lastUpdatedAt: 50 };
    let v = await store.updateStatus(key, since, version);
    // Two nodes replaced, one named: the store trusts the names (the line holds n1 only); new nodes in named order.
    const named: WorkflowStatus = {
      ...since,
      nodes: { ...since.nodes, n1: { phase: "Running" as const }, n2: { phase: "Running" as const } },
    };
    named.nodes["b"] = { phase: "Queued" };
    named.nodes["a"] = { phase: "Queued" };
    v = await store.updateStatus(key, named, v, { since, nodes: new Set(["n1", "n7", "a", "b"]) });
    const line = JSON.parse(logLines(dir, "h").at(-1)!) as { v: number; n: Record<string, unknown> };
    assert.equal(line.v, v);
    assert.deepEqual(Object.keys(line.n), ["n1", "a", "b"]);
    // Named since an object that is not the status written last (a read, a skipped or failed write): every node is
    // compared.
    const stale: WorkflowStatus = { ...named, nodes: { ...named.nodes, n3: { phase: "Running" as const } } };
    v = await store.updateStatus(key, stale, v, { since: read, nodes: new Set(["n4"]) });
    const walked = JSON.parse(logLines(dir, "h").at(-1)!) as { n: Record<string, unknown> };
    assert.deepEqual(Object.keys(walked.n), ["n3"]);
    // A named node that is gone compacts, as when comparing every node.
    const { n5: _gone, ...rest } = stale.nodes;
    const fewer = { ...stale, nodes: rest };
    v = await store.updateStatus(key, fewer, v, { since: stale, nodes: new Set(["n5"]) });
    assert.equal(baseVersion(dir, "h"), v);
    assert.deepEqual(await new LocalWorkflowStore(blobs).getStatus(key), { status: json(fewer), version: v });
    await store.close();
  });
});

test("local store: checkChanges fails a write whose named changes differ from comparing every node", async () => {
  await withDir(async (blobs) => {
    const store = new LocalWorkflowStore(blobs, { checkChanges: true });
    await chainRounds(store, "k", 1);
    const { status, version } = (await store.getStatus("p/d/k"))!;
    const v = await store.updateStatus("p/d/k", status, version); // compacts: the read's objects are new
    const ok = { ...status, nodes: { ...status.nodes, n1: { phase: "Running" as const } } };
    const v2 = await store.updateStatus("p/d/k", ok, v, { since: status, nodes: new Set(["n1", "n2"]) });
    const missed = {
      ...ok,
      nodes: { ...ok.nodes, n2: { phase: "Running" as const }, n3: { phase: "Running" as const } },
    };
    await assert.rejects(
      store.updateStatus("p/d/k", missed, v2, { since: ok, nodes: new Set(["n2"]) }),
      /engine\.status_changes|named/,
    );
    await store.close();
  });
});

test("engine: each write names the nodes changed since the status it wrote before, rounds saved with the next included", async () => {
  await withDir(async (blobs) => {
    const writes: { status: WorkflowStatus; since?: WorkflowStatus; nodes?: string[] }[] = [];
    class Recording extends LocalWorkflowStore {
      override async updateStatus(
        key: string,
        status: WorkflowStatus,
        expectedVersion: number,
        changes?: StatusChanges,
      ): Promise<number> {
        const v = await super.updateStatus(key, status, expectedVersion, changes);
        writes.push({ status, ...(changes ? { since: changes.since, nodes: [...changes.nodes] } : {}) });
        return v;
      }
    }
    const h = incHarness(new Recording(blobs, { checkChanges: true }), blobs);
    await h.launch("e", incChain(5), { x: intLit(1) });
    await h.engine.start();
    try {
      assert.equal((await h.waitTerminal("e")).phase, "Success");
    } finally {
      await h.engine.stop();
    }
    // The first write's changes are since the status the engine read (a status of other objects: compared whole).
    const named = writes.slice(1).filter((w) => w.since);
    assert.ok(named.length >= 5, `${named.length} of ${writes.length} writes name their changes`);
    for (const w of named) {
      assert.equal(w.since, writes[writes.indexOf(w) - 1]!.status, "named since the status written before");
      const differ = Object.keys(w.status.nodes).filter((id) => w.status.nodes[id] !== w.since!.nodes[id]);
      assert.deepEqual(new Set(w.nodes!.filter((id) => w.status.nodes[id] !== w.since!.nodes[id])), new Set(differ));
    }
  });
});
