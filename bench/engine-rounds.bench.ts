// The engine's rounds alone: a chain and a fan-out of scripted no-op tasks (the engine's test plugin: no processes, no
// admin, in-memory store and blobs), CPU per node at a small and a large size in the same run. Rounds that cost per
// change keep the large size's figure at the small one's; rounds that walk the workflow grow with its size.
// Usage: npx tsx --conditions=@aloft/source bench/engine-rounds.bench.ts [-- --small 100 --large 400]
import { parseArgs } from "node:util";
import { engineHarness } from "../packages/engine/src/testing/harness.ts";
import { succeed } from "../packages/engine/src/testing/fake-plugin.ts";
import { b, compiler } from "../packages/engine/src/testing/workflows.ts";

const { values } = parseArgs({
  options: { small: { type: "string", default: "100" }, large: { type: "string", default: "400" } },
});
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function run(name: string, n: number, chain: boolean): Promise<number> {
  const h = engineHarness();
  h.plugin.script("noop", succeed());
  const nodes = Array.from({ length: n }, (_, i) =>
    b.taskNode(`n${i}`, "noop", [], chain && i > 0 ? [`n${i - 1}`] : []),
  );
  const wf = compiler.ok(b.workflow(name, nodes));
  await h.engine.start();
  try {
    const c0 = cpuMs();
    await h.launch(name, wf, {});
    // Polled here without the test harness' deadline: walking rounds take minutes at a few thousand nodes.
    for (;;) {
      const phase = (await h.engine.status({ project: "p", domain: "d", name }))?.phase;
      if (phase === "Success") break;
      if (phase === "Failed" || phase === "Aborted") throw new Error(`${name} ended ${phase}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return (cpuMs() - c0) / n;
  } finally {
    await h.engine.stop();
  }
}

const small = Number(values.small);
const large = Number(values.large);
await run("warmup", 50, true);
const rows: [string, number, number][] = [];
for (const chain of [true, false]) {
  const label = chain ? "chain" : "fan-out";
  rows.push([label, await run(`${label}-${small}`, small, chain), await run(`${label}-${large}`, large, chain)]);
}
console.log(
  `\nEngine rounds alone (scripted no-op tasks, in-memory store), CPU ms per node, node ${process.version}\n`,
);
console.log(`${"".padEnd(10)}${`${small} nodes`.padEnd(12)}${`${large} nodes`.padEnd(12)}ratio`);
for (const [label, s, l] of rows) {
  console.log(`${label.padEnd(10)}${s.toFixed(3).padEnd(12)}${l.toFixed(3).padEnd(12)}${(l / s).toFixed(2)}x`);
}
