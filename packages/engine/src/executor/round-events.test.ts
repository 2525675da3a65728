// A round's events sent without awaiting each (round-events.ts): a node's events and a child's after its parent's go
// in order, and the round learns the first refusal in the order the events were sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RoundEvents } from "./round-events.ts";

/** A call that is answered when the test says so, logging when it is sent. */
function gated(log: string[], name: string) {
  let answer!: (err?: Error) => void;
  const answered = new Promise<void>((resolve, reject) => {
    answer = (err) => (err ? reject(err) : resolve());
  });
  return {
    call: () => {
      log.push(name);
      return answered;
    },
    answer,
  };
}

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

test("a node's events go one after another; other nodes' at once", async () => {
  const events = new RoundEvents();
  const log: string[] = [];
  const a1 = gated(log, "a1");
  const a2 = gated(log, "a2");
  const b1 = gated(log, "b1");
  events.defer("a", undefined, a1.call);
  events.defer("a", undefined, a2.call);
  events.defer("b", undefined, b1.call);
  await turns();
  assert.deepEqual(log, ["a1", "b1"]);
  a1.answer();
  await turns();
  assert.deepEqual(log, ["a1", "b1", "a2"]);
  a2.answer();
  b1.answer();
  await events.flush();
});

test("a child's event waits until its parent's earlier events are answered, even refused ones", async () => {
  const events = new RoundEvents();
  const log: string[] = [];
  const parent = gated(log, "parent");
  const child = gated(log, "child");
  const other = gated(log, "other");
  events.defer("n0", undefined, parent.call);
  const sent = events.send("n0-0-n1", "n0", child.call);
  events.defer("n2", undefined, other.call);
  await turns();
  assert.deepEqual(log, ["parent", "other"], "admin looks the parent up: the child must not overtake it");
  parent.answer(new Error("refused"));
  await turns();
  assert.deepEqual(log, ["parent", "other", "child"]);
  child.answer();
  other.answer();
  await sent;
  await assert.rejects(events.flush(), /refused/);
});

test("flush waits for every answer and throws the first refusal in the order the events were sent", async () => {
  const events = new RoundEvents();
  const log: string[] = [];
  const a = gated(log, "a");
  const b = gated(log, "b");
  const c = gated(log, "c");
  events.defer("a", undefined, a.call);
  events.defer("b", undefined, b.call);
  events.defer("c", undefined, c.call);
  let flushed = false;
  const flush = events.flush().finally(() => (flushed = true));
  flush.catch(() => {});
  c.answer(new Error("c refused"));
  b.answer(new Error("b refused"));
  await turns();
  assert.equal(flushed, false, "a is still unanswered");
  a.answer();
  await assert.rejects(flush, /b refused/);
});

test("a round that failed after its events fails with an earlier refusal, else its own error", async () => {
  const events = new RoundEvents();
  events.defer("a", undefined, async () => undefined);
  await assert.rejects(events.flush({ error: new Error("round") }), /round/);
  const refused = new RoundEvents();
  refused.defer("a", undefined, async () => {
    throw new Error("event");
  });
  await assert.rejects(refused.flush({ error: new Error("round") }), /event/);
});

test("a status an answer may change is readable once that answer is in", async () => {
  const events = new RoundEvents();
  const status = { phase: "Succeeding" as const };
  const changed = { phase: "Succeeding" as string };
  assert.equal(events.changing, false);
  events.defer(
    "a",
    undefined,
    async () => {
      await turns(2);
      changed.phase = "Failing";
    },
    status,
  );
  assert.equal(events.changing, true);
  await events.answered(status);
  assert.equal(changed.phase, "Failing");
  await events.answered({ phase: "Running" });
  await events.flush();
});

test("a parent's event waits until its children's earlier events are answered; later children's do not hold it", async () => {
  const events = new RoundEvents();
  const log: string[] = [];
  const c1 = gated(log, "c1");
  const c2 = gated(log, "c2");
  const parent = gated(log, "parent");
  const after = gated(log, "c3");
  events.defer("s-0-n0", "s", c1.call);
  events.defer("s-0-n1", "s", c2.call);
  events.defer("s", undefined, parent.call);
  events.defer("s-0-n2", "s", after.call);
  await turns();
  assert.deepEqual(log, ["c1", "c2"], "a nested scope's events come before its parent node's, as one at a time");
  c1.answer();
  c2.answer(new Error("refused"));
  await turns();
  assert.deepEqual(log, ["c1", "c2", "parent"]);
  parent.answer();
  await turns();
  assert.deepEqual(log, ["c1", "c2", "parent", "c3"]);
  after.answer();
  await assert.rejects(events.flush(), /refused/);
});
