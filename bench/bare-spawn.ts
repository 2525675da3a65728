// The baseline of the engine benchmarks: the no-op process their tasks run (`true`), spawned bare.
import { spawn } from "node:child_process";

/** Spawns `true` `count` times, `concurrency` at a time, each one after the previous one of its lane has exited. */
export async function spawnTrue(count: number, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count)
        await new Promise<void>((resolve, reject) => {
          const c = spawn("true", [], { stdio: "ignore" });
          c.once("error", reject);
          c.once("exit", () => resolve());
        });
    }),
  );
}
